package io.meterflow.ingest.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;

/**
 * Keys of the {@code pending-by-time} index: the time the event was accepted (8 bytes, big-endian, so byte order is
 * time order) then its transaction ID. The first key is the oldest parked event; expiry reads from the front and
 * stops at the first key younger than the pending horizon.
 */
public final class PendingTimeKey {

    private PendingTimeKey() {
    }

    public static Bytes of(long acceptedAt, String transactionId) {
        byte[] txn = transactionId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + txn.length).putLong(acceptedAt).put(txn).array());
    }

    public static long acceptedAt(Bytes key) {
        return ByteBuffer.wrap(key.get()).getLong();
    }

    public static String transactionId(Bytes key) {
        byte[] k = key.get();
        return new String(k, 8, k.length - 8, StandardCharsets.UTF_8);
    }
}
