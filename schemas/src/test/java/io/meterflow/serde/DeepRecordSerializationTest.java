package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * A value nested deeper than the stack (JsonValue is recursive) cannot be written; that must be an ordinary
 * serialization failure, and must not leave part of it in the thread's encoder, where the next record would pick it
 * up: a StackOverflowError used to escape the serializer's clean-up, and the next record on the thread came out with
 * the failed one's bytes in front of it.
 */
class DeepRecordSerializationTest {

    private final SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class,
            Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://deep-" + UUID.randomUUID()), false);

    private static UsageEvent event(JsonValue property) {
        return UsageEvent.newBuilder().setTransactionId("t").setCustomerId("c").setEventType("e")
                .setTimestamp("2026-11-22T10:00:00Z").setProperties(Map.of("p", property)).build();
    }

    @Test
    void aValueTooDeepToWriteFailsAsSerializationAndTheNextRecordOnTheThreadIsExact() {
        JsonValue deep = new JsonValue(null);
        for (int i = 0; i < 200_000; i++) {
            deep = new JsonValue(List.of(deep));
        }
        UsageEvent tooDeep = event(deep);
        UsageEvent ordinary = event(Json.obj("amount", Json.num("0.1")));

        assertThatThrownBy(() -> serde.serializer().serialize("usage-events", tooDeep))
                .isInstanceOf(SerializationException.class).hasMessageContaining("nested too deeply");
        byte[] next = serde.serializer().serialize("usage-events", ordinary);

        assertThat(serde.deserializer().deserialize("usage-events", next)).isEqualTo(ordinary);
        assertThat(next).isEqualTo(SpecificAvroSerde.of(UsageEvent.class,
                Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://deep-fresh-" + UUID.randomUUID()), false)
                .serializer().serialize("usage-events", ordinary));
    }
}
