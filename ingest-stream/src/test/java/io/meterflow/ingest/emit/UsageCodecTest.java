package io.meterflow.ingest.emit;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.json.JsonValues;
import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.UsageKind;
import io.meterflow.schemas.internal.ingest.AttributionPath;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import io.meterflow.serde.AvroBinary;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.serde.SpecificAvroSerde;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/**
 * The codec builds the records ingest-stream writes with the values their kind calls for, and writes them through
 * the copied-encoding fast path byte for byte as the plain Avro serde writes the same record.
 */
class UsageCodecTest {

    private static final String RESOLVED = "usage-resolved";
    private static final String CHANGELOG = "app-usage-by-transaction-changelog";
    private static final String[] PROPERTIES = {"{}", "{\"tokens\":12345678901234567890,\"ratio\":0.1,"
            + "\"name\":\"Zoë 🚀\",\"tags\":[\"a\",null,{\"deep\":[1e-7,true,false]}],\"empty\":{}}"};
    private static final String[] IDENTIFIERS = {"alice@example.com", "ü-αλιας-" + "x".repeat(300)};

    private final String scope = "codec-" + UUID.randomUUID();
    private final Map<String, Object> config = Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope);
    private final SpecificAvroSerde<UsageEvent> events = SpecificAvroSerde.of(UsageEvent.class, config, false);
    private final SpecificAvroSerde<ResolvedUsage> plainResolved =
            SpecificAvroSerde.of(ResolvedUsage.class, config, false);
    private final SpecificAvroSerde<UsageState> plainStates = SpecificAvroSerde.of(UsageState.class, config, false);
    private final Serde<OutgoingUsage> resolved = UsageCodec.resolvedSerde(config);
    private final Serde<StoredUsage> stored = UsageCodec.storedUsageSerde(config);

    private static UsageEvent event(String transactionId, String identifier, String properties) {
        return UsageEvent.newBuilder().setTransactionId(transactionId).setCustomerId(identifier)
                .setEventType("api_call").setTimestamp("2026-11-22T10:15:30.5Z")
                .setProperties(JsonValues.parseObject(properties)).build();
    }

    /** The event as ingest-stream reads it: parsed from a usage-events record, with its encoding as read. */
    private AvroBinary encodedAsRead(UsageEvent event) {
        byte[] record = events.serializer().serialize("usage-events", event);
        events.deserializer().deserialize("usage-events", record);
        AvroBinary encoding = UsageCodec.encodingAsRead(events.deserializer(), record);
        assertThat(encoding).as("written with the current schema").isNotNull();
        return encoding;
    }

    private StoredUsage replayed(UsageEvent event, AvroBinary encoding) {
        StoredUsage usage = UsageCodec.pending(event, encoding, 1_000L, 2_000L);
        usage.state().setStatus(UsageStatus.ATTRIBUTED);
        usage.state().setCustomerId("customer-b");
        usage.state().setResolution(AttributionPath.REPLAYED);
        usage.state().setArchived(true);
        usage.state().setResolvedAt(3_000L);
        return usage;
    }

    @Test
    void theLayoutsTheFastPathReliesOnStillHold() {
        assertThat(UsageCodec.PROPERTIES_LAYOUT_MATCHES).as("properties found in a UsageEvent's encoding").isTrue();
        assertThat(UsageCodec.STATE_EVENT_MATCHES).as("UsageState's event written as a UsageEvent").isTrue();
        assertThat(ResolvedCodec.LAYOUT_MATCHES).as("ResolvedUsage written by hand").isTrue();
    }

    @Test
    void everyKindResolutionAndFlagIsWrittenByHandAsAvroWritesIt() {
        UsageEvent event = event("tx-1", "alice@example.com", PROPERTIES[1]);
        StoredUsage usage = replayed(event, encodedAsRead(event));
        for (AttributionPath path : AttributionPath.values()) {
            for (boolean archived : new boolean[] {false, true}) {
                usage.state().setResolution(path);
                usage.state().setArchived(archived);
                for (OutgoingUsage out : List.of(UsageCodec.assign(usage),
                        UsageCodec.retract(usage, "customer-a", archived, -1L))) {
                    assertThat(resolved.serializer().serialize(RESOLVED, out)).as(path + " " + archived)
                            .isEqualTo(plainResolved.serializer().serialize(RESOLVED, out.value()));
                }
            }
        }
    }

    @Test
    void assignsAndRetractsWrittenThroughTheFastPathAreByteForByteThePlainlyEncodedRecords() {
        for (String properties : PROPERTIES) {
            for (String identifier : IDENTIFIERS) {
                UsageEvent event = event("tx-" + identifier.length(), identifier, properties);
                StoredUsage usage = replayed(event, encodedAsRead(event));
                OutgoingUsage assign = UsageCodec.assign(usage);
                OutgoingUsage retract = UsageCodec.retract(usage, "customer-a", false, 4_000L);

                for (OutgoingUsage out : List.of(assign, retract)) {
                    assertThat(out.properties()).as("the properties are copied").isNotNull();
                    byte[] written = resolved.serializer().serialize(RESOLVED, out);

                    assertThat(written).as(properties)
                            .isEqualTo(plainResolved.serializer().serialize(RESOLVED, out.value()));
                    ResolvedUsage read = plainResolved.deserializer().deserialize(RESOLVED, written);
                    assertThat(read).isEqualTo(out.value());
                    assertThat(JsonValues.toJson(read.getProperties()))
                            .isEqualTo(JsonValues.toJson(event.getProperties()));
                }
            }
        }
    }

    @Test
    void anAssignHoldsTheEventAndTheAttributionItsStateDescribes() {
        UsageEvent event = event("tx-1", "alice@example.com", PROPERTIES[1]);

        ResolvedUsage assign = UsageCodec.assign(replayed(event, encodedAsRead(event))).value();

        assertThat(assign).isEqualTo(ResolvedUsage.newBuilder()
                .setTransactionId("tx-1").setCustomerId("customer-b").setIdentifier("alice@example.com")
                .setEventType("api_call").setTimestamp("2026-11-22T10:15:30.5Z")
                .setEventTime(Instant.parse("2026-11-22T10:15:30.5Z")).setProperties(event.getProperties())
                .setKind(UsageKind.ASSIGN).setResolution(Resolution.REPLAYED).setArchived(true)
                .setIngestedAt(Instant.ofEpochMilli(1_000L)).setResolvedAt(Instant.ofEpochMilli(3_000L)).build());
    }

    @Test
    void aRetractTakesTheEventBackFromThePreviousCustomerAsReassigned() {
        UsageEvent event = event("tx-1", "alice@example.com", PROPERTIES[0]);

        ResolvedUsage retract = UsageCodec.retract(replayed(event, null), "customer-a", false, 4_000L).value();

        assertThat(retract.getKind()).isEqualTo(UsageKind.RETRACT);
        assertThat(retract.getCustomerId()).isEqualTo("customer-a");
        assertThat(retract.getResolution()).isEqualTo(Resolution.REASSIGNED);
        assertThat(retract.getArchived()).isFalse();
        assertThat(retract.getResolvedAt()).isEqualTo(Instant.ofEpochMilli(4_000L));
        assertThat(retract.getIngestedAt()).isEqualTo(Instant.ofEpochMilli(1_000L));
        assertThat(retract.getIdentifier()).isEqualTo("alice@example.com");
    }

    @Test
    void nullStringsBeforeThePropertiesAreSkippedWhenTheyAreLocated() throws IOException {
        UsageEvent event = UsageEvent.newBuilder().setTransactionId(null).setCustomerId(null).setEventType(null)
                .setTimestamp(null).setProperties(JsonValues.parseObject(PROPERTIES[1])).build();

        AvroBinary found = UsageCodec.propertiesIn(encodedAsRead(event));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<Object>(UsageEvent.getClassSchema().getField("properties").schema())
                .write(event.getProperties(), encoder);
        encoder.flush();
        assertThat(found.toByteArray()).isEqualTo(out.toByteArray());
    }

    @Test
    void withoutAKnownEncodingAnAssignIsEncodedAsUsual() {
        UsageEvent event = event("tx-1", "alice@example.com", PROPERTIES[1]);
        OutgoingUsage assign = UsageCodec.assign(replayed(event, null));

        assertThat(assign.properties()).isNull();
        assertThat(resolved.serializer().serialize(RESOLVED, assign))
                .isEqualTo(plainResolved.serializer().serialize(RESOLVED, assign.value()));
        assertThat(resolved.serializer().serialize(RESOLVED, null)).isNull();
        assertThat(resolved.deserializer().deserialize(RESOLVED,
                resolved.serializer().serialize(RESOLVED, assign)).value()).isEqualTo(assign.value());
    }

    @Test
    void anEventWrittenWithAnotherSchemaVersionIsNotCopied() {
        Schema newer = withField(UsageEvent.getClassSchema(), "region");
        GenericData.Record record = new GenericData.Record(newer);
        record.put("transaction_id", "tx-1");
        record.put("properties", Map.of());
        record.put("region", "eu");
        byte[] value = OtherSchemaVersion.framed(scope, "usage-events-value", newer, record);

        assertThat(events.deserializer().deserialize("usage-events", value).getTransactionId()).isEqualTo("tx-1");
        assertThat(UsageCodec.encodingAsRead(events.deserializer(), value)).isNull();
    }

    /** {@code record} with one more string field, defaulting to "". */
    private static Schema withField(Schema record, String name) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : record.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        fields.add(new Schema.Field(name, Schema.create(Schema.Type.STRING), null, ""));
        return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, fields);
    }

    @Test
    void statesWithTheirEventCopiedAreByteForByteThePlainlyEncodedStates() {
        for (String properties : PROPERTIES) {
            UsageEvent event = event("tx-1", "alice@example.com", properties);
            for (StoredUsage usage : List.of(
                    UsageCodec.pending(event, encodedAsRead(event), 1_000L, 2_000L),
                    UsageCodec.attributed(event, encodedAsRead(event), "customer-b", AttributionPath.ALIAS, true,
                            true, 1_000L, 2_000L))) {
                byte[] written = stored.serializer().serialize(CHANGELOG, usage);

                assertThat(written).as(properties)
                        .isEqualTo(plainStates.serializer().serialize(CHANGELOG, usage.state()));
            }
        }
    }

    @Test
    void aStateReadBackAndChangedIsWrittenWithItsStoredEventAsThePlainSerdeWritesIt() {
        UsageEvent event = event("tx-1", "alice@example.com", "{\"region\":\"eu\",\"n\":[1,2,3]}");
        byte[] first = stored.serializer().serialize(CHANGELOG,
                UsageCodec.pending(event, encodedAsRead(event), 1_000L, 2_000L));

        StoredUsage read = stored.deserializer().deserialize(CHANGELOG, first);
        read.state().setStatus(UsageStatus.ATTRIBUTED);
        read.state().setCustomerId("customer-b");
        read.state().setResolution(AttributionPath.REPLAYED);
        read.state().setResolvedAt(3_000L);
        read.state().setDuplicateCount(7);

        assertThat(read.event()).as("located in the stored value").isEqualTo(encodedAsRead(event));
        byte[] second = stored.serializer().serialize(CHANGELOG, read);
        assertThat(second).isEqualTo(plainStates.serializer().serialize(CHANGELOG, read.state()));
        assertThat(stored.deserializer().deserialize(CHANGELOG, second).state()).isEqualTo(read.state());
        assertThat(UsageCodec.assign(read).properties()).as("an ASSIGN from it copies the properties too").isNotNull();
    }

    @Test
    void withoutAKnownEncodingAStateIsEncodedAsUsual() {
        StoredUsage usage = UsageCodec.pending(event("tx-1", "k", "{\"a\":1}"), null, 1_000L, 2_000L);

        byte[] written = stored.serializer().serialize(CHANGELOG, usage);

        assertThat(written).isEqualTo(plainStates.serializer().serialize(CHANGELOG, usage.state()));
        assertThat(stored.deserializer().deserialize(CHANGELOG, written).state()).isEqualTo(usage.state());
        assertThat(stored.serializer().serialize(CHANGELOG, null)).isNull();
        assertThat(stored.deserializer().deserialize(CHANGELOG, null)).isNull();
    }

    @Test
    void aParkedStateIsPendingIndexedAndBelongsToNobody() {
        UsageEvent event = event("tx-1", "k", "{}");

        assertThat(UsageCodec.pending(event, null, 1_000L, 2_000L).state()).isEqualTo(UsageState.newBuilder()
                .setStatus(UsageStatus.PENDING).setEvent(event).setIndexed(true)
                .setIngestedAt(1_000L).setAcceptedAt(2_000L).build());
    }

    @Test
    void anAttributedStateNamesItsCustomerPathAndFlags() {
        UsageEvent event = event("tx-1", "k", "{}");

        assertThat(UsageCodec.attributed(event, null, "customer-a", AttributionPath.DIRECT, true, false, 1_000L,
                2_000L).state()).isEqualTo(UsageState.newBuilder()
                .setStatus(UsageStatus.ATTRIBUTED).setEvent(event).setCustomerId("customer-a")
                .setResolution(AttributionPath.DIRECT).setArchived(true).setIndexed(false)
                .setIngestedAt(1_000L).setAcceptedAt(2_000L).setResolvedAt(2_000L).build());
    }

    @Test
    void aRejectedStateKeepsItsReasonAndHoldsNoCustomer() {
        UsageEvent summary = event("tx-1", "k", "{}");

        assertThat(UsageCodec.rejected(summary, "EMPTY_FIELD", "event_type is empty", 1_000L, 2_000L).state())
                .isEqualTo(UsageState.newBuilder()
                        .setStatus(UsageStatus.REJECTED).setEvent(summary).setIngestedAt(1_000L).setAcceptedAt(2_000L)
                        .setRejectionReason("EMPTY_FIELD").setRejectionDetail("event_type is empty").build());
    }

    @Test
    void anExpiredRecordHoldsTheWholeEventWithItsTimes() {
        UsageEvent event = event("tx-1", "k", PROPERTIES[1]);
        StoredUsage usage = UsageCodec.pending(event, null, 1_000L, 2_000L);

        assertThat(UsageCodec.expired(usage.state(), 5_000L)).isEqualTo(ExpiredUsage.newBuilder().setEvent(event)
                .setIngestedAt(Instant.ofEpochMilli(1_000L)).setExpiredAt(Instant.ofEpochMilli(5_000L)).build());
    }

    @Test
    void eachAttributionPathIsTheResolutionOfTheSameName() {
        for (AttributionPath path : AttributionPath.values()) {
            assertThat(UsageCodec.resolution(path).name()).isEqualTo(path.name());
        }
    }
}
