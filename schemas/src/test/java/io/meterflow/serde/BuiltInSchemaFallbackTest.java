package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.UsageEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Records written with the in-process registry ({@code mock://}) stay readable after a move to a real registry that
 * has never seen their IDs: readers fall back to the built-in schemas on the registry's "schema not found", and only
 * then.
 */
class BuiltInSchemaFallbackTest {

    private static final String TOPIC = "some-topic";

    private final String scope = "fallback-" + UUID.randomUUID();
    private FakeSchemaRegistry registry;

    @BeforeEach
    void startRegistry() throws Exception {
        registry = FakeSchemaRegistry.start();
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
        MockSchemaRegistry.dropScope(scope);
    }

    private byte[] writtenWithTheInProcessRegistry(SpecificRecord record) {
        @SuppressWarnings("unchecked")
        Class<SpecificRecord> type = (Class<SpecificRecord>) record.getClass();
        return SpecificAvroSerde.of(type, Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope), false)
                .serializer().serialize(TOPIC, record);
    }

    private static <T extends SpecificRecord> SpecificAvroDeserializer<T> readerOf(Class<T> type, String url) {
        return SpecificAvroSerde.of(type, Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, url), false).deserializer();
    }

    private static int idOf(byte[] framed) {
        return ByteBuffer.wrap(framed, 1, 4).getInt();
    }

    @Test
    void everyContractRecordWrittenWithTheInProcessRegistryIsReadThroughARegistryThatNeverSawItsId() {
        for (SampleRecords.Sample sample : SampleRecords.all()) {
            byte[] bytes = writtenWithTheInProcessRegistry(sample.value());
            int id = idOf(bytes);
            assertThat(id).as(sample.name()).isEqualTo(MockSchemaRegistry.stableId(sample.value().getSchema()));

            SpecificRecord back = readerOf(sample.value().getClass(), registry.url()).deserialize(TOPIC, bytes);

            assertThat(back).as(sample.name()).isEqualTo(sample.value());
            // The registry was asked first, and answered that it has no such schema.
            assertThat(registry.calls("GET /schemas/ids/" + id)).as(sample.name()).isPositive();
            assertThat(registry.schema(id)).as(sample.name()).isNull();
        }
        assertThat(registry.subjects()).isEmpty();
    }

    @Test
    void aRecordWrittenWithAnOlderReleasedSchemaIsReadIntoTheCurrentClass() {
        Schema v1 = KnownSchemas.released("Rejection/v1.avsc");
        Rejection current = (Rejection) SampleRecords.all().stream()
                .filter(s -> s.value() instanceof Rejection).findFirst().orElseThrow().value();
        byte[] bytes = framed(MockSchemaRegistry.stableId(v1), v1, asWrittenBy(v1, current));

        Rejection back = readerOf(Rejection.class, registry.url()).deserialize(TOPIC, bytes);

        assertThat(back.getReason()).isEqualTo(current.getReason());
        assertThat(back.getOriginalValue()).isEqualTo(current.getOriginalValue());
        assertThat(back.getOriginalTruncated()).isFalse();
    }

    @Test
    void aDeserializerWithoutATargetClassReadsIntoTheClassTheBuiltInSchemaNames() {
        byte[] bytes = writtenWithTheInProcessRegistry(SampleRecords.usageEvent());
        SpecificAvroDeserializer<SpecificRecord> generic = new SpecificAvroDeserializer<>();
        generic.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registry.url()), false);

        assertThat(generic.deserialize(TOPIC, bytes)).isEqualTo(SampleRecords.usageEvent());
    }

    @Test
    void recordsWrittenBeforeAndAfterTheMoveAreReadSideBySide() {
        byte[] before = writtenWithTheInProcessRegistry(SampleRecords.usageEvent());
        SpecificAvroSerde<UsageEvent> real = SpecificAvroSerde.of(UsageEvent.class,
                Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registry.url()), false);
        UsageEvent later = UsageEvent.newBuilder(SampleRecords.usageEvent()).setTransactionId("tx-2").build();
        byte[] after = real.serializer().serialize(TOPIC, later);

        assertThat(idOf(after)).isEqualTo(registry.latestId(TOPIC + "-value")).isNotEqualTo(idOf(before));
        assertThat(real.deserializer().deserialize(TOPIC, before)).isEqualTo(SampleRecords.usageEvent());
        assertThat(real.deserializer().deserialize(TOPIC, after)).isEqualTo(later);
    }

    @Test
    void anIdTheRegistryHoldsIsReadWithTheRegistrysSchemaEvenWhenItIsABuiltInSchemasMockId() throws Exception {
        int usageEventMockId = MockSchemaRegistry.stableId(UsageEvent.getClassSchema());
        byte[] before = writtenWithTheInProcessRegistry(SampleRecords.usageEvent());
        // A registry that happens to have handed out that very ID to another schema: a collision.
        try (FakeSchemaRegistry colliding = FakeSchemaRegistry.start(usageEventMockId)) {
            assertThat(colliding.register("alias-bindings-value", AliasBinding.getClassSchema()))
                    .isEqualTo(usageEventMockId);
            String url = colliding.url();

            // The registry wins: the record is refused as another record type, never read with the built-in schema.
            assertThatThrownBy(() -> readerOf(UsageEvent.class, url).deserialize(TOPIC, before))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("io.meterflow.schemas.AliasBinding")
                    .hasMessageContaining("io.meterflow.schemas.UsageEvent was expected");
            // ... and the records the registry's ID was given for read as they were written.
            AliasBinding binding = (AliasBinding) SampleRecords.all().stream()
                    .filter(s -> s.value() instanceof AliasBinding).findFirst().orElseThrow().value();
            byte[] written = SpecificAvroSerde.of(AliasBinding.class, Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, url),
                    false).serializer().serialize("alias-bindings", binding);
            assertThat(idOf(written)).isEqualTo(usageEventMockId);
            assertThat(readerOf(AliasBinding.class, url).deserialize("alias-bindings", written)).isEqualTo(binding);
        }
    }

    @Test
    void anIdTheRegistryHoldsAsTheSameSchemaIsServedByTheRegistry() throws Exception {
        byte[] bytes = writtenWithTheInProcessRegistry(SampleRecords.usageEvent());
        int id = idOf(bytes);
        // As after the import command: the registry holds the schema under its mock-derived ID.
        try (FakeSchemaRegistry imported = FakeSchemaRegistry.start(id)) {
            assertThat(imported.register("io.meterflow.schemas.UsageEvent", UsageEvent.getClassSchema())).isEqualTo(id);

            assertThat(readerOf(UsageEvent.class, imported.url()).deserialize(TOPIC, bytes))
                    .isEqualTo(SampleRecords.usageEvent());
            assertThat(imported.calls("GET /schemas/ids/" + id)).isEqualTo(1);
        }
    }

    @Test
    void aRegistryOutageIsAnErrorNotAFallback() {
        byte[] bytes = writtenWithTheInProcessRegistry(SampleRecords.usageEvent());
        SpecificAvroDeserializer<UsageEvent> reader = readerOf(UsageEvent.class, registry.url());
        registry.failEveryRequestWith(503);

        assertThatThrownBy(() -> reader.deserialize(TOPIC, bytes))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(503);
                    assertThat(e.isRecordsFault()).isFalse();
                });

        // Once the registry is back, the same record is read (nothing was remembered from the failure).
        registry.failEveryRequestWith(0);
        assertThat(reader.deserialize(TOPIC, bytes)).isEqualTo(SampleRecords.usageEvent());
    }

    @Test
    void anUnreachableRegistryOrAProxysNotFoundIsAnErrorNotAFallback() throws Exception {
        byte[] bytes = writtenWithTheInProcessRegistry(SampleRecords.usageEvent());
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String unreachable = "http://127.0.0.1:" + closedPort + "/registry-" + UUID.randomUUID();
        assertThatThrownBy(() -> readerOf(UsageEvent.class, unreachable).deserialize(TOPIC, bytes))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.getMessage()).contains("unreachable");
                    assertThat(e.isRecordsFault()).isFalse();
                });

        registry.answerEveryRequestLikeAProxy(404, "<html><body>404 Not Found</body></html>");
        assertThatThrownBy(() -> readerOf(UsageEvent.class, registry.url()).deserialize(TOPIC, bytes))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.isRecordsFault()).isFalse();
                });
    }

    @Test
    void anIdThatIsNeitherInTheRegistryNorABuiltInSchemasIsStillTheRegistrysNotFound() {
        byte[] unknown = {0, 0, 0, 0x30, 0x39, 0};

        assertThatThrownBy(() -> readerOf(UsageEvent.class, registry.url()).deserialize(TOPIC, unknown))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
                    assertThat(e.isRecordsFault()).isTrue();
                });
    }

    @Test
    void serializersStillRegisterWithTheRegistry() {
        Map<String, Object> lookupOnly = Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registry.url(),
                SerdeConfig.AUTO_REGISTER_SCHEMAS, "false");
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, lookupOnly, false);

        // A built-in schema is no substitute for a registration: without one, writing still fails.
        assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, SampleRecords.usageEvent()))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND));
    }

    private static GenericRecord asWrittenBy(Schema older, SpecificRecord current) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<SpecificRecord>(current.getSchema(), SpecificData.getForSchema(current.getSchema()))
                    .write(current, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = out.toByteArray();
        try {
            return new GenericDatumReader<GenericRecord>(current.getSchema(), older)
                    .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] framed(int id, Schema writer, GenericRecord record) {
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
}
