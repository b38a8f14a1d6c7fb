package io.meterflow.topics;

import io.meterflow.schemas.Rejection;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Fills the {@code original_*} fields of a {@link Rejection} so that the rejection always fits its topic: the refused
 * record's key and value are kept byte for byte when together they fit {@code maxBytes}, otherwise only a prefix of
 * each is kept and {@code original_truncated} says so. The whole record is still identified by its coordinates, its
 * sizes and the SHA-256 of its value. A rejection that copied an oversized record whole would itself be over the
 * topic's limit and stop the app that writes it.
 */
public final class RejectedOriginal {

    /** Most bytes of a refused record's key and value a rejection carries by default. */
    public static final int DEFAULT_MAX_BYTES = 64 * 1024;
    /** Of a truncated record, the key keeps at most this many bytes; the value gets the rest of the budget. */
    static final int MAX_TRUNCATED_KEY_BYTES = 1024;

    private RejectedOriginal() {
    }

    /** Sets original key and value (whole, or prefixes when over {@code maxBytes}), their sizes and the digest. */
    public static Rejection.Builder fill(Rejection.Builder rejection, byte[] key, byte[] value, int maxBytes) {
        long total = (key == null ? 0L : key.length) + (value == null ? 0L : value.length);
        boolean truncated = total > maxBytes;
        int keyBytes = key == null ? 0 : truncated ? Math.min(key.length, Math.min(MAX_TRUNCATED_KEY_BYTES, maxBytes))
                : key.length;
        int valueBytes = value == null ? 0 : truncated ? Math.min(value.length, maxBytes - keyBytes) : value.length;
        return rejection
                .setOriginalKey(key == null ? null : ByteBuffer.wrap(prefix(key, keyBytes)))
                .setOriginalValue(value == null ? null : ByteBuffer.wrap(prefix(value, valueBytes)))
                .setOriginalTruncated(truncated)
                .setOriginalKeySize(key == null ? null : key.length)
                .setOriginalValueSize(value == null ? null : value.length)
                .setOriginalValueSha256(value == null ? null : sha256(value));
    }

    /** {@link #fill} with {@link #DEFAULT_MAX_BYTES}. */
    public static Rejection.Builder fill(Rejection.Builder rejection, byte[] key, byte[] value) {
        return fill(rejection, key, value, DEFAULT_MAX_BYTES);
    }

    private static byte[] prefix(byte[] bytes, int length) {
        return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
    }

    /** Lower-case hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
