package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.UsageKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Records written with an older or a newer version of a schema are read into the current generated class: the
 * writer's schema comes from the registry by the ID in the frame and Avro resolves it against the class's schema.
 */
class SchemaEvolutionTest {

    enum Registry { MOCK, HTTP }

    private static final Instant T0 = Instant.parse("2026-11-22T10:15:30.123Z");
    private static FakeSchemaRegistry http;
    private static final String SCOPE = "evolution-" + UUID.randomUUID();

    @BeforeAll
    static void startRegistry() throws Exception {
        http = FakeSchemaRegistry.start();
    }

    @AfterAll
    static void stopRegistry() {
        http.close();
        MockSchemaRegistry.dropScope(SCOPE);
    }

    /** Registers {@code writer} the way another (older or newer) producer would, then frames {@code record}. */
    private static byte[] writtenBy(Registry registry, String topic, Schema writer, GenericRecord record) {
        int id = registry == Registry.MOCK
                ? MockSchemaRegistry.forScope(SCOPE).register(topic + "-value", writer)
                : http.register(topic + "-value", writer);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> T readAsCurrent(Registry registry, Class<T> type,
            String topic, byte[] bytes) {
        String url = registry == Registry.MOCK ? "mock://" + SCOPE : http.url();
        return SpecificAvroSerde.of(type, Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, url), false)
                .deserializer().deserialize(topic, bytes);
    }

    private static Schema without(Schema current, String field) {
        return SchemaEdits.withoutField(current, field);
    }

    private static Schema withExtraFields(Schema current) {
        return SchemaEdits.withField(SchemaEdits.withField(current, "region", "string", "\"\""), "attempt", "long", "0");
    }

    @ParameterizedTest(name = "an older UsageEvent without properties reads with empty properties ({0})")
    @EnumSource(Registry.class)
    void anOlderUsageEventWithoutPropertiesReadsWithTheDefault(Registry registry) {
        Schema older = without(UsageEvent.getClassSchema(), "properties");
        GenericRecord record = new GenericRecordBuilder(older).set("transaction_id", "tx-old")
                .set("customer_id", "alias-1").set("event_type", "api_call").set("timestamp", "2026-11-22T10:15:30Z")
                .build();
        String topic = "old-events-" + UUID.randomUUID();

        UsageEvent read = readAsCurrent(registry, UsageEvent.class, topic, writtenBy(registry, topic, older, record));

        assertThat(read.getTransactionId()).isEqualTo("tx-old");
        assertThat(read.getCustomerId()).isEqualTo("alias-1");
        assertThat(read.getProperties()).isNotNull().isEmpty();
    }

    @ParameterizedTest(name = "an older ResolvedUsage without archived reads as not archived ({0})")
    @EnumSource(Registry.class)
    void anOlderResolvedUsageWithoutArchivedReadsAsNotArchived(Registry registry) {
        Schema older = without(ResolvedUsage.getClassSchema(), "archived");
        Schema jsonValue = older.getField("properties").schema().getValueType();
        Schema jsonNumber = jsonValue.getField("value").schema().getTypes().stream()
                .filter(s -> s.getName().equals("JsonNumber")).findFirst().orElseThrow();
        GenericRecord tenth = new GenericRecordBuilder(jsonValue)
                .set("value", new GenericRecordBuilder(jsonNumber).set("text", "0.1").build()).build();
        GenericRecord record = new GenericRecordBuilder(older)
                .set("transaction_id", "tx-old").set("customer_id", "cust-1").set("identifier", "alias-1")
                .set("event_type", "api_call").set("timestamp", "2026-11-22T10:15:30.123Z")
                .set("event_time", T0.toEpochMilli()).set("properties", Map.of("amount", tenth))
                .set("kind", new GenericData.EnumSymbol(older.getField("kind").schema(), "ASSIGN"))
                .set("resolution", new GenericData.EnumSymbol(older.getField("resolution").schema(), "REPLAYED"))
                .set("ingested_at", T0.toEpochMilli()).set("resolved_at", T0.toEpochMilli() + 7)
                .build();
        String topic = "old-resolved-" + UUID.randomUUID();

        ResolvedUsage read = readAsCurrent(registry, ResolvedUsage.class, topic, writtenBy(registry, topic, older, record));

        assertThat(read.getArchived()).isFalse();
        assertThat(read.getKind()).isEqualTo(UsageKind.ASSIGN);
        assertThat(read.getResolution()).isEqualTo(Resolution.REPLAYED);
        assertThat(read.getEventTime()).isEqualTo(T0);
        assertThat(read.getResolvedAt()).isEqualTo(T0.plusMillis(7));
        assertThat(read.getProperties()).isEqualTo(Json.props("amount", Json.num("0.1")));
    }

    @ParameterizedTest(name = "a newer UsageEvent with extra fields reads into the current class ({0})")
    @EnumSource(Registry.class)
    void aNewerUsageEventWithExtraFieldsReadsIntoTheCurrentClass(Registry registry) {
        Schema newer = withExtraFields(UsageEvent.getClassSchema());
        GenericRecord record = new GenericRecordBuilder(newer).set("transaction_id", "tx-new")
                .set("customer_id", "alias-2").set("event_type", "api_call").set("timestamp", "2026-11-22T10:15:30Z")
                .set("properties", Map.of()).set("region", "eu").set("attempt", 3L).build();
        String topic = "new-events-" + UUID.randomUUID();

        UsageEvent read = readAsCurrent(registry, UsageEvent.class, topic, writtenBy(registry, topic, newer, record));

        assertThat(read).isEqualTo(UsageEvent.newBuilder().setTransactionId("tx-new").setCustomerId("alias-2")
                .setEventType("api_call").setTimestamp("2026-11-22T10:15:30Z").build());
    }

    @ParameterizedTest(name = "a newer ResolvedUsage with extra fields reads into the current class ({0})")
    @EnumSource(Registry.class)
    void aNewerResolvedUsageWithExtraFieldsReadsIntoTheCurrentClass(Registry registry) {
        Schema newer = withExtraFields(ResolvedUsage.getClassSchema());
        GenericRecord record = new GenericRecordBuilder(newer)
                .set("transaction_id", "tx-new").set("customer_id", "cust-1").set("identifier", "cust-1")
                .set("event_type", "api_call").set("timestamp", "2026-11-22T10:15:30.123Z")
                .set("event_time", T0.toEpochMilli()).set("properties", Map.of())
                .set("kind", new GenericData.EnumSymbol(newer.getField("kind").schema(), "RETRACT"))
                .set("resolution", new GenericData.EnumSymbol(newer.getField("resolution").schema(), "DIRECT"))
                .set("archived", true).set("ingested_at", T0.toEpochMilli()).set("resolved_at", T0.toEpochMilli())
                .set("region", "eu").set("attempt", 2L).build();
        String topic = "new-resolved-" + UUID.randomUUID();

        ResolvedUsage read = readAsCurrent(registry, ResolvedUsage.class, topic, writtenBy(registry, topic, newer, record));

        assertThat(read.getKind()).isEqualTo(UsageKind.RETRACT);
        assertThat(read.getResolution()).isEqualTo(Resolution.DIRECT);
        assertThat(read.getArchived()).isTrue();
        assertThat(read.getIngestedAt()).isEqualTo(T0);
    }
}
