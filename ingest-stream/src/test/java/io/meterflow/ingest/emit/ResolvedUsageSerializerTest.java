package io.meterflow.ingest.emit;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.json.JsonValues;
import io.meterflow.schemas.ResolvedUsage;
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

/** usage-resolved values with copied properties are written byte for byte as the plain serde writes them. */
class ResolvedUsageSerializerTest {

    private static final String[] PROPERTIES = {"{}", "{\"tokens\":12345678901234567890,\"ratio\":0.1,"
            + "\"name\":\"Zoë 🚀\",\"tags\":[\"a\",null,{\"deep\":[1e-7,true,false]}],\"empty\":{}}"};

    private final Map<String, Object> config =
            Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://resolved-" + UUID.randomUUID());
    private final SpecificAvroSerde<UsageEvent> events = SpecificAvroSerde.of(UsageEvent.class, config, false);
    private final SpecificAvroSerde<ResolvedUsage> plain = SpecificAvroSerde.of(ResolvedUsage.class, config, false);
    private final ResolvedUsageSerializer serializer = new ResolvedUsageSerializer(
            SpecificAvroSerde.of(ResolvedUsage.class, config, false).serializer());

    private static UsageEvent event(String transactionId, String identifier, String properties) {
        return UsageEvent.newBuilder().setTransactionId(transactionId).setCustomerId(identifier)
                .setEventType("api_call").setTimestamp("2026-11-22T10:15:30.5Z")
                .setProperties(JsonValues.parseObject(properties)).build();
    }

    private static UsageState attributed(UsageEvent event) {
        return new UsageState(UsageStatus.ATTRIBUTED, event, "customer-b", AttributionPath.REPLAYED, true, true,
                1_000L, 2_000L, 3_000L, 0, null, null);
    }

    private AvroBinary encoded(UsageEvent event) {
        return AvroBinary.payloadOf(events.serializer().serialize("usage-events", event));
    }

    @Test
    void theLayoutThePropertiesAreFoundByStillHolds() {
        assertThat(EventEncoding.LAYOUT_MATCHES).isTrue();
    }

    @Test
    void assignsAndRetractsWithCopiedPropertiesAreWrittenAsThePlainSerdeWritesThem() {
        for (String properties : PROPERTIES) {
            for (String identifier : new String[] {"alice@example.com", "ü-αλιας-" + "x".repeat(300)}) {
                UsageEvent event = event("tx-" + identifier.length(), identifier, properties);
                UsageState state = attributed(event);
                ResolvedUsage assign = UsageRecords.assign(state, encoded(event));
                ResolvedUsage retract = UsageRecords.retract(state, encoded(event), "customer-a", false, 4_000L);

                assertThat(assign).isInstanceOf(EncodedResolvedUsage.class);
                for (ResolvedUsage usage : new ResolvedUsage[] {assign, retract}) {
                    byte[] written = serializer.serialize("usage-resolved", usage);
                    ResolvedUsage read = plain.deserializer().deserialize("usage-resolved", written);

                    assertThat(written).as(properties).isEqualTo(plain.serializer().serialize("usage-resolved", read));
                    assertThat(JsonValues.toJson(read.getProperties())).isEqualTo(JsonValues.toJson(event.getProperties()));
                    assertThat(read.getIdentifier()).isEqualTo(identifier);
                }
            }
        }
    }

    @Test
    void nullFieldsBeforeThePropertiesAreSkippedCorrectly() throws Exception {
        UsageEvent event = UsageEvent.newBuilder().setTransactionId(null).setCustomerId(null).setEventType(null)
                .setTimestamp(null).setProperties(JsonValues.parseObject(PROPERTIES[1])).build();
        AvroBinary found = EventEncoding.properties(encoded(event));

        assertThat(found.toByteArray()).isEqualTo(encodedProperties(event));
    }

    /** The properties encoded on their own with their field's schema. */
    private static byte[] encodedProperties(UsageEvent event) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<Object>(
                UsageEvent.getClassSchema().getField("properties").schema()).write(event.getProperties(), encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Test
    void withoutAnEncodingTheRecordIsPlainAndEncodedAsUsual() {
        UsageEvent event = event("tx-1", "alice@example.com", PROPERTIES[1]);
        ResolvedUsage assign = UsageRecords.assign(attributed(event), null);

        assertThat(assign.getClass()).isEqualTo(ResolvedUsage.class);
        assertThat(serializer.serialize("usage-resolved", assign))
                .isEqualTo(plain.serializer().serialize("usage-resolved", assign));
        assertThat(serializer.serialize("usage-resolved", null)).isNull();
    }
}
