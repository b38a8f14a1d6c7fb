package io.meterflow.ingest.validate;

import io.meterflow.schemas.UsageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules a usage event must meet to be accepted (SPEC §3 and §5). Time rules are checked against the stream's
 * wall clock, passed in by the caller, so tests control it.
 */
public final class UsageValidator {

    /** Longest {@code transaction_id} and {@code customer_id}, in characters. */
    public static final int MAX_ID_LENGTH = 128;

    private final long maxAgeMs;
    private final long maxFutureSkewMs;

    public UsageValidator(long maxAgeMs, long maxFutureSkewMs) {
        this.maxAgeMs = maxAgeMs;
        this.maxFutureSkewMs = maxFutureSkewMs;
    }

    /** Whether {@code transactionId} can key the state stores: present, non-empty, within the length limit. */
    public static boolean isUsableTransactionId(String transactionId) {
        return transactionId != null && !transactionId.isEmpty() && !tooLong(transactionId);
    }

    /** The first rule {@code event} breaks, or null when it is acceptable at {@code nowMs}. */
    public Violation violation(UsageEvent event, long nowMs) {
        List<String> missing = null;
        if (event.getTransactionId() == null) {
            missing = add(missing, "transaction_id");
        }
        if (event.getCustomerId() == null) {
            missing = add(missing, "customer_id");
        }
        if (event.getEventType() == null) {
            missing = add(missing, "event_type");
        }
        if (event.getTimestamp() == null) {
            missing = add(missing, "timestamp");
        }
        if (missing != null) {
            return new Violation(RejectionReason.MISSING_FIELD, "required field" + (missing.size() > 1 ? "s " : " ")
                    + String.join(", ", missing) + (missing.size() > 1 ? " are" : " is") + " missing");
        }
        List<String> empty = null;
        if (event.getTransactionId().isEmpty()) {
            empty = add(empty, "transaction_id");
        }
        if (event.getCustomerId().isEmpty()) {
            empty = add(empty, "customer_id");
        }
        if (event.getEventType().isEmpty()) {
            empty = add(empty, "event_type");
        }
        if (empty != null) {
            return new Violation(RejectionReason.EMPTY_FIELD, String.join(", ", empty)
                    + (empty.size() > 1 ? " are" : " is") + " empty");
        }
        if (tooLong(event.getTransactionId())) {
            return new Violation(RejectionReason.TRANSACTION_ID_TOO_LONG, "transaction_id has "
                    + length(event.getTransactionId()) + " characters; at most " + MAX_ID_LENGTH + " are allowed");
        }
        if (tooLong(event.getCustomerId())) {
            return new Violation(RejectionReason.CUSTOMER_ID_TOO_LONG, "customer_id has "
                    + length(event.getCustomerId()) + " characters; no customer ID or ingest alias is longer than "
                    + MAX_ID_LENGTH);
        }
        String timestamp = event.getTimestamp();
        long eventTime = Rfc3339.parseEpochMillis(timestamp);
        if (eventTime == Rfc3339.INVALID) {
            return new Violation(RejectionReason.INVALID_TIMESTAMP, "timestamp '" + abbreviate(timestamp)
                    + "' is not an RFC 3339 date-time with a 4-digit year, e.g. 2026-11-22T10:15:30Z");
        }
        if (eventTime > nowMs + maxFutureSkewMs) {
            return new Violation(RejectionReason.TIMESTAMP_TOO_FAR_IN_FUTURE, "timestamp " + timestamp + " is "
                    + human(eventTime - nowMs) + " in the future; at most " + human(maxFutureSkewMs) + " is allowed");
        }
        if (eventTime < nowMs - maxAgeMs) {
            return new Violation(RejectionReason.TIMESTAMP_TOO_OLD, "timestamp " + timestamp + " is "
                    + human(nowMs - eventTime) + " old; at most " + human(maxAgeMs) + " is allowed");
        }
        return null;
    }

    private static List<String> add(List<String> list, String field) {
        List<String> out = list == null ? new ArrayList<>(4) : list;
        out.add(field);
        return out;
    }

    private static boolean tooLong(String s) {
        // length() counts UTF-16 units, an upper bound of the character count: only long strings need the exact count.
        return s.length() > MAX_ID_LENGTH && length(s) > MAX_ID_LENGTH;
    }

    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }

    private static String human(long ms) {
        return Duration.ofMillis(ms).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()
                .substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
