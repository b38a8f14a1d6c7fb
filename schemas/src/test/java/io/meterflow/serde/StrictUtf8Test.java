package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StrictUtf8Test {

    private final SpecificAvroSerde<CustomerChange> serde = SpecificAvroSerde.of(CustomerChange.class,
            Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://strict-utf8-" + UUID.randomUUID()), false);

    private byte[] encoded(List<String> aliases, Map<String, String> customFields) {
        CustomerChange change = CustomerChange.newBuilder().setChangeId("change-1").setCustomerId("c-1")
                .setOccurredAt(Instant.EPOCH)
                .setPayload(CustomerCreated.newBuilder().setName("Name é 日本 😀").setIngestAliases(aliases)
                        .setCustomFields(customFields).build())
                .build();
        return serde.serializer().serialize("customer-changes", change);
    }

    /** Replaces the first occurrence of {@code marker} (ASCII) in the encoding with bytes of the same length. */
    private static byte[] corrupt(byte[] encoded, String marker, byte... replacement) {
        byte[] target = marker.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + target.length <= encoded.length; i++) {
            if (ByteBuffer.wrap(encoded, i, target.length).equals(ByteBuffer.wrap(target))) {
                byte[] copy = encoded.clone();
                System.arraycopy(replacement, 0, copy, i, replacement.length);
                return copy;
            }
        }
        throw new AssertionError(marker + " not found");
    }

    @Test
    void acceptsARecordWhoseStringsAreAllValidUtf8() {
        byte[] value = encoded(List.of("a", "😀".repeat(128)), Map.of("k", "日本"));

        assertThat(StrictUtf8.invalidString(CustomerChange.getClassSchema(), value)).isEmpty();
    }

    @Test
    void namesTheAliasWhoseBytesAreNotUtf8() {
        // C3 28 reads as U+FFFD "(", and so would C4 28: two aliases sent as different bytes would be one.
        byte[] value = corrupt(encoded(List.of("ok", "xx"), Map.of()), "xx", (byte) 0xc3, (byte) 0x28);

        assertThat(serde.deserializer().deserialize("customer-changes", value)).isNotNull();
        assertThat(StrictUtf8.invalidString(CustomerChange.getClassSchema(), value))
                .hasValue("payload.ingest_aliases[1]");
    }

    @Test
    void namesAMapKeyAndAMapValueWhoseBytesAreNotUtf8() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("good", "fine");
        fields.put("kk", "vv");

        byte[] badKey = corrupt(encoded(List.of(), fields), "kk", (byte) 0xed, (byte) 0xa0);
        byte[] badValue = corrupt(encoded(List.of(), fields), "vv", (byte) 0xff, (byte) 0x41);

        assertThat(StrictUtf8.invalidString(CustomerChange.getClassSchema(), badKey))
                .hasValueSatisfying(path -> assertThat(path).startsWith("payload.custom_fields[").endsWith("(a key)"));
        assertThat(StrictUtf8.invalidString(CustomerChange.getClassSchema(), badValue))
                .hasValue("payload.custom_fields[\"kk\"]");
    }

    @ParameterizedTest(name = "{0} is not UTF-8")
    @ValueSource(strings = {"c0 80", "e0 80 80", "ed a0 80", "f4 90 80 80", "f8 88 80 80 80", "e2 82", "80", "fe"})
    void refusesOverlongFormsSurrogatesAndTruncatedSequences(String hex) {
        assertThat(StrictUtf8.isValid(ByteBuffer.wrap(bytes(hex)))).isFalse();
    }

    @ParameterizedTest(name = "{0} is UTF-8")
    @ValueSource(strings = {"41", "c3 a9", "e6 97 a5", "ef bf bd", "f0 9f 98 80", "f4 8f bf bf", "ee 80 80"})
    void acceptsWellFormedSequences(String hex) {
        assertThat(StrictUtf8.isValid(ByteBuffer.wrap(bytes(hex)))).isTrue();
    }

    private static byte[] bytes(String hex) {
        String[] parts = hex.split(" ");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }
}
