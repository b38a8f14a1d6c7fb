package io.meterflow.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Converts between JSON text and {@link JsonValue}, keeping numbers as the literal text they were written with:
 * no double or BigDecimal round trip ever touches them, so {@code 0.1}, {@code 12345678901234567890} and
 * {@code 1e-7} come back exactly.
 */
public final class JsonValues {

    /** Longest number literal accepted, in characters; the same when parsing and checking. */
    public static final int MAX_NUMBER_LENGTH = 1000;
    /** Deepest nesting of arrays and objects accepted, counting the outermost; the same when parsing and checking. */
    public static final int MAX_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxNumberLength(MAX_NUMBER_LENGTH).build())
            .build();

    private JsonValues() {
    }

    /**
     * Whether {@code text} is a JSON number literal. A {@link JsonNumber} that did not come from this class's parser
     * (a producer writing Avro directly) may hold anything; callers that accept such records check it here.
     */
    public static boolean isJsonNumber(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_NUMBER_LENGTH) {
            return false;
        }
        // RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?  (by hand: it runs for every number of every
        // event read from Kafka, where a regex costs several times more)
        int n = text.length();
        int i = text.charAt(0) == '-' ? 1 : 0;
        if (i == n) {
            return false;
        }
        if (text.charAt(i) == '0') {
            i++;
        } else {
            int start = i;
            i = digits(text, i);
            if (i == start) {
                return false;
            }
        }
        if (i < n && text.charAt(i) == '.') {
            int start = ++i;
            i = digits(text, i);
            if (i == start) {
                return false;
            }
        }
        if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            i++;
            if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                i++;
            }
            int start = i;
            i = digits(text, i);
            if (i == start) {
                return false;
            }
        }
        return i == n;
    }

    /** The index after the run of ASCII digits starting at {@code from}. */
    private static int digits(String text, int from) {
        int i = from;
        while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /**
     * The index of the first UTF-16 surrogate in {@code text} that is not half of a pair, or -1 if there is none.
     * Such a string has no UTF-8 encoding: Java writes {@code ?} in its place, so two different strings ("a" then
     * U+D800, and "a" then U+DBFF) would be stored, keyed and compared as the same one. A JSON escape
     * (backslash-u) can spell one, so text from a JSON body is checked before it is kept.
     */
    public static int loneSurrogate(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Why {@code object} cannot be kept as JSON data, or empty if it can: a number whose text is not a JSON number
     * literal, nesting deeper than {@link #MAX_DEPTH}, a value that is not a JSON value, or a string or key with a
     * lone surrogate (see {@link #loneSurrogate}). Records built by Meterflow's own parser pass all but the last (a
     * JSON backslash-u escape can spell a lone surrogate); a producer writing Avro directly can send anything, and
     * such a value would fail (or, for numbers, corrupt) the JSON written from it later.
     */
    public static Optional<String> problem(Map<String, JsonValue> object) {
        return problemIn(object, 1, "$");
    }

    private static Optional<String> problem(JsonValue value, int depth, String path) {
        Object v = value == null ? null : value.getValue();
        if (v == null || v instanceof Boolean) {
            return Optional.empty();
        }
        if (v instanceof CharSequence s) {
            return surrogateProblem(path, s);
        }
        if (v instanceof JsonNumber n) {
            return isJsonNumber(n.getText()) ? Optional.empty()
                    : Optional.of(path + " is not a JSON number literal: " + abbreviate(n.getText()));
        }
        if (depth >= MAX_DEPTH) {
            return Optional.of(path + " nests arrays and objects deeper than " + MAX_DEPTH + " levels");
        }
        if (v instanceof List<?> items) {
            for (int i = 0; i < items.size(); i++) {
                Optional<String> problem = items.get(i) instanceof JsonValue item || items.get(i) == null
                        ? problem((JsonValue) items.get(i), depth + 1, path + "[" + i + "]")
                        : Optional.of(path + "[" + i + "] is not a JSON value");
                if (problem.isPresent()) {
                    return problem;
                }
            }
            return Optional.empty();
        }
        if (v instanceof Map<?, ?> fields) {
            return problemIn(fields, depth + 1, path);
        }
        return Optional.of(path + " is not a JSON value: " + v.getClass().getName());
    }

    private static Optional<String> problemIn(Map<?, ?> fields, int depth, String path) {
        for (Map.Entry<?, ?> field : fields.entrySet()) {
            String fieldPath = path + "." + field.getKey();
            Optional<String> problem = field.getKey() instanceof CharSequence key
                    ? surrogateProblem(fieldPath + " (the key)", key)
                    : Optional.of(fieldPath + " has a key that is not a string");
            if (problem.isPresent()) {
                return problem;
            }
            problem = field.getValue() instanceof JsonValue || field.getValue() == null
                    ? problem((JsonValue) field.getValue(), depth, fieldPath)
                    : Optional.of(fieldPath + " is not a JSON value");
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> surrogateProblem(String path, CharSequence text) {
        int at = loneSurrogate(text);
        return at < 0 ? Optional.empty() : Optional.of(path + " has a lone surrogate (U+"
                + Integer.toHexString(text.charAt(at)).toUpperCase(java.util.Locale.ROOT) + ") at index " + at
                + "; text must be valid Unicode");
    }

    /** Reads the value at the parser's current token (which must be set), leaving the parser on its last token. */
    public static JsonValue read(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == null) {
            throw new IOException("no JSON value");
        }
        return switch (token) {
            case VALUE_NULL -> new JsonValue(null);
            case VALUE_TRUE -> new JsonValue(Boolean.TRUE);
            case VALUE_FALSE -> new JsonValue(Boolean.FALSE);
            case VALUE_STRING -> new JsonValue(parser.getText());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new JsonValue(new JsonNumber(parser.getText()));
            case START_ARRAY -> {
                List<JsonValue> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(parser));
                }
                yield new JsonValue(items);
            }
            case START_OBJECT -> new JsonValue(readObjectBody(parser));
            default -> throw new IOException("unexpected JSON token " + token);
        };
    }

    /** Reads the fields of an object whose START_OBJECT is the parser's current token. */
    public static Map<String, JsonValue> readObjectBody(JsonParser parser) throws IOException {
        Map<String, JsonValue> fields = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            fields.put(name, read(parser));
        }
        return fields;
    }

    /** Parses a JSON document holding one value. */
    public static JsonValue parse(String json) {
        try (JsonParser parser = FACTORY.createParser(json)) {
            parser.nextToken();
            JsonValue value = read(parser);
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("trailing content after JSON value");
            }
            return value;
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
    }

    /** Parses a JSON object into a properties map. */
    public static Map<String, JsonValue> parseObject(String json) {
        JsonValue value = parse(json);
        if (!(value.getValue() instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, JsonValue> map = (Map<String, JsonValue>) value.getValue();
        return map;
    }

    /** Writes a value with {@code generator}, numbers as their original text. */
    public static void write(JsonGenerator generator, JsonValue value) throws IOException {
        Object v = value == null ? null : value.getValue();
        if (v == null) {
            generator.writeNull();
        } else if (v instanceof Boolean b) {
            generator.writeBoolean(b);
        } else if (v instanceof CharSequence s) {
            generator.writeString(s.toString());
        } else if (v instanceof JsonNumber n) {
            // The text is written raw, so anything but a number literal would corrupt (or inject into) the output.
            if (!isJsonNumber(n.getText())) {
                throw new IllegalArgumentException("not a JSON number literal: " + abbreviate(n.getText()));
            }
            generator.writeNumber(n.getText());
        } else if (v instanceof List<?> items) {
            generator.writeStartArray();
            for (Object item : items) {
                write(generator, (JsonValue) item);
            }
            generator.writeEndArray();
        } else if (v instanceof Map<?, ?> fields) {
            writeObject(generator, fields);
        } else {
            throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
        }
    }

    private static String abbreviate(String text) {
        return text == null ? "null" : text.length() <= 40 ? '"' + text + '"' : '"' + text.substring(0, 40) + "...\"";
    }

    /** Writes a map of values as a JSON object. */
    public static void writeObject(JsonGenerator generator, Map<?, ?> fields) throws IOException {
        generator.writeStartObject();
        for (Map.Entry<?, ?> field : fields.entrySet()) {
            generator.writeFieldName(field.getKey().toString());
            write(generator, (JsonValue) field.getValue());
        }
        generator.writeEndObject();
    }

    /** The JSON text of a value. */
    public static String toJson(JsonValue value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            write(generator, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The JSON text of a properties map. */
    public static String toJson(Map<String, JsonValue> properties) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            writeObject(generator, properties);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
