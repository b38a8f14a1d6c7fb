package io.meterflow.ingest.emit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.json.JsonValues;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.AttributionPath;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import io.meterflow.serde.AvroBinary;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.serde.SpecificAvroSerde;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/**
 * The hand-written UsageState codec writes exactly what Avro writes and reads exactly what Avro reads, for every
 * case of every field; only the event's properties wait until they are asked for.
 */
class StateCodecTest {

    private static final String CHANGELOG = "app-usage-by-transaction-changelog";
    private static final String[] PROPERTIES = {"{}", "{\"tokens\":12345678901234567890,\"ratio\":0.1,"
            + "\"name\":\"Zoë 🚀\",\"tags\":[\"a\",null,{\"deep\":[1e-7,true,false]}],\"empty\":{},"
            + "\"z\":1,\"a\":2}"};

    private final Map<String, Object> config =
            Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://state-codec-" + UUID.randomUUID());
    private final SpecificAvroSerde<UsageEvent> events = SpecificAvroSerde.of(UsageEvent.class, config, false);
    private final SpecificAvroSerde<UsageState> plain = SpecificAvroSerde.of(UsageState.class, config, false);
    private final Serde<StoredUsage> stored = UsageCodec.storedUsageSerde(config);

    private static UsageEvent event(String identifier, String properties) {
        return UsageEvent.newBuilder().setTransactionId("tx-" + identifier.length()).setCustomerId(identifier)
                .setEventType("api_call").setTimestamp("2026-11-22T10:15:30.5Z")
                .setProperties(JsonValues.parseObject(properties)).build();
    }

    private AvroBinary encodedAsRead(UsageEvent event) {
        byte[] record = events.serializer().serialize("usage-events", event);
        events.deserializer().deserialize("usage-events", record);
        return UsageCodec.encodingAsRead(events.deserializer(), record);
    }

    /** States covering each field's cases: every status and path, nulls and values, both booleans, extreme longs. */
    private List<StoredUsage> states() {
        List<StoredUsage> states = new ArrayList<>();
        for (String properties : PROPERTIES) {
            for (String identifier : List.of("alice@example.com", "ü-αλιας-" + "x".repeat(300))) {
                UsageEvent event = event(identifier, properties);
                states.add(UsageCodec.pending(event, encodedAsRead(event), 1_000L, 2_000L));
                for (AttributionPath path : AttributionPath.values()) {
                    StoredUsage usage = UsageCodec.attributed(event, encodedAsRead(event), "customer-" + path,
                            path, path.ordinal() % 2 == 0, path.ordinal() < 2, -5L, Long.MAX_VALUE);
                    usage.state().setDuplicateCount(path.ordinal() * 1_000_000);
                    states.add(usage);
                }
                StoredUsage rejected = UsageCodec.pending(event, encodedAsRead(event), Long.MIN_VALUE, 0L);
                rejected.state().setStatus(UsageStatus.REJECTED);
                rejected.state().setIndexed(false);
                rejected.state().setRejectionReason("INVALID_TIMESTAMP");
                rejected.state().setRejectionDetail("timestamp 'x' is not RFC 3339 — «ü»");
                states.add(rejected);
                StoredUsage expired = UsageCodec.pending(event, encodedAsRead(event), 1L, 2L);
                expired.state().setStatus(UsageStatus.EXPIRED);
                expired.state().setResolvedAt(3L);
                states.add(expired);
            }
        }
        UsageEvent sparse = UsageEvent.newBuilder().setTransactionId(null).setCustomerId(null).setEventType(null)
                .setTimestamp(null).setProperties(Map.of()).build();
        states.add(UsageCodec.pending(sparse, encodedAsRead(sparse), 1L, 2L));
        return states;
    }

    /** A parked state as stored, read once so that the deserializer knows its schema ID (as after a first read). */
    private byte[] parkedStateOnceRead() {
        UsageEvent event = event("alice@example.com", PROPERTIES[1]);
        byte[] written = stored.serializer().serialize(CHANGELOG,
                UsageCodec.pending(event, encodedAsRead(event), 1_000L, 2_000L));
        stored.deserializer().deserialize(CHANGELOG, written);
        return written;
    }

    @Test
    void theLayoutItIsWrittenForIsUsageStatesLayout() {
        assertThat(StateCodec.LAYOUT_MATCHES).isTrue();
    }

