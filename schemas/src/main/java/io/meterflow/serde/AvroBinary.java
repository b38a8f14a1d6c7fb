package io.meterflow.serde;

import java.util.Arrays;
import java.util.Objects;

/**
 * Avro binary encoding of one value, as a slice of an array (typically of the record it was read from). Lets a
 * serializer copy a value it already has in encoded form instead of encoding the object again; see
 * {@link SpecificAvroSerializer#serialize(String, org.apache.avro.specific.SpecificRecord, int, AvroBinary)}.
 * The array is shared, not copied: neither side may change it.
 */
public record AvroBinary(byte[] bytes, int offset, int length) {

    public AvroBinary {
        Objects.requireNonNull(bytes, "bytes");
        Objects.checkFromIndexSize(offset, length, bytes.length);
    }

    /** The payload of a Confluent-framed record: everything after the magic byte and schema ID. */
    public static AvroBinary payloadOf(byte[] framed) {
        return new AvroBinary(framed, WireFormat.HEADER_SIZE, framed.length - WireFormat.HEADER_SIZE);
    }

    public AvroBinary slice(int from, int to) {
        Objects.checkFromToIndex(from, to, length);
        return new AvroBinary(bytes, offset + from, to - from);
    }

    public byte[] toByteArray() {
        return Arrays.copyOfRange(bytes, offset, offset + length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AvroBinary other && Arrays.equals(bytes, offset, offset + length,
                other.bytes, other.offset, other.offset + other.length);
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + bytes[i];
        }
        return h;
    }

    @Override
    public String toString() {
        return "AvroBinary[" + length + " bytes]";
    }
}
