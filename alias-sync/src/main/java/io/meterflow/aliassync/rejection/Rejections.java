package io.meterflow.aliassync.rejection;

import io.meterflow.schemas.Rejection;
import io.meterflow.topics.RejectedOriginal;
import java.time.Instant;

/**
 * Builds the {@link Rejection} records alias-sync writes to {@code customer-changes-rejected}; the refused record's
 * bytes are bounded by {@link RejectedOriginal}.
 */
public final class Rejections {

    /** Longest detail and subject (or change ID) a rejection carries, in characters. */
    static final int MAX_DETAIL = 1024;
    static final int MAX_SUBJECT = 256;

    private Rejections() {
    }

    /** Where a refused change came from, and its bytes when they are at hand. */
    public record Source(String topic, int partition, long offset, byte[] key, byte[] value) {
    }

    /** {@code text} cut to at most {@code max} characters (code points, never half a pair), marked when cut. */
    public static String shorten(String text, int max) {
        if (text == null || text.length() <= max || text.codePointCount(0, text.length()) <= max) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, max - 1)) + "\u2026";
    }

    public static Rejection of(RefusalReason reason, String detail, Source source, String changeId, String subject,
            Instant rejectedAt) {
        // Detail and subject may quote the input (an alias of any length, a key): shortened, so that a rejection is
        // the bounded original plus a few kilobytes, whatever it refuses.
        return RejectedOriginal.fill(Rejection.newBuilder(), source.key(), source.value())
                .setReason(reason.name())
                .setDetail(shorten(detail, MAX_DETAIL))
                .setSourceTopic(source.topic())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset())
                .setChangeId(shorten(changeId, MAX_SUBJECT))
                .setSubject(shorten(subject, MAX_SUBJECT))
                .setRejectedAt(rejectedAt)
                .build();
    }
}