    @Test
    void aSchemaWhoseLayoutChangedIsNotHandledByHand() {
        Schema current = UsageState.getClassSchema();
        List<String> layout = current.getFields().stream()
                .map(f -> f.name() + ":" + SchemaLayout.kind(f.schema())).toList();
        assertThat(SchemaLayout.matches(current, layout)).isTrue();

        List<String> added = new ArrayList<>(layout);
        added.add("note:nullable string");
        List<String> swapped = new ArrayList<>(layout);
        swapped.set(4, layout.get(5));
        swapped.set(5, layout.get(4));
        List<String> retyped = new ArrayList<>(layout);
        retyped.set(9, "duplicate_count:long");
        for (List<String> changed : List.of(added, swapped, retyped, layout.subList(0, 11))) {
            assertThat(SchemaLayout.matches(current, changed)).as(changed.toString()).isFalse();
        }
        assertThat(SchemaLayout.kind(ResolvedUsage.getClassSchema().getField("event_time").schema()))
                .isEqualTo("long timestamp-millis");
    }

    @Test
    void writesEveryStateByteForByteAsAvroDoes() {
        for (StoredUsage usage : states()) {
            assertThat(stored.serializer().serialize(CHANGELOG, usage)).as(usage.toString())
                    .isEqualTo(plain.serializer().serialize(CHANGELOG, usage.state()));
        }
    }

    @Test
    void readsEveryStateAsAvroDoesAndItsPropertiesOnlyWhenAsked() {
        List<StoredUsage> states = states();
        // The first value of a schema ID is read by Avro, which learns the ID; the rest by hand.
        stored.deserializer().deserialize(CHANGELOG, plain.serializer().serialize(CHANGELOG, states.get(0).state()));
        for (StoredUsage usage : states) {
            byte[] written = plain.serializer().serialize(CHANGELOG, usage.state());

            StoredUsage read = stored.deserializer().deserialize(CHANGELOG, written);

            Map<String, ?> properties = read.state().getEvent().getProperties();
            assertThat(properties).isInstanceOf(StateCodec.LazyProperties.class);
            assertThat(((StateCodec.LazyProperties) properties).decoded()).isFalse();
            assertThat(read.event()).as("the event located as it was read").isEqualTo(usage.event());
            assertThat(read.state()).as(usage.toString())
                    .isEqualTo(plain.deserializer().deserialize(CHANGELOG, written));
            assertThat(JsonValues.toJson(read.state().getEvent().getProperties()))
                    .as("the properties, in the order they were sent")
                    .isEqualTo(JsonValues.toJson(usage.state().getEvent().getProperties()));
            assertThat(stored.serializer().serialize(CHANGELOG, read)).as("written back unchanged").isEqualTo(written);
        }
    }

    @Test
    void aStateReadAndChangedIsWrittenAsAvroWritesTheChangedState() {
        byte[] first = parkedStateOnceRead();

        StoredUsage read = stored.deserializer().deserialize(CHANGELOG, first);
        read.state().setStatus(UsageStatus.ATTRIBUTED);
        read.state().setCustomerId("customer-b");
        read.state().setResolution(AttributionPath.REPLAYED);
        read.state().setResolvedAt(3_000L);
        byte[] second = stored.serializer().serialize(CHANGELOG, read);

        assertThat(((StateCodec.LazyProperties) read.state().getEvent().getProperties()).decoded())
                .as("a replay never decodes the properties").isFalse();
        assertThat(second).isEqualTo(plain.serializer().serialize(CHANGELOG, read.state()));
    }

    @Test
    void aValueTheHandReaderRefusesIsLeftToAvro() {
        UsageEvent event = event("alice@example.com", PROPERTIES[1]);
        byte[] written = parkedStateOnceRead();

        byte[] truncated = Arrays.copyOf(written, written.length - 3);
        byte[] trailing = Arrays.copyOf(written, written.length + 1);
        byte[] badStatus = written.clone();
        badStatus[5] = 42;

        StoredUsage counted = UsageCodec.pending(event, encodedAsRead(event), 1_000L, 2_000L);
        counted.state().setDuplicateCount(Integer.MAX_VALUE);
        byte[] tooLarge = stored.serializer().serialize(CHANGELOG, counted);
        int at = indexOf(tooLarge, new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F});
        System.arraycopy(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10}, 0, tooLarge, at, 5);

        for (byte[] broken : List.of(truncated, trailing, badStatus)) {
            assertThatThrownBy(() -> stored.deserializer().deserialize(CHANGELOG, broken))
                    .isInstanceOf(SerializationException.class);
        }
        // An int the hand reader refuses (out of range) is read as Avro reads it (which lets it overflow).
        assertThat(stored.deserializer().deserialize(CHANGELOG, tooLarge).state())
                .isEqualTo(plain.deserializer().deserialize(CHANGELOG, tooLarge));
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        for (int i = 0; i + part.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
