package io.meterflow.ingest.validate;

import io.meterflow.json.JsonValues;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The rules a usage event must meet to be accepted (SPEC §3 and §5), the same for both edges: the ingest API checks
 * each event of a request with them, and ingest-stream each record of usage-events. Time rules are checked against
 * the caller's clock (the stream's wall clock), so tests control it.
 *
 * <p>Order, first broken rule reported: {@link RejectionReason#TOO_LARGE} ({@link #sizeViolation}, before anything
 * is read), the readability of the record (the caller's), then {@link #violation}: missing and empty fields, strings
 * that are not Unicode text, ID lengths, the timestamp, and the properties (nesting, numbers, strings; the first
 * problem in the properties' order).
 */
public final class UsageValidator {

    /** Longest {@code transaction_id} and {@code customer_id}, in characters. */
    public static final int MAX_ID_LENGTH = 128;
    /**
     * Deepest nesting of objects and arrays in {@code properties}, the properties object itself being level 1 (so a
     * property whose value is an object is level 2). The same limit as JSON parsing of properties elsewhere.
     */
    public static final int MAX_PROPERTIES_DEPTH = JsonValues.MAX_DEPTH;
    /** Default of {@code validation.max.event.bytes}. */
    public static final int DEFAULT_MAX_EVENT_BYTES = 256 * 1024;

    private static final int QUOTE_LENGTH = 64;

    private final long maxAgeMs;
    private final long maxFutureSkewMs;
    private final int maxEventBytes;

    /** With the default event size limit ({@value #DEFAULT_MAX_EVENT_BYTES} bytes). */
    public UsageValidator(long maxAgeMs, long maxFutureSkewMs) {
        this(maxAgeMs, maxFutureSkewMs, DEFAULT_MAX_EVENT_BYTES);
    }

    /**
     * @param maxEventBytes largest usage-events record accepted: key and value bytes as they sit on the topic
     */
    public UsageValidator(long maxAgeMs, long maxFutureSkewMs, int maxEventBytes) {
        this.maxAgeMs = maxAgeMs;
        this.maxFutureSkewMs = maxFutureSkewMs;
        this.maxEventBytes = maxEventBytes;
    }

    public int maxEventBytes() {
        return maxEventBytes;
    }

    /** Whether {@code transactionId} can key the state stores: present, non-empty, within the length limit. */
    public static boolean isUsableTransactionId(String transactionId) {
        return transactionId != null && !transactionId.isEmpty() && !tooLong(transactionId);
    }

    /**
     * Whether {@code id} (a transaction ID, customer ID or identifier) has at most {@value #MAX_ID_LENGTH}
     * characters, i.e. at most 512 bytes in UTF-8.
     */
    public static boolean fitsIdLength(String id) {
        return !tooLong(id);
    }

    /**
     * {@link RejectionReason#TOO_LARGE} when a usage-events record of {@code recordBytes} (key plus value, as it sits
     * or would sit on the topic) is over the limit, else null. Cheap: decided on sizes alone.
     */
    public Violation sizeViolation(long recordBytes) {
        if (recordBytes <= maxEventBytes) {
            return null;
        }
        return new Violation(RejectionReason.TOO_LARGE, "the event is " + recordBytes
                + " bytes as a usage-events record (key and value); at most " + maxEventBytes
                + " bytes are allowed (validation.max.event.bytes)");
    }

    /** The first field or property rule {@code event} breaks, or null when it is acceptable at {@code nowMs}. */
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
        Violation invalidString = invalidString("transaction_id", event.getTransactionId());
        if (invalidString == null) {
            invalidString = invalidString("customer_id", event.getCustomerId());
        }
        if (invalidString == null) {
            invalidString = invalidString("event_type", event.getEventType());
        }
        if (invalidString == null) {
            invalidString = invalidString("timestamp", event.getTimestamp());
        }
        if (invalidString != null) {
            return invalidString;
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
            return new Violation(RejectionReason.INVALID_TIMESTAMP, "timestamp '" + quote(timestamp)
                    + "' is not an RFC 3339 date-time with a 4-digit year, e.g. 2026-11-22T10:15:30Z");
        }
        if (eventTime > nowMs + maxFutureSkewMs) {
            return new Violation(RejectionReason.TIMESTAMP_TOO_FAR_IN_FUTURE, "timestamp " + quote(timestamp) + " is "
                    + human(eventTime - nowMs) + " in the future; at most " + human(maxFutureSkewMs) + " is allowed");
        }
        if (eventTime < nowMs - maxAgeMs) {
            return new Violation(RejectionReason.TIMESTAMP_TOO_OLD, "timestamp " + quote(timestamp) + " is "
                    + human(nowMs - eventTime) + " old; at most " + human(maxAgeMs) + " is allowed");
        }
        Map<String, JsonValue> properties = event.getProperties();
        if (properties != null && !properties.isEmpty() && problemIn(properties, 1) != null) {
            return describeProblemIn(properties, 1, "properties");
        }
        return null;
    }

    private static Violation invalidString(String field, String value) {
        int at = UnicodeText.loneSurrogate(value);
        return at < 0 ? null : new Violation(RejectionReason.INVALID_STRING, field + loneSurrogate(value, at));
    }

    private static String loneSurrogate(String value, int at) {
        return " has a lone surrogate (U+" + Integer.toHexString(value.charAt(at)).toUpperCase(java.util.Locale.ROOT)
                + " at index " + at + "); strings must be valid Unicode text";
    }

    // ---- properties ------------------------------------------------------------------------------------------------
    // Checked in two passes: the first (on every event) only says whether and why the properties break a rule,
    // without building any text; the second, only for a broken rule, finds the same problem again with its path.

    /** The first problem in an object at {@code level} (its own level; the properties object is 1), or null. */
    private static RejectionReason problemIn(Map<?, ?> fields, int level) {
        for (Map.Entry<?, ?> field : fields.entrySet()) {
            if (!(field.getKey() instanceof CharSequence name) || UnicodeText.loneSurrogate(name.toString()) >= 0) {
                return RejectionReason.INVALID_STRING;
            }
            RejectionReason problem = problem(field.getValue(), level);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** The first problem in a value held by a container at {@code level}, or null. */
    private static RejectionReason problem(Object held, int level) {
        Object value = held instanceof JsonValue json ? json.getValue() : held;
        if (value == null || value instanceof Boolean) {
            return null;
        }
        if (value instanceof CharSequence text) {
            return UnicodeText.loneSurrogate(text.toString()) < 0 ? null : RejectionReason.INVALID_STRING;
        }
        if (value instanceof JsonNumber number) {
            return JsonValues.isJsonNumber(number.getText()) ? null : RejectionReason.INVALID_NUMBER;
        }
        if (value instanceof List<?> || value instanceof Map<?, ?>) {
            if (level + 1 > MAX_PROPERTIES_DEPTH) {
                return RejectionReason.NESTED_TOO_DEEP;
            }
            if (value instanceof Map<?, ?> map) {
                return problemIn(map, level + 1);
            }
            for (Object item : (List<?>) value) {
                RejectionReason problem = problem(item, level + 1);
                if (problem != null) {
                    return problem;
                }
            }
            return null;
        }
        // Not a JSON value at all: only a record built in code (not read from Avro or JSON) can hold one.
        return RejectionReason.MALFORMED;
    }

    private static Violation describeProblemIn(Map<?, ?> fields, int level, String path) {
        for (Map.Entry<?, ?> field : fields.entrySet()) {
            String name = field.getKey() instanceof CharSequence text ? text.toString() : null;
            String fieldPath = path + "." + (name == null ? "?" : quote(name));
            if (name == null) {
                return new Violation(RejectionReason.INVALID_STRING, "a property name at " + path + " is not a string");
            }
            int at = UnicodeText.loneSurrogate(name);
            if (at >= 0) {
                return new Violation(RejectionReason.INVALID_STRING, "the property name " + fieldPath
                        + loneSurrogate(name, at));
            }
            Violation violation = describeProblem(field.getValue(), level, fieldPath);
            if (violation != null) {
                return violation;
            }
        }
        return null;
    }

    private static Violation describeProblem(Object held, int level, String path) {
        Object value = held instanceof JsonValue json ? json.getValue() : held;
        if (value == null || value instanceof Boolean) {
            return null;
        }
        if (value instanceof CharSequence chars) {
            String text = chars.toString();
            int at = UnicodeText.loneSurrogate(text);
            return at < 0 ? null : new Violation(RejectionReason.INVALID_STRING, path + loneSurrogate(text, at));
        }
        if (value instanceof JsonNumber number) {
            return JsonValues.isJsonNumber(number.getText()) ? null : new Violation(RejectionReason.INVALID_NUMBER,
                    path + " is a number whose text is not a JSON number literal: '" + quote(number.getText()) + "'");
        }
        if (value instanceof List<?> || value instanceof Map<?, ?>) {
            if (level + 1 > MAX_PROPERTIES_DEPTH) {
                return new Violation(RejectionReason.NESTED_TOO_DEEP, path + " nests objects and arrays deeper than "
                        + MAX_PROPERTIES_DEPTH + " levels (the properties object is level 1)");
            }
            if (value instanceof Map<?, ?> map) {
                return describeProblemIn(map, level + 1, path);
            }
            List<?> items = (List<?>) value;
            for (int i = 0; i < items.size(); i++) {
                Violation violation = describeProblem(items.get(i), level + 1, path + "[" + i + "]");
                if (violation != null) {
                    return violation;
                }
            }
            return null;
        }
        return new Violation(RejectionReason.MALFORMED, path + " is not a JSON value: "
                + value.getClass().getName());
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

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

    /** What a detail may quote of a value the producer sent. */
    private static String quote(String s) {
        return UnicodeText.printable(s, QUOTE_LENGTH);
    }

    private static String human(long ms) {
        return Duration.ofMillis(ms).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()
                .substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
