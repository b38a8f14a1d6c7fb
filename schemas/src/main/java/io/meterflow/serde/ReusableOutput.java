package io.meterflow.serde;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte buffer for one thread's serializations: unlike {@link java.io.ByteArrayOutputStream} it takes no
 * lock per byte (Avro's encoders write varints a byte at a time) and is reset and reused instead of allocated per
 * record. Not thread-safe; serializers keep one per thread.
 */
final class ReusableOutput extends OutputStream {

    /** A buffer grown past this (one huge record) is not kept for the next record. */
    private static final int RETAINED_LIMIT = 1 << 20;
    private static final int INITIAL_SIZE = 1024;

    private byte[] bytes = new byte[INITIAL_SIZE];
    private int size;

    void reset() {
        if (bytes.length > RETAINED_LIMIT) {
            bytes = new byte[INITIAL_SIZE];
        }
        size = 0;
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, bytes, size, len);
        size += len;
    }

    void writeIntBigEndian(int value) {
        ensure(4);
        bytes[size++] = (byte) (value >>> 24);
        bytes[size++] = (byte) (value >>> 16);
        bytes[size++] = (byte) (value >>> 8);
        bytes[size++] = (byte) value;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
