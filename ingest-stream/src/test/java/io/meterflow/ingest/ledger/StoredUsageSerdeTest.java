package io.meterflow.ingest.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.json.JsonValues;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.AttributionPath;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import io.meterflow.serde.AvroBinary;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.serde.SpecificAvroSerde;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The ledger's values are written byte for byte as the plain Avro serde writes them, whether the event is copied
 * from the usage-events record, from the stored value it was read from, or encoded.
 */
class StoredUsageSerdeTest {

    private static final String CHANGELOG = "app-usage-by-transaction-changelog";
    private final Map<String, Object> config =
            Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://stored-usage-" + UUID.randomUUID());
    private final StoredUsageSerde serde = StoredUsageSerde.of(config);
    private final SpecificAvroSerde<UsageState> plain = SpecificAvroSerde.of(UsageState.class, config, false);
    private final SpecificAvroSerde<UsageEvent> events = SpecificAvroSerde.of(UsageEvent.class, config, false);

    private static UsageEvent event(String properties) {
        return UsageEvent.newBuilder().setTransactionId("tx-1").setCustomerId("alice@example.com")
                .setEventType("api_call").setTimestamp("2026-11-22T10:15:30Z")
                .setProperties(JsonValues.parseObject(properties)).build();
    }

    private static UsageState pending(UsageEvent event) {
        return new UsageState(UsageStatus.PENDING, event, null, null, false, true, 1_000L, 2_000L, null, 0, null,
                null);
    }

    /** The event as ingest-stream reads it: parsed from a usage-events record, with that record's payload. */
    private AvroBinary encodedAsRead(UsageEvent event) {
        byte[] record = events.serializer().serialize("usage-events", event);
        events.deserializer().deserialize("usage-events", record);
        assertThat(events.deserializer().writtenWithReaderSchema(record)).isTrue();
        return AvroBinary.payloadOf(record);
    }

    @Test
    void theStatesEventFieldIsWrittenWithTheUsageEventSchema() {
        assertThat(StoredUsageSerde.EVENT_SCHEMA_MATCHES).isTrue();
    }

    @Test
    void aStateWithItsEventCopiedIsWrittenAsThePlainSerdeWritesIt() {
        for (String properties : new String[] {"{}", "{\"tokens\":12345678901234567890,\"ratio\":0.1,"
                + "\"tags\":[\"ü\",null,{\"deep\":[1e-7,true]}]}"}) {
            UsageEvent event = event(properties);
            UsageState state = pending(event);

            byte[] copied = serde.serializer().serialize(CHANGELOG, new StoredUsage(state, encodedAsRead(event)));

            assertThat(copied).as(properties).isEqualTo(plain.serializer().serialize(CHANGELOG, state));
        }
    }

    @Test
    void aStateReadBackAndChangedIsWrittenWithItsStoredEventAsThePlainSerdeWritesIt() {
        UsageEvent event = event("{\"region\":\"eu\",\"n\":[1,2,3]}");
        byte[] stored = serde.serializer().serialize(CHANGELOG, new StoredUsage(pending(event), encodedAsRead(event)));

        StoredUsage read = serde.deserializer().deserialize(CHANGELOG, stored);
        read.state().setStatus(UsageStatus.ATTRIBUTED);
        read.state().setCustomerId("customer-b");
        read.state().setResolution(AttributionPath.REPLAYED);
        read.state().setResolvedAt(3_000L);
        read.state().setDuplicateCount(7);

        assertThat(read.event()).as("located in the stored value").isEqualTo(encodedAsRead(event));
        assertThat(serde.serializer().serialize(CHANGELOG, read))
                .isEqualTo(plain.serializer().serialize(CHANGELOG, read.state()));
        assertThat(serde.deserializer().deserialize(CHANGELOG, serde.serializer().serialize(CHANGELOG, read)).state())
                .isEqualTo(read.state());
    }

    @Test
    void withoutAKnownEncodingTheEventIsEncoded() {
        UsageState state = pending(event("{\"a\":1}"));

        byte[] written = serde.serializer().serialize(CHANGELOG, new StoredUsage(state, null));

        assertThat(written).isEqualTo(plain.serializer().serialize(CHANGELOG, state));
        assertThat(serde.deserializer().deserialize(CHANGELOG, written).state()).isEqualTo(state);
        assertThat(serde.serializer().serialize(CHANGELOG, null)).isNull();
        assertThat(serde.deserializer().deserialize(CHANGELOG, null)).isNull();
    }
}
