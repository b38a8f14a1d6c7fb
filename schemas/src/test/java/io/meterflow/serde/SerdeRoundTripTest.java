package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.SampleRecords.Sample;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every contract record survives serialize → deserialize unchanged, through the mock and the HTTP registry. */
class SerdeRoundTripTest {

    enum Registry { MOCK, HTTP }

    private static FakeSchemaRegistry http;
    private static final String SCOPE = "round-trip-" + UUID.randomUUID();

    @BeforeAll
    static void startRegistry() throws Exception {
        http = FakeSchemaRegistry.start();
    }

    @AfterAll
    static void stopRegistry() {
        http.close();
        MockSchemaRegistry.dropScope(SCOPE);
    }

    static Stream<Arguments> samplesThroughEachRegistry() {
        return Stream.of(Registry.values())
                .flatMap(registry -> SampleRecords.all().stream().map(sample -> Arguments.of(sample, registry)));
    }

    private static Map<String, Object> config(Registry registry) {
        return Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registry == Registry.MOCK ? "mock://" + SCOPE : http.url());
    }

    private static int registeredId(Registry registry, String subject, SpecificRecord value) {
        return registry == Registry.MOCK ? MockSchemaRegistry.stableId(value.getSchema()) : http.latestId(subject);
    }

    private static java.util.Set<String> subjects(Registry registry) {
        return registry == Registry.MOCK ? MockSchemaRegistry.forScope(SCOPE).subjects()
                : java.util.Set.copyOf(http.subjects());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static SpecificAvroSerde<SpecificRecord> serdeFor(SpecificRecord value, Registry registry, boolean isKey) {
        return SpecificAvroSerde.of((Class) value.getClass(), config(registry), isKey);
    }

    @ParameterizedTest(name = "{0} comes back equal through the {1} registry")
    @MethodSource("samplesThroughEachRegistry")
    void recordComesBackEqualInConfluentFramingWithTheRegisteredId(Sample sample, Registry registry) {
        String topic = "round-trip-" + UUID.randomUUID();
        SpecificAvroSerde<SpecificRecord> serde = serdeFor(sample.value(), registry, false);

        byte[] bytes = serde.serializer().serialize(topic, sample.value());

        assertThat(bytes[0]).as("magic byte").isEqualTo((byte) 0);
        int idInFrame = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(subjects(registry)).contains(topic + "-value");
        assertThat(idInFrame).isEqualTo(registeredId(registry, topic + "-value", sample.value()));
        assertThat(serde.deserializer().deserialize(topic, bytes)).isEqualTo(sample.value());
    }

    @ParameterizedTest(name = "a key goes under the <topic>-key subject through the {0} registry")
    @EnumSource(Registry.class)
    void keySerdeRegistersUnderTheKeySubject(Registry registry) {
        String topic = "keyed-" + UUID.randomUUID();
        SpecificRecord key = SampleRecords.usageEvent();
        SpecificAvroSerde<SpecificRecord> serde = serdeFor(key, registry, true);

        byte[] bytes = serde.serializer().serialize(topic, key);

        assertThat(subjects(registry)).contains(topic + "-key").doesNotContain(topic + "-value");
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registeredId(registry, topic + "-key", key));
        assertThat(serde.deserializer().deserialize(topic, bytes)).isEqualTo(key);
    }

    @ParameterizedTest(name = "event properties come back as the same JSON text through the {0} registry")
    @EnumSource(Registry.class)
    void eventPropertiesComeBackAsTheSameJsonText(Registry registry) {
        String topic = "properties-" + UUID.randomUUID();
        SpecificAvroSerde<UsageEvent> events = SpecificAvroSerde.of(UsageEvent.class, config(registry), false);
        SpecificAvroSerde<ResolvedUsage> resolved = SpecificAvroSerde.of(ResolvedUsage.class, config(registry), false);
        SpecificAvroSerde<ExpiredUsage> expired = SpecificAvroSerde.of(ExpiredUsage.class, config(registry), false);

        UsageEvent event = events.deserializer().deserialize(topic,
                events.serializer().serialize(topic, SampleRecords.usageEvent()));
        ResolvedUsage usage = resolved.deserializer().deserialize(topic + "-r",
                resolved.serializer().serialize(topic + "-r", SampleRecords.resolvedUsage()));
        ExpiredUsage parked = expired.deserializer().deserialize(topic + "-e", expired.serializer().serialize(
                topic + "-e", ExpiredUsage.newBuilder().setEvent(SampleRecords.usageEvent())
                        .setIngestedAt(SampleRecords.T0).setExpiredAt(SampleRecords.T0).build()));

        assertThat(event.getProperties()).isEqualTo(SampleRecords.properties());
        assertThat(usage.getProperties()).isEqualTo(SampleRecords.properties());
        assertThat(parked.getEvent().getProperties()).isEqualTo(SampleRecords.properties());
    }

    @ParameterizedTest(name = "a serde without a target class reads each record into its own class through the {0} registry")
    @EnumSource(Registry.class)
    void untypedSerdeReadsEachRecordIntoTheClassItsSchemaNames(Registry registry) {
        SpecificAvroSerde<SpecificRecord> untyped = new SpecificAvroSerde<>();
        untyped.configure(config(registry), false);
        for (Sample sample : SampleRecords.all()) {
            String topic = "untyped-" + UUID.randomUUID();
            byte[] bytes = untyped.serializer().serialize(topic, sample.value());
            assertThat(untyped.deserializer().deserialize(topic, bytes)).as(sample.name())
                    .isInstanceOf(sample.value().getClass())
                    .isEqualTo(sample.value());
        }
    }

    @ParameterizedTest(name = "null is a tombstone both ways through the {0} registry")
    @EnumSource(Registry.class)
    void nullIsATombstoneBothWays(Registry registry) {
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config(registry), false);
        assertThat(serde.serializer().serialize("tombstones", null)).isNull();
        assertThat(serde.deserializer().deserialize("tombstones", null)).isNull();
    }

    @ParameterizedTest(name = "a record that cannot be written leaves nothing behind for the next one ({0} registry)")
    @EnumSource(Registry.class)
    void aFailedSerializationDoesNotLeakIntoTheNextRecord(Registry registry) {
        // The serializer reuses one buffered encoder and one buffer per thread; a record that fails halfway must not
        // leave its first fields in them for the next record.
        String topic = "failures-" + UUID.randomUUID();
        SpecificAvroSerde<ResolvedUsage> serde = SpecificAvroSerde.of(ResolvedUsage.class, config(registry), false);
        ResolvedUsage broken = ResolvedUsage.newBuilder(SampleRecords.resolvedUsage()).build();
        broken.setKind(null); // a required enum, written after the event's fields

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> serde.serializer().serialize(topic, broken))
                .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class);
        byte[] next = serde.serializer().serialize(topic, SampleRecords.resolvedUsage());

        assertThat(serde.deserializer().deserialize(topic, next)).isEqualTo(SampleRecords.resolvedUsage());
    }
}
