package io.meterflow.serde;

import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link JsonValue} trees for the contract's tests, built value by value. The contract carries JSON as these records;
 * reading and writing JSON text is the service kit's job ({@code io.meterflow.json.JsonValues}), so these tests build
 * the trees directly and compare them as records.
 */
final class Json {

    private Json() {
    }

    /** A number, as the literal text it was written with. */
    static JsonValue num(String literal) {
        return new JsonValue(new JsonNumber(literal));
    }

    static JsonValue str(String text) {
        return new JsonValue(text);
    }

    static JsonValue bool(boolean value) {
        return new JsonValue(value);
    }

    static JsonValue nil() {
        return new JsonValue(null);
    }

    static JsonValue arr(JsonValue... items) {
        return new JsonValue(List.of(items));
    }

    /** An object from alternating names and values, in that order. */
    static JsonValue obj(Object... namesAndValues) {
        return new JsonValue(props(namesAndValues));
    }

    /** Properties (an object's fields) from alternating names and values, in that order. */
    static Map<String, JsonValue> props(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must alternate: " + Arrays.toString(namesAndValues));
        }
        Map<String, JsonValue> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put((String) namesAndValues[i], (JsonValue) namesAndValues[i + 1]);
        }
        return fields;
    }
}
