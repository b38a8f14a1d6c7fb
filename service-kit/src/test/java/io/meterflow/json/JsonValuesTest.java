package io.meterflow.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.serde.SpecificAvroSerde;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonValuesTest {

    private static final Map<String, Object> SERDE_CONFIG =
            Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://json-values-" + UUID.randomUUID());

    @ParameterizedTest(name = "the number {0} comes back as exactly the same text")
    @ValueSource(strings = {"0.1", "12345678901234567890", "1e-7", "1E-7", "1E+400", "-0", "2.50", "-1.5e+10", "0",
            "123456789012345678901234567890.000000000000000000001"})
    void numbersComeBackExactlyAsTheirText(String number) {
        JsonValue value = JsonValues.parse(number);

        assertThat(value.getValue()).isEqualTo(new JsonNumber(number));
        assertThat(JsonValues.toJson(value)).isEqualTo(number);
    }

    @Test
    void aStringHoldingANumberStaysAString() {
        JsonValue value = JsonValues.parse("\"0.1\"");

        assertThat(value.getValue()).isEqualTo("0.1").isNotInstanceOf(JsonNumber.class);
        assertThat(JsonValues.toJson(value)).isEqualTo("\"0.1\"");
        assertThat(JsonValues.parse("0.1")).isNotEqualTo(value);
    }

    @Test
    void booleansAndNullAreTyped() {
        assertThat(JsonValues.parse("true").getValue()).isEqualTo(Boolean.TRUE);
        assertThat(JsonValues.parse("false").getValue()).isEqualTo(Boolean.FALSE);
        assertThat(JsonValues.parse("null").getValue()).isNull();
        assertThat(JsonValues.parse("\"true\"").getValue()).isEqualTo("true");
    }

    @Test
    void nestedObjectsAndArraysKeepTheirStructureAndKeyOrder() {
        Map<String, JsonValue> object = JsonValues.parseObject("{\"z\":{\"b\":[1,\"two\",[3.0],{}],\"a\":null},\"y\":[]}");

        assertThat(object.keySet()).containsExactly("z", "y");
        @SuppressWarnings("unchecked")
        Map<String, JsonValue> z = (Map<String, JsonValue>) object.get("z").getValue();
        assertThat(z.keySet()).containsExactly("b", "a");
        assertThat(z.get("b").getValue()).isEqualTo(List.of(new JsonValue(new JsonNumber("1")), new JsonValue("two"),
                new JsonValue(List.of(new JsonValue(new JsonNumber("3.0")))), new JsonValue(Map.of())));
        assertThat(z.get("a").getValue()).isNull();
        assertThat(object.get("y").getValue()).isEqualTo(List.of());
    }

    @ParameterizedTest(name = "{0} is refused as invalid JSON")
    @ValueSource(strings = {"", "   ", "{", "[1,]", "{\"a\":1,}", "01", "NaN", "Infinity", "+1", ".5", "1.", "'text'",
            "{a:1}", "1 2", "{\"a\":1}x", "[1] [2]", "tru"})
    void invalidJsonIsAnIllegalArgumentException(String json) {
        assertThatThrownBy(() -> JsonValues.parse(json)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parseObjectRefusesAnythingButAnObject() {
        assertThatThrownBy(() -> JsonValues.parseObject("[1]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("object");
        assertThatThrownBy(() -> JsonValues.parseObject("\"{}\"")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nestingIsLimitedToMaxDepth() {
        String deepest = "[".repeat(JsonValues.MAX_DEPTH) + "]".repeat(JsonValues.MAX_DEPTH);
        String tooDeep = "[".repeat(JsonValues.MAX_DEPTH + 1) + "]".repeat(JsonValues.MAX_DEPTH + 1);

        assertThat(JsonValues.toJson(JsonValues.parse(deepest))).isEqualTo(deepest);
        assertThatThrownBy(() -> JsonValues.parse(tooDeep)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNumberLongerThanAThousandCharactersIsRefused() {
        assertThat(JsonValues.toJson(JsonValues.parse("9".repeat(1000)))).hasSize(1000);
        assertThatThrownBy(() -> JsonValues.parse("9".repeat(1001))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDocumentSurvivesJsonToAvroBytesAndBackByteForByte() {
        String json = "{\"amount\":0.1,\"big\":12345678901234567890,\"tiny\":1e-7,\"upper\":1E-7,\"zero\":-0,"
                + "\"huge\":1E+400,\"text\":\"0.1\",\"escaped\":\"quote\\\" backslash\\\\ newline\\n tab\\t é 日本 /\","
                + "\"flag\":true,\"none\":null,\"nested\":{\"list\":[1,[2,[3]],{\"deep\":{\"x\":-2.50e+3}}],\"empty\":[]},"
                + "\"z\":{},\"a\":false}";
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, SERDE_CONFIG, false);
        UsageEvent event = UsageEvent.newBuilder().setProperties(JsonValues.parseObject(json)).build();

        byte[] avro = serde.serializer().serialize("usage-events", event);
        String back = JsonValues.toJson(serde.deserializer().deserialize("usage-events", avro).getProperties());

        assertThat(back.getBytes(StandardCharsets.UTF_8)).isEqualTo(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aTopLevelValueSurvivesJsonToAvroBytesAndBackByteForByte() {
        String json = "[0.1,12345678901234567890,\"0.1\",{\"b\":1,\"a\":[null,true]},1e-7]";
        SpecificAvroSerde<JsonValue> serde = SpecificAvroSerde.of(JsonValue.class, SERDE_CONFIG, false);

        byte[] avro = serde.serializer().serialize("json", JsonValues.parse(json));

        assertThat(JsonValues.toJson(serde.deserializer().deserialize("json", avro))).isEqualTo(json);
    }

    @ParameterizedTest(name = "number text {0} is refused when writing JSON")
    @ValueSource(strings = {"1,\"injected\":2", "abc", "", "0x10", "1e", "NaN", "--1", "1 "})
    void writingANumberWhoseTextIsNotAJsonNumberIsRefused(String text) {
        JsonValue forged = new JsonValue(new JsonNumber(text));

        assertThat(JsonValues.isJsonNumber(text)).isFalse();
        assertThatThrownBy(() -> JsonValues.toJson(forged)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a JSON number");
    }

    @Test
    void problemIsEmptyForAnythingTheParserProduces() {
        String deepest = "{\"k\":" + "[".repeat(JsonValues.MAX_DEPTH - 1) + "]".repeat(JsonValues.MAX_DEPTH - 1) + "}";

        assertThat(JsonValues.problem(JsonValues.parseObject(
                "{\"a\":[1,{\"b\":\"0.1\"}],\"n\":null,\"t\":true,\"x\":1E+400}"))).isEmpty();
        assertThat(JsonValues.problem(JsonValues.parseObject(deepest))).isEmpty();
    }

    @Test
    void problemNamesAForgedNumberAndWhereItIs() {
        Map<String, JsonValue> properties = new LinkedHashMap<>();
        properties.put("ok", new JsonValue(new JsonNumber("1")));
        properties.put("list", new JsonValue(List.of(new JsonValue(true), new JsonValue(new JsonNumber("1]")))));

        assertThat(JsonValues.problem(properties)).hasValueSatisfying(problem ->
                assertThat(problem).contains("$.list[1]", "not a JSON number"));
    }

    @Test
    void problemReportsNestingDeeperThanTheParserAllows() {
        JsonValue value = new JsonValue(null);
        for (int i = 0; i < JsonValues.MAX_DEPTH; i++) {
            value = new JsonValue(List.of(value));
        }

        assertThat(JsonValues.problem(Map.of("k", value))).hasValueSatisfying(problem ->
                assertThat(problem).contains("deeper than " + JsonValues.MAX_DEPTH));
    }

    @ParameterizedTest(name = "{0} is a JSON number literal")
    @ValueSource(strings = {"0", "-0", "1", "-12", "0.1", "2.50", "1e-7", "1E+400", "12345678901234567890", "-0.0e0",
            "10E10"})
    void numberLiteralsOfRfc8259AreAccepted(String text) {
        assertThat(JsonValues.isJsonNumber(text)).isTrue();
    }

    @ParameterizedTest(name = "{0} is not a JSON number literal")
    @ValueSource(strings = {"-", "01", "-01", "1.", ".1", "+1", "1e+", "1.e5", "1e5.0", "0x1", "1_000", "١",
            "Infinity", "1\n", " 1"})
    void everythingElseIsNot(String text) {
        assertThat(JsonValues.isJsonNumber(text)).isFalse();
    }

    @Test
    void theLimitOnANumberLiteralsLengthIsTheParsers() {
        assertThat(JsonValues.isJsonNumber("1".repeat(JsonValues.MAX_NUMBER_LENGTH))).isTrue();
        assertThat(JsonValues.isJsonNumber("1".repeat(JsonValues.MAX_NUMBER_LENGTH + 1))).isFalse();
    }

    @Test
    void loneSurrogateFindsAHalfPairAndAcceptsWholePairs() {
        assertThat(JsonValues.loneSurrogate("plain é 日本 😀")).isEqualTo(-1);
        assertThat(JsonValues.loneSurrogate("ab\uD800")).isEqualTo(2);
        assertThat(JsonValues.loneSurrogate("\uDC00x")).isZero();
        assertThat(JsonValues.loneSurrogate("😀\uD83Dx")).isEqualTo(2);
    }

    @Test
    void problemNamesALoneSurrogateInAStringOrAKey() {
        // A JSON escape can spell half a pair; UTF-8 cannot carry it, so "a" + U+D800 and "a" + U+DBFF would both be "a?".
        Map<String, JsonValue> inValue = JsonValues.parseObject("{\"ok\":\"😀\",\"n\":{\"s\":[\"a\\ud800\"]}}");
        Map<String, JsonValue> inKey = JsonValues.parseObject("{\"k\\udc00\":1}");

        assertThat(JsonValues.problem(inValue)).hasValueSatisfying(problem ->
                assertThat(problem).contains("$.n.s[0]", "lone surrogate", "U+D800"));
        assertThat(JsonValues.problem(inKey)).hasValueSatisfying(problem ->
                assertThat(problem).contains("the key", "U+DC00"));
    }
}
