package io.meterflow.ingest.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;

/**
 * Keys of the {@code usage-by-identifier} index: a 2-byte length, the identifier's UTF-8 bytes, then the transaction
 * ID's UTF-8 bytes. The length prefix makes all entries of one identifier a contiguous key range that no other
 * identifier's entries fall into ({@code "ab"} never matches {@code "abc"}), so a replay reads exactly its entries,
 * in bounded chunks, resuming after the last key it processed.
 */
public final class IdentifierKey {

    private IdentifierKey() {
    }

    public static Bytes of(String identifier, String transactionId) {
        byte[] id = identifier.getBytes(StandardCharsets.UTF_8);
        byte[] txn = transactionId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(2 + id.length + txn.length)
                .putShort((short) id.length).put(id).put(txn).array());
    }

    /** The smallest key of {@code identifier}'s range. */
    public static Bytes first(String identifier) {
        byte[] id = identifier.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(2 + id.length).putShort((short) id.length).put(id).array());
    }

    /**
     * A key above every key of {@code identifier}'s range (inclusive bounds are fine: UTF-8 never contains 0xFF, so no
     * transaction ID starts with it).
     */
    public static Bytes last(String identifier) {
        byte[] prefix = first(identifier).get();
        byte[] key = Arrays.copyOf(prefix, prefix.length + 1);
        key[prefix.length] = (byte) 0xFF;
        return Bytes.wrap(key);
    }

    /** The smallest key greater than {@code key}. */
    public static Bytes successor(byte[] key) {
        return Bytes.wrap(Arrays.copyOf(key, key.length + 1));
    }

    public static String transactionId(Bytes key) {
        byte[] k = key.get();
        int idLength = ((k[0] & 0xFF) << 8) | (k[1] & 0xFF);
        return new String(k, 2 + idLength, k.length - 2 - idLength, StandardCharsets.UTF_8);
    }

    public static String identifier(Bytes key) {
        byte[] k = key.get();
        int idLength = ((k[0] & 0xFF) << 8) | (k[1] & 0xFF);
        return new String(k, 2, idLength, StandardCharsets.UTF_8);
    }
}
