package io.meterflow.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Confluent's wire format: a zero magic byte, the writer schema's ID as a 4-byte big-endian int, then the Avro
 * binary encoding of the datum.
 */
public final class WireFormat {

    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** The schema ID in a framed payload; throws {@link SerializationException} on anything else. */
    public static int schemaId(byte[] payload) {
        if (payload.length < HEADER_SIZE) {
            throw new SerializationException("Not Confluent-framed Avro: " + payload.length + " bytes, need at least " + HEADER_SIZE);
        }
        if (payload[0] != MAGIC_BYTE) {
            throw new SerializationException("Not Confluent-framed Avro: magic byte is " + payload[0] + ", expected 0");
        }
        return ByteBuffer.wrap(payload, 1, 4).getInt();
    }
}
