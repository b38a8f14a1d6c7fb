package io.meterflow.ingest.emit;

import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.AvroBinary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * Incoming usage events in the current UsageEvent schema, read by hand: every usage-events record is decoded, and
 * Avro decoded each one twice (a checking pass that skips the whole value, then the read, through a resolving decoder
 * that looks up each property's union branch and record by schema) — about a fifth of ingest-stream's stream thread
 * on the live path (JFR, docs/benchmark.md).
 *
 * <p>What is read is the event Avro reads ({@code EventCodecTest} compares them on random property trees): the same
 * classes (properties in a {@link LinkedHashMap} in the order written, arrays as {@link GenericData.Array}). It is
 * only ever the easy case: {@link #read} refuses, with an {@link IllegalArgumentException}, anything that is not
 * plainly a valid value — a length or count longer than what is left, a union branch out of range, an int in more than
 * five bytes, a boolean byte other than 0 or 1, a block whose size in bytes is not what its items take, trailing
 * bytes, nesting deeper than {@value #MAX_DEPTH} levels, and any string containing U+FFFD (which Avro's lenient
 * decoding also gives for bytes that are not UTF-8). The caller then lets Avro read the record, which decides, exactly as
 * before, whether and why it is refused. Used only while UsageEvent and JsonValue have exactly the layout below
 * ({@link #LAYOUT_MATCHES}).
 */
final class EventCodec {

    /** Deeper than this the value is left to Avro (and to its limits): no real event nests this far. */
    static final int MAX_DEPTH = 64;

    private static final List<String> EVENT_LAYOUT = List.of(
            "transaction_id:nullable string",
            "customer_id:nullable string",
            "event_type:nullable string",
            "timestamp:nullable string",
            "properties:map record io.meterflow.schemas.JsonValue");

    /** The branches of JsonValue's {@code value}, in order, as this reader numbers them. */
    private static final List<String> VALUE_BRANCHES = List.of(
            "null", "boolean", "string", "record io.meterflow.schemas.JsonNumber",
            "array io.meterflow.schemas.JsonValue", "map io.meterflow.schemas.JsonValue");

    /** Whether UsageEvent, JsonValue and JsonNumber have exactly the layout read here, every string a Java String. */
    static final boolean LAYOUT_MATCHES = layoutMatches();

    /** JsonValue's array branch, the schema Avro gives the arrays it reads (looked up only when the layout holds). */
    private static final Schema ARRAY = LAYOUT_MATCHES
            ? JsonValue.getClassSchema().getField("value").schema().getTypes().get(4) : null;

    private EventCodec() {
    }

    private static boolean layoutMatches() {
        Schema value = JsonValue.getClassSchema().getField("value") == null ? null
                : JsonValue.getClassSchema().getField("value").schema();
        if (!SchemaLayout.matches(UsageEvent.getClassSchema(), EVENT_LAYOUT)
                || JsonValue.getClassSchema().getFields().size() != 1 || value == null
                || value.getType() != Schema.Type.UNION || value.getTypes().size() != VALUE_BRANCHES.size()
                || !SchemaLayout.matches(JsonNumber.getClassSchema(), List.of("text:string"))) {
            return false;
        }
        for (int i = 0; i < VALUE_BRANCHES.size(); i++) {
            if (!VALUE_BRANCHES.get(i).equals(branch(value.getTypes().get(i)))) {
                return false;
            }
        }
        return javaStrings(UsageEvent.getClassSchema().getField("transaction_id").schema().getTypes().get(1))
                && javaStrings(UsageEvent.getClassSchema().getField("properties").schema())
                && javaStrings(value.getTypes().get(2)) && javaStrings(value.getTypes().get(5))
                && javaStrings(JsonNumber.getClassSchema().getField("text").schema());
    }

    private static String branch(Schema type) {
        return switch (type.getType()) {
            case ARRAY -> "array " + type.getElementType().getFullName();
            case MAP -> "map " + type.getValueType().getFullName();
            default -> SchemaLayout.kind(type);
        };
    }

    private static boolean javaStrings(Schema type) {
        return "String".equals(type.getProp(GenericData.STRING_PROP));
    }

    /**
     * The event encoded in {@code event} (an encoding in the current UsageEvent schema, without a frame).
     *
     * @throws IllegalArgumentException when it is anything but plainly valid (see the class comment): read it with
     *                                  Avro instead
     */
    static UsageEvent read(AvroBinary event) {
        if (!LAYOUT_MATCHES) {
            throw new IllegalArgumentException("UsageEvent's layout is not the one read by hand");
        }
        AvroCursor in = new AvroCursor(event.bytes(), event.offset(), event.offset() + event.length(),
                "a UsageEvent encoding");
        UsageEvent read = new UsageEvent();
        read.setTransactionId(nullableText(in));
        read.setCustomerId(nullableText(in));
        read.setEventType(nullableText(in));
        read.setTimestamp(nullableText(in));
        read.setProperties(object(in, 1));
        if (in.pos() != event.offset() + event.length()) {
            throw new IllegalArgumentException("trailing bytes after a UsageEvent");
        }
        return read;
    }

    private static String nullableText(AvroCursor in) {
        return in.index(2) == 0 ? null : text(in);
    }

    private static String text(AvroCursor in) {
        String text = in.string();
        if (text.indexOf('\uFFFD') >= 0) {
            throw new IllegalArgumentException("a string with U+FFFD: Avro's strict reading decides");
        }
        return text;
    }

    private static Map<String, JsonValue> object(AvroCursor in, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("nested deeper than " + MAX_DEPTH);
        }
        Map<String, JsonValue> map = new LinkedHashMap<>();
        for (long count = in.varLong(); count != 0; count = in.varLong()) {
            int end = blockEnd(in, count);
            for (long i = Math.abs(count); i > 0; i--) {
                requireItem(in, 2);
                String key = text(in);
                map.put(key, value(in, depth));
            }
            requireBlockEnd(in, end);
        }
        return map;
    }

    private static List<JsonValue> array(AvroCursor in, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("nested deeper than " + MAX_DEPTH);
        }
        GenericData.Array<JsonValue> array = new GenericData.Array<>(0, ARRAY);
        for (long count = in.varLong(); count != 0; count = in.varLong()) {
            int end = blockEnd(in, count);
            for (long i = Math.abs(count); i > 0; i--) {
                requireItem(in, 1);
                array.add(value(in, depth));
            }
            requireBlockEnd(in, end);
        }
        return array;
    }

    private static JsonValue value(AvroCursor in, int depth) {
        Object value = switch (in.index(VALUE_BRANCHES.size())) {
            case 0 -> null;
            case 1 -> in.bool();
            case 2 -> text(in);
            case 3 -> new JsonNumber(text(in));
            case 4 -> array(in, depth + 1);
            default -> object(in, depth + 1);
        };
        return new JsonValue(value);
    }

    /**
     * Where the block just begun with {@code count} items ends, or -1 when it does not say. A block with a negative
     * count gives its size in bytes next; Avro's checking pass skips the block by that size without reading its items,
     * so the size must be exactly what the items take ({@link #requireBlockEnd}), or the two passes would disagree.
     */
    private static int blockEnd(AvroCursor in, long count) {
        if (count > 0) {
            return -1;
        }
        if (count == Long.MIN_VALUE) {
            throw new IllegalArgumentException("block count " + count);
        }
        long size = in.varLong();
        if (size < 0 || size > in.remaining()) {
            throw new IllegalArgumentException("block size " + size + " with " + in.remaining() + " bytes left");
        }
        return in.pos() + (int) size;
    }

    private static void requireBlockEnd(AvroCursor in, int end) {
        if (end >= 0 && in.pos() != end) {
            throw new IllegalArgumentException("a block's items end at " + in.pos() + ", its size says " + end);
        }
    }

    /** Each item takes at least {@code minBytes}: a count that claims more items than bytes left is not true. */
    private static void requireItem(AvroCursor in, int minBytes) {
        if (in.remaining() < minBytes) {
            throw new IllegalArgumentException("an item with " + in.remaining() + " bytes left");
        }
    }
}
