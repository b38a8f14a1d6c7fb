package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.SampleRecords.Sample;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaFormatter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The {@code mock://scope} registry: IDs that do not depend on order or process, and corrupt input as errors. */
class MockSchemaRegistryTest {

    private final List<String> scopes = new java.util.ArrayList<>();

    private String newScope() {
        String scope = "mock-test-" + UUID.randomUUID();
        scopes.add(scope);
        return scope;
    }

    @AfterEach
    void dropScopes() {
        scopes.forEach(MockSchemaRegistry::dropScope);
    }

    private static Map<String, Object> config(String scope) {
        return Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope);
    }

    private static UsageEvent event() {
        return SampleRecords.usageEvent();
    }

    private static byte[] framed(int id, byte... body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(id).put(body).array();
    }

    @Test
    void aSchemaGetsTheSameIdInEveryScope() {
        int first = MockSchemaRegistry.forScope(newScope()).register("usage-events-value", UsageEvent.getClassSchema());
        int second = MockSchemaRegistry.forScope(newScope()).register("other-topic-value", UsageEvent.getClassSchema());

        assertThat(first).isEqualTo(second).isEqualTo(MockSchemaRegistry.stableId(UsageEvent.getClassSchema()));
    }

    @Test
    void aSchemaKeepsItsIdWhenTheScopeIsDroppedAndRegisteredAgain() {
        String scope = newScope();
        int before = MockSchemaRegistry.forScope(scope).register("usage-events-value", UsageEvent.getClassSchema());
        MockSchemaRegistry.forScope(scope).register("customers-value", Customer.getClassSchema());

        MockSchemaRegistry.dropScope(scope);
        assertThat(MockSchemaRegistry.forScope(scope).subjects()).isEmpty();
        int after = MockSchemaRegistry.forScope(scope).register("usage-events-value", UsageEvent.getClassSchema());

        assertThat(after).isEqualTo(before);
    }

    @Test
    void theIdDoesNotDependOnRegistrationOrder() {
        MockSchemaRegistry forwards = MockSchemaRegistry.forScope(newScope());
        MockSchemaRegistry backwards = MockSchemaRegistry.forScope(newScope());
        List<Schema> schemas = KnownSchemas.CURRENT;

        int[] ids = schemas.stream().mapToInt(s -> forwards.register(s.getName() + "-value", s)).toArray();
        for (int i = schemas.size() - 1; i >= 0; i--) {
            assertThat(backwards.register(schemas.get(i).getName() + "-value", schemas.get(i))).isEqualTo(ids[i]);
        }
    }

    @Test
    void everyContractSchemaHasItsOwnPositiveId() {
        Set<Integer> ids = new HashSet<>();
        for (Schema schema : KnownSchemas.CURRENT) {
            int id = MockSchemaRegistry.stableId(schema);
            assertThat(id).as(schema.getName()).isPositive();
            ids.add(id);
        }
        assertThat(ids).hasSize(KnownSchemas.CURRENT.size());
    }

    @Test
    void theIdIsTheSameForTheSameSchemaParsedFromText() {
        Schema reparsed = new Schema.Parser().parse(SchemaFormatter.format("json/pretty", UsageEvent.getClassSchema()));

        assertThat(MockSchemaRegistry.stableId(reparsed)).isEqualTo(MockSchemaRegistry.stableId(UsageEvent.getClassSchema()));
        assertThat(MockSchemaRegistry.stableId(reparsed)).isNotEqualTo(MockSchemaRegistry.stableId(Customer.getClassSchema()));
    }

    @Test
    void serdesRegisterUnderTopicValueAndTopicKeySubjects() {
        String scope = newScope();
        SpecificAvroSerde.of(UsageEvent.class, config(scope), false).serializer().serialize("usage-events", event());
        SpecificAvroSerde.of(UsageEvent.class, config(scope), true).serializer().serialize("keyed", event());

        assertThat(MockSchemaRegistry.forScope(scope).subjects())
                .containsExactlyInAnyOrder("usage-events-value", "keyed-key");
    }

    @Test
    void aDeserializerInAFreshProcessReadsRecordsWrittenEarlierThroughItsReaderSchema() {
        String writerScope = newScope();
        byte[] written = SpecificAvroSerde.of(UsageEvent.class, config(writerScope), false).serializer()
                .serialize("usage-events", event());
        MockSchemaRegistry.dropScope(writerScope);

        // A restarted process: a scope no serializer has used, so nothing was registered in it.
        String readerScope = newScope();
        UsageEvent read = SpecificAvroSerde.of(UsageEvent.class, config(readerScope), false).deserializer()
                .deserialize("usage-events", written);

        assertThat(read).isEqualTo(event());
        assertThat(MockSchemaRegistry.forScope(readerScope).subjects()).isEmpty();
    }

    @Test
    void anUntypedDeserializerInAFreshProcessFindsEveryContractSchemaAmongKnownSchemas() {
        String writerScope = newScope();
        SpecificAvroSerde<SpecificRecord> writer = new SpecificAvroSerde<>();
        writer.configure(config(writerScope), false);
        List<Sample> samples = SampleRecords.all();
        List<byte[]> written = samples.stream().map(s -> writer.serializer().serialize("t", s.value())).toList();
        MockSchemaRegistry.dropScope(writerScope);

        SpecificAvroSerde<SpecificRecord> reader = new SpecificAvroSerde<>();
        reader.configure(config(newScope()), false);
        for (int i = 0; i < samples.size(); i++) {
            assertThat(reader.deserializer().deserialize("t", written.get(i))).as(samples.get(i).name())
                    .isEqualTo(samples.get(i).value());
        }
    }

    @Test
    void anUnknownIdIsAClearError() {
        int unknown = 12345;
        assertThat(KnownSchemas.CURRENT).noneMatch(s -> MockSchemaRegistry.stableId(s) == unknown);
        String scope = newScope();
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config(scope), false);

        assertThatThrownBy(() -> serde.deserializer().deserialize("usage-events", framed(unknown, (byte) 0)))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("Schema ID 12345 is unknown")
                .hasMessageContaining(scope);
    }

    /** The codes a Confluent registry answers, so that a consumer decides on an unknown ID alike for both. */
    @Test
    void anUnknownIdIsANotFoundAndTheRecordsFault() {
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config(newScope()), false);

        assertThatThrownBy(() -> serde.deserializer().deserialize("usage-events", framed(12345, (byte) 0)))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
                    assertThat(e.isRecordsFault()).isTrue();
                });
    }

    @Test
    void lookupWithoutAutoRegistrationFailsClearlyForAnUnregisteredSchema() {
        String scope = newScope();
        Map<String, Object> config = Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope,
                SerdeConfig.AUTO_REGISTER_SCHEMAS, "false");
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config, false);

        assertThatThrownBy(() -> serde.serializer().serialize("usage-events", event()))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("not registered").hasMessageContaining("usage-events-value");

        MockSchemaRegistry.forScope(scope).register("usage-events-value", UsageEvent.getClassSchema());
        byte[] bytes = serde.serializer().serialize("usage-events", event());
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(MockSchemaRegistry.stableId(UsageEvent.getClassSchema()));
    }

    @Test
    void aWrongMagicByteIsASerializationException() {
        byte[] bytes = SpecificAvroSerde.of(UsageEvent.class, config(newScope()), false).serializer()
                .serialize("usage-events", event());
        bytes[0] = 1;

        assertThatThrownBy(() -> deserializer().deserialize("usage-events", bytes))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic byte is 1");
    }

    @Test
    void aPayloadShorterThanTheHeaderIsASerializationException() {
        assertThatThrownBy(() -> deserializer().deserialize("usage-events", new byte[] {0, 0, 1}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("3 bytes");
        assertThatThrownBy(() -> deserializer().deserialize("usage-events", new byte[0]))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void aTruncatedRecordIsASerializationException() {
        byte[] bytes = SpecificAvroSerde.of(UsageEvent.class, config(newScope()), false).serializer()
                .serialize("usage-events", event());
        SpecificAvroDeserializer<UsageEvent> deserializer = deserializer();

        for (int length : new int[] {5, 6, bytes.length / 2, bytes.length - 1}) {
            byte[] truncated = Arrays.copyOf(bytes, length);
            assertThatThrownBy(() -> deserializer.deserialize("usage-events", truncated)).as("length " + length)
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("schema ID " + MockSchemaRegistry.stableId(UsageEvent.getClassSchema()));
        }
    }

    @Test
    void trailingBytesAfterTheRecordAreASerializationException() {
        byte[] bytes = SpecificAvroSerde.of(UsageEvent.class, config(newScope()), false).serializer()
                .serialize("usage-events", event());
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 2);

        assertThatThrownBy(() -> deserializer().deserialize("usage-events", longer))
                .isInstanceOf(SerializationException.class).hasMessageContaining("Trailing bytes");
    }

    /** Avro's zig-zag varint encoding of {@code n}. */
    private static byte[] varint(long n) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long v = (n << 1) ^ (n >> 63);
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @Test
    void aLengthPointingFarPastTheEndOfThePayloadIsASerializationExceptionNotAnOutOfMemoryError() {
        // transaction_id: union branch 1 (string) claiming almost 2 GB, in a payload of a few bytes. Read naively,
        // Avro allocates the 2 GB first (more than this JVM's heap) and only then finds the bytes missing.
        byte[] bytes = framed(MockSchemaRegistry.stableId(UsageEvent.getClassSchema()),
                concat(varint(1), varint(Integer.MAX_VALUE - 16), new byte[] {'a', 'b'}));

        assertThatThrownBy(() -> deserializer().deserialize("usage-events", bytes))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void aNegativeLengthIsASerializationException() {
        byte[] bytes = framed(MockSchemaRegistry.stableId(UsageEvent.getClassSchema()),
                concat(varint(1), varint(-3), new byte[] {'a', 'b', 'c', 0, 0, 0, 0}));

        assertThatThrownBy(() -> deserializer().deserialize("usage-events", bytes))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void aMapClaimingMoreEntriesThanThePayloadHoldsIsASerializationException() {
        // Four absent fields, then properties: one block of a billion entries.
        byte[] bytes = framed(MockSchemaRegistry.stableId(UsageEvent.getClassSchema()),
                concat(varint(0), varint(0), varint(0), varint(0), varint(1_000_000_000L), varint(1), new byte[] {'k'},
                        varint(0)));

        assertThatThrownBy(() -> deserializer().deserialize("usage-events", bytes))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void propertiesNestedDeeperThanAnyStackAreASerializationExceptionNotAStackOverflow() {
        // properties {"k": [[[[ ... null ... ]]]]}, 200 000 arrays deep, in well-formed Avro of about 600 kB.
        int depth = 200_000;
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(concat(varint(0), varint(0), varint(0), varint(0), varint(1), varint(1), new byte[] {'k'}));
        byte[] openArray = concat(varint(4), varint(1));
        for (int i = 0; i < depth; i++) {
            body.writeBytes(openArray);
        }
        body.writeBytes(varint(0));
        for (int i = 0; i < depth; i++) {
            body.writeBytes(varint(0));
        }
        body.writeBytes(varint(0));
        byte[] bytes = framed(MockSchemaRegistry.stableId(UsageEvent.getClassSchema()), body.toByteArray());

        assertThatThrownBy(() -> deserializer().deserialize("usage-events", bytes))
                .isInstanceOf(SerializationException.class).hasMessageContaining("nested too deeply");
    }

    @Test
    void aUnionBranchThatDoesNotExistIsASerializationException() {
        byte[] bytes = framed(MockSchemaRegistry.stableId(UsageEvent.getClassSchema()), (byte) 0x10);

        assertThatThrownBy(() -> deserializer().deserialize("usage-events", bytes))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void aRecordOfAnotherTypeIsRefusedByATypedDeserializer() {
        String scope = newScope();
        byte[] binding = SpecificAvroSerde.of(AliasBinding.class, config(scope), false).serializer()
                .serialize("alias-bindings", (AliasBinding) SampleRecords.all().stream()
                        .filter(s -> s.value() instanceof AliasBinding).findFirst().orElseThrow().value());

        assertThatThrownBy(() -> SpecificAvroSerde.of(UsageEvent.class, config(scope), false).deserializer()
                .deserialize("alias-bindings", binding))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("io.meterflow.schemas.AliasBinding")
                .hasMessageContaining("io.meterflow.schemas.UsageEvent was expected");
    }

    @Test
    void aSerdeUsedBeforeConfigureSaysSo() {
        SpecificAvroSerde<UsageEvent> serde = new SpecificAvroSerde<>(UsageEvent.class);

        assertThatThrownBy(() -> serde.serializer().serialize("usage-events", event()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("before configure()");
        assertThatThrownBy(() -> serde.deserializer().deserialize("usage-events", framed(1, (byte) 0)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("before configure()");
    }

    @Test
    void aRecordMissingARequiredFieldFailsToSerializeWithASerializationException() {
        AliasBinding incomplete = new AliasBinding();
        incomplete.setAlias("a");

        assertThatThrownBy(() -> SpecificAvroSerde.of(AliasBinding.class, config(newScope()), false).serializer()
                .serialize("alias-bindings", incomplete))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("io.meterflow.schemas.AliasBinding").hasMessageContaining("alias-bindings");
    }

    private SpecificAvroDeserializer<UsageEvent> deserializer() {
        SpecificAvroDeserializer<UsageEvent> deserializer = new SpecificAvroDeserializer<>(UsageEvent.class);
        deserializer.configure(config(newScope()), false);
        return deserializer;
    }
}
