package io.meterflow.serde;

import java.nio.ByteBuffer;

/** Avro's {@code bytes} fields as arrays (generated classes hold them as {@link ByteBuffer}s). */
public final class ByteBuffers {

    private ByteBuffers() {
    }

    /** The remaining bytes of {@code buffer}, copied; the buffer's position is left as it was. */
    public static byte[] copyOf(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }
}
