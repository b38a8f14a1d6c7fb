package io.meterflow.ingest.emit;

import java.nio.charset.StandardCharsets;

/**
 * Avro binary primitives read by hand from part of an array, every length checked against what is left, for the
 * codecs that read a known layout without a decoder ({@link UsageCodec#propertiesIn}, {@link StateCodec},
 * {@link EventCodec}). A value that is not what the layout says is an {@link IllegalArgumentException} naming
 * {@code what} was expected.
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

    /** The bytes left to read. */
    int remaining() {
        return end - pos;
    }

    /** A zig-zag varint long (at most ten bytes). */
    long varLong() {
        long raw = varint(10);
        return (raw >>> 1) ^ -(raw & 1);
    }

    /**
     * A zig-zag varint int, as Avro reads one (ints, enum and union indexes): at most five bytes, and refused where
     * Avro would drop the bits beyond 32, so that whatever is read here Avro reads as the same number.
     */
    int varInt() {
        long raw = varint(5);
        if (raw > 0xFFFFFFFFL) {
            throw invalid("int out of range");
        }
        return (int) ((raw >>> 1) ^ -(raw & 1));
    }

    /** The bits of a varint of at most {@code maxBytes} bytes, before zig-zag decoding. */
    private long varint(int maxBytes) {
        long raw = 0;
        for (int shift = 0; shift < 7 * maxBytes; shift += 7) {
            if (pos >= end) {
                throw invalid("truncated varint");
            }
            byte b = bytes[pos++];
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return raw;
            }
        }
        throw invalid("varint longer than " + maxBytes + " bytes");
    }

    /** An enum symbol's or union branch's index, below {@code bound}. */
    int index(int bound) {
        int index = varInt();
        if (index < 0 || index >= bound) {
            throw invalid("index " + index + " of " + bound);
        }
        return index;
    }

    boolean bool() {
        if (pos >= end || (bytes[pos] & 0xFE) != 0) {
            throw invalid("no boolean at " + pos);
        }
        return bytes[pos++] == 1;
    }

    /** A {@code ["null", "string"]} union's value. */
    String nullableString() {
        return index(2) == 0 ? null : string();
    }

    /** A string, its bytes decoded as UTF-8 as Avro decodes them (leniently: bytes that are not UTF-8 read as U+FFFD). */
    String string() {
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
