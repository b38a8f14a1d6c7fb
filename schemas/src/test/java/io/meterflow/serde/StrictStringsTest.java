package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Avro reads bytes that are not UTF-8 as U+FFFD, so different byte strings read as the same text; a strict
 * deserializer refuses them instead, wherever the string is (a field, a map key, a value deep in a JsonValue).
 */
class StrictStringsTest {

    private static final String SCOPE = "strict-" + UUID.randomUUID();
    private static final Map<String, Object> CONFIG = Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + SCOPE);

    private final SpecificAvroSerializer<UsageEvent> serializer = SpecificAvroSerde.of(UsageEvent.class, CONFIG, false)
            .serializer();
    private final SpecificAvroDeserializer<UsageEvent> lenient = SpecificAvroSerde.of(UsageEvent.class, CONFIG, false)
            .deserializer();
    private final SpecificAvroDeserializer<UsageEvent> strict = SpecificAvroDeserializer.strict(UsageEvent.class);

    StrictStringsTest() {
        strict.configure(CONFIG, false);
    }

    @AfterAll
    static void dropScope() {
        MockSchemaRegistry.dropScope(SCOPE);
    }

    private static UsageEvent event(String transactionId, Map<String, JsonValue> properties) {
        return UsageEvent.newBuilder().setTransactionId(transactionId).setCustomerId("c").setEventType("e")
                .setTimestamp("2026-11-22T10:00:00Z").setProperties(properties).build();
    }

    /** {@code event}'s bytes with the (unique) UTF-8 bytes of {@code marker} replaced by {@code bytes}. */
    private byte[] withBytes(UsageEvent event, String marker, int... bytes) {
        byte[] value = serializer.serialize("usage-events", event);
        byte[] find = marker.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + find.length <= value.length; i++) {
            if (Arrays.equals(value, i, i + find.length, find, 0, find.length)) {
                for (int j = 0; j < bytes.length; j++) {
                    value[i + j] = (byte) bytes[j];
                }
                return value;
            }
        }
        throw new AssertionError("marker not found");
    }

    @Test
    void aLenientReadTurnsTwoDifferentByteStringsIntoTheSameText() {
        byte[] invalid = withBytes(event("tx-###-a", Map.of()), "###", 0xFF, 0xFF, 0xFF);
        byte[] replacement = serializer.serialize("usage-events", event("tx-\uFFFD-a", Map.of()));

        assertThat(lenient.deserialize("usage-events", invalid).getTransactionId())
                .isEqualTo("tx-\uFFFD\uFFFD\uFFFD-a");
        assertThat(lenient.deserialize("usage-events", replacement).getTransactionId()).isEqualTo("tx-\uFFFD-a");
    }

    @Test
    void aStrictReadRefusesBytesThatAreNotUtf8NamingThem() {
        byte[] invalid = withBytes(event("tx-###-a", Map.of()), "###", 0xFF, 0xFF, 0xFF);

        assertThatThrownBy(() -> strict.deserialize("usage-events", invalid))
                .isInstanceOf(InvalidStringException.class).hasMessageContaining("not valid UTF-8")
                .hasMessageContaining("0xff");
    }

    @Test
    void aStrictReadReadsTheReplacementCharacterItselfAndEveryOtherCharacter() {
        UsageEvent event = event("tx-\uFFFD-\uD83D\uDE00-é", Map.of("k\uFFFD", new JsonValue("v\uFFFD")));

        assertThat(strict.deserialize("usage-events", serializer.serialize("usage-events", event))).isEqualTo(event);
    }

    @Test
    void aStrictReadChecksMapKeysAndStringsDeepInPropertiesToo() {
        byte[] key = withBytes(event("t", Map.of("ke#", new JsonValue(true))), "ke#", 'k', 0xC3, 0x28);
        // ED A0 80: a surrogate (U+D800) encoded as if it were a character, which UTF-8 forbids.
        byte[] deep = withBytes(event("t", Map.of("k", new JsonValue(List.of(new JsonValue(Map.of("n",
                new JsonValue(new JsonNumber("1")), "s", new JsonValue("v###"))))))), "###", 0xED, 0xA0, 0x80);

        assertThatThrownBy(() -> strict.deserialize("usage-events", key)).isInstanceOf(InvalidStringException.class);
        assertThatThrownBy(() -> strict.deserialize("usage-events", deep)).isInstanceOf(InvalidStringException.class);
    }

    @Test
    void valuesNestedDeeperThanTheStackAreNestedTooDeepNotAStackOverflow() {
        JsonValue value = new JsonValue(null);
        for (int i = 0; i < 200_000; i++) {
            value = new JsonValue(List.of(value));
        }
        byte[] bytes = serializeDeep(event("t", Map.of("k", value)));
        assertThatThrownBy(() -> strict.deserialize("usage-events", bytes)).isInstanceOf(NestedTooDeepException.class);
    }

    /** Serializing so deep a value needs a deeper stack than reading it is allowed to. */
    private byte[] serializeDeep(UsageEvent event) {
        byte[][] out = new byte[1][];
        Thread thread = new Thread(null, () -> out[0] = serializer.serialize("usage-events", event), "deep", 1L << 30);
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return out[0];
    }
}
