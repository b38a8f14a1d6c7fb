package io.meterflow.ingest.emit;

import java.nio.charset.StandardCharsets;

/**
 * Avro binary primitives read by hand from part of an array, every length checked against what is left, for the
 * codecs that read a known layout without a decoder ({@link UsageCodec#propertiesIn}, {@link StateCodec}). A value
 * that is not what the layout says is an {@link IllegalArgumentException} naming {@code what} was expected.
 */
final class AvroCursor {

    private final byte[] bytes;
    private final int end;
    private final String what;
    private int pos;

    AvroCursor(byte[] bytes, int pos, int end, String what) {
        this.bytes = bytes;
        this.pos = pos;
        this.end = end;
        this.what = what;
    }

    int pos() {
        return pos;
    }

    void moveTo(int pos) {
        this.pos = pos;
    }

    /** A zig-zag varint long. */
    long varLong() {
        long raw = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw invalid("truncated varint");
            }
            byte b = bytes[pos++];
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw invalid("varint too long");
    }

    int varInt() {
        long value = varLong();
        if (value != (int) value) {
            throw invalid("int " + value);
        }
        return (int) value;
    }

    /** An enum symbol's or union branch's index, below {@code bound}. */
    int index(int bound) {
        long index = varLong();
        if (index < 0 || index >= bound) {
            throw invalid("index " + index + " of " + bound);
        }
        return (int) index;
    }

    boolean bool() {
        if (pos >= end || (bytes[pos] & 0xFE) != 0) {
            throw invalid("no boolean at " + pos);
        }
        return bytes[pos++] == 1;
    }

    /** A {@code ["null", "string"]} union's value. */
    String nullableString() {
        if (index(2) == 0) {
            return null;
        }
        int length = stringLength();
        String text = new String(bytes, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return text;
    }

    /** Skips a {@code ["null", "string"]} union's value. */
    void skipNullableString() {
        if (index(2) == 1) {
            int length = stringLength(); // read first: it moves pos past the length
            pos += length;
        }
    }

    private int stringLength() {
        long length = varLong();
        if (length < 0 || length > end - pos) {
            throw invalid("string length " + length);
        }
        return (int) length;
    }

    private IllegalArgumentException invalid(String detail) {
        return new IllegalArgumentException("Not " + what + ": " + detail);
    }
}
