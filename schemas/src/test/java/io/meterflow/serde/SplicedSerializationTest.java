package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** Writing a field from bytes already encoded gives exactly the bytes of encoding it, and when that is allowed. */
class SplicedSerializationTest {

    private static final Map<String, Object> CONFIG =
            Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://spliced-" + UUID.randomUUID());

    private final SpecificAvroSerde<UsageEvent> events = SpecificAvroSerde.of(UsageEvent.class, CONFIG, false);
    private final SpecificAvroSerde<ExpiredUsage> expired = SpecificAvroSerde.of(ExpiredUsage.class, CONFIG, false);

    private static UsageEvent event(Map<String, JsonValue> properties) {
        return UsageEvent.newBuilder().setTransactionId("tx-ü-1").setCustomerId(null).setEventType("api_call")
                .setTimestamp("2026-11-22T10:15:30.123Z").setProperties(properties).build();
    }

    @Test
    void aFieldCopiedFromItsEncodingGivesTheSameBytesAsEncodingIt() {
        for (Map<String, JsonValue> properties : List.of(Json.props(), Json.props("n", Json.num("0.1"),
                "big", Json.num("12345678901234567890"), "s", Json.str("é"),
                "nested", Json.obj("list", Json.arr(Json.num("1"), Json.bool(true), Json.nil(),
                        Json.obj("x", Json.num("1e-7"))))))) {
            UsageEvent event = event(properties);
            byte[] framedEvent = events.serializer().serialize("usage-events", event);
            ExpiredUsage value = ExpiredUsage.newBuilder().setEvent(event).setIngestedAt(Instant.ofEpochMilli(1_000))
                    .setExpiredAt(Instant.ofEpochMilli(2_000)).build();
            SpecificAvroSerializer<ExpiredUsage> serializer = (SpecificAvroSerializer<ExpiredUsage>) expired.serializer();

            byte[] encoded = serializer.serialize("usage-expired", value);
            byte[] spliced = serializer.serialize("usage-expired", value,
                    ExpiredUsage.getClassSchema().getField("event").pos(), AvroBinary.payloadOf(framedEvent));

            assertThat(spliced).as(properties.toString()).isEqualTo(encoded);
            assertThat(expired.deserializer().deserialize("usage-expired", spliced)).isEqualTo(value);
        }
    }

    @Test
    void onlyARecordWrittenWithTheReaderSchemaCountsAsCurrent() {
        SpecificAvroDeserializer<UsageEvent> reader = (SpecificAvroDeserializer<UsageEvent>) events.deserializer();
        byte[] current = events.serializer().serialize("usage-events", event(Json.props()));
        Schema newer = SchemaEdits.withField(UsageEvent.getClassSchema(), "region", "string", "\"eu\"");
        byte[] fromNewer = framed(MockSchemaRegistry.forScope(scope()).register("usage-events-value", newer),
                newer, new GenericData.Record(newer) {
                    {
                        put("transaction_id", "tx-2");
                        put("properties", Map.of());
                        put("region", "us");
                    }
                });

        assertThat(reader.writtenWithReaderSchema(current)).as("not read yet: unknown").isFalse();
        reader.deserialize("usage-events", current);
        reader.deserialize("usage-events", fromNewer);

        assertThat(reader.writtenWithReaderSchema(current)).isTrue();
        assertThat(reader.writtenWithReaderSchema(fromNewer)).isFalse();
        assertThat(reader.writtenWithReaderSchema(new byte[] {0, 1})).isFalse();
    }

    private static String scope() {
        return ((String) CONFIG.get(SerdeConfig.SCHEMA_REGISTRY_URL)).substring("mock://".length());
    }

    private static byte[] framed(int id, Schema writer, GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0);
            out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aPayloadWrittenByHandIsFramedAsAnyRecordAndAPayloadInsideAnotherReadsAsThatValue() {
        UsageEvent event = event(Json.props("n", Json.num("0.1"), "s", Json.str("é")));
        byte[] plain = events.serializer().serialize("usage-events", event);
        AvroBinary payload = AvroBinary.payloadOf(plain);

        byte[] byHand = events.serializer().serialize("usage-events", event,
                (value, out) -> out.writeFixed(payload.bytes(), payload.offset(), payload.length()));

        assertThat(byHand).isEqualTo(plain);
        assertThat(events.deserializer().readPayload(payload)).isEqualTo(event);
        AvroBinary cut = new AvroBinary(plain, WireFormat.HEADER_SIZE, payload.length() - 2);
        assertThatThrownBy(() -> events.deserializer().readPayload(cut)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("io.meterflow.schemas.UsageEvent");
    }
}
