package io.meterflow.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Finds a string in an Avro-encoded record whose bytes are not valid UTF-8. Avro's reader decodes such bytes with
 * replacement characters (U+FFFD), so two different byte strings become one Java string: an identifier or a map key
 * sent that way would collide with another, and the record written back would not hold the bytes that were sent.
 * A reader that must not let that happen walks the record's encoding here, with the schema it was written with.
 *
 * <p>The walk follows Avro's binary encoding as its own {@code skip} does and allocates nothing for values that are
 * fine; a problem is reported with the path of the string ({@code payload.ingest_aliases[3]},
 * {@code payload.custom_fields["k"]}, or {@code ... (a key)} for a map key).
 */
public final class StrictUtf8 {

    private StrictUtf8() {
    }

    /**
     * The path of the first string in {@code framed} (a Confluent-framed record) that is not valid UTF-8, or empty if
     * every string is. {@code writer} must be the schema the record was written with; the record is assumed to have
     * been read successfully with it already (a truncated record is reported as a problem, not thrown).
     */
    public static Optional<String> invalidString(Schema writer, byte[] framed) {
        BinaryDecoder in = DecoderFactory.get().binaryDecoder(framed, WireFormat.HEADER_SIZE,
                framed.length - WireFormat.HEADER_SIZE, null);
        try {
            String path = walk(writer, in, new ByteBuffer[1]);
            if (path == null) {
                return Optional.empty();
            }
            return Optional.of(path.isEmpty() ? "the value" : path.startsWith(".") ? path.substring(1) : path);
        } catch (IOException | RuntimeException e) {
            return Optional.of("the record (it could not be walked: " + e.getMessage() + ")");
        } catch (StackOverflowError e) {
            // A recursive schema (JsonValue) nested deeper than the stack: refuse rather than guess.
            return Optional.of("the record (it is nested too deeply to check)");
        }
    }

    /** Walks one value; null if every string in it is valid, else the path below this value to the first bad one. */
    private static String walk(Schema schema, BinaryDecoder in, ByteBuffer[] buffer) throws IOException {
        switch (schema.getType()) {
            case NULL -> {
                return null;
            }
            case BOOLEAN -> in.readBoolean();
            case INT -> in.readInt();
            case LONG -> in.readLong();
            case FLOAT -> in.readFloat();
            case DOUBLE -> in.readDouble();
            case ENUM -> in.readEnum();
            case FIXED -> in.skipFixed(schema.getFixedSize());
            case BYTES -> in.skipBytes();
            case STRING -> {
                buffer[0] = in.readBytes(buffer[0]);
                return isValid(buffer[0]) ? null : "";
            }
            case RECORD -> {
                for (Schema.Field field : schema.getFields()) {
                    String bad = walk(field.schema(), in, buffer);
                    if (bad != null) {
                        return "." + field.name() + bad;
                    }
                }
            }
            case ARRAY -> {
                long index = 0;
                for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
                    for (long i = 0; i < n; i++, index++) {
                        String bad = walk(schema.getElementType(), in, buffer);
                        if (bad != null) {
                            return "[" + index + "]" + bad;
                        }
                    }
                }
            }
            case MAP -> {
                for (long n = in.readMapStart(); n != 0; n = in.mapNext()) {
                    for (long i = 0; i < n; i++) {
                        ByteBuffer key = in.readBytes(null);
                        if (!isValid(key)) {
                            return "[\"" + abbreviate(key) + "\"] (a key)";
                        }
                        String bad = walk(schema.getValueType(), in, buffer);
                        if (bad != null) {
                            return "[\"" + abbreviate(key) + "\"]" + bad;
                        }
                    }
                }
            }
            case UNION -> {
                return walk(schema.getTypes().get(in.readIndex()), in, buffer);
            }
            default -> throw new IllegalStateException("unknown Avro type " + schema.getType());
        }
        return null;
    }

    private static String abbreviate(ByteBuffer bytes) {
        String text = StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    /** Whether the bytes are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
    static boolean isValid(ByteBuffer buffer) {
        byte[] b = buffer.array();
        int i = buffer.arrayOffset() + buffer.position();
        int end = buffer.arrayOffset() + buffer.limit();
        while (i < end) {
            int lead = b[i] & 0xff;
            if (lead < 0x80) {
                i++;
                continue;
            }
            int continuation;
            int min = 0x80;
            int max = 0xbf;
            if (lead >= 0xc2 && lead <= 0xdf) {
                continuation = 1;
            } else if (lead >= 0xe0 && lead <= 0xef) {
                continuation = 2;
                if (lead == 0xe0) {
                    min = 0xa0;
                } else if (lead == 0xed) {
                    max = 0x9f;
                }
            } else if (lead >= 0xf0 && lead <= 0xf4) {
                continuation = 3;
                if (lead == 0xf0) {
                    min = 0x90;
                } else if (lead == 0xf4) {
                    max = 0x8f;
                }
            } else {
                return false;
            }
            if (end - i <= continuation) {
                return false;
            }
            int second = b[i + 1] & 0xff;
            if (second < min || second > max) {
                return false;
            }
            for (int k = 2; k <= continuation; k++) {
                int next = b[i + k] & 0xff;
                if (next < 0x80 || next > 0xbf) {
                    return false;
                }
            }
            i += continuation + 1;
        }
        return true;
    }
}
