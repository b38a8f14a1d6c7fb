package io.meterflow.ingest.validate;

/**
 * Why a usage event was refused: the {@code reason} of each record on usage-rejected, and the code the ingest API
 * names for each bad event. The same rules apply whether an event arrives over HTTP or on Kafka
 * ({@link UsageValidator}); docs/ingest-stream.md lists them in the order they are checked.
 */
public enum RejectionReason {
    /**
     * The record (key and value) is larger than {@code validation.max.event.bytes}. On Kafka this is decided on the
     * raw sizes, before the record is read; over HTTP on the record the event would become.
     */
    TOO_LARGE,
    /** The value is not a readable UsageEvent: not Confluent-framed Avro, unknown schema, wrong record type, null. */
    MALFORMED,
    /** A required field is absent: {@code transaction_id}, {@code customer_id}, {@code event_type}, {@code timestamp}. */
    MISSING_FIELD,
    /** {@code transaction_id}, {@code customer_id} or {@code event_type} is the empty string. */
    EMPTY_FIELD,
    /**
     * A string (a field, a property name or a string value) is not valid Unicode: bytes that are not UTF-8 on Kafka,
     * a lone surrogate ({@code "\ud800"}) in JSON. Either would otherwise be replaced on the way and could make two
     * different IDs equal.
     */
    INVALID_STRING,
    /** {@code transaction_id} is longer than 128 characters. */
    TRANSACTION_ID_TOO_LONG,
    /** {@code customer_id} is longer than 128 characters, so no customer ID or alias can ever match it. */
    CUSTOMER_ID_TOO_LONG,
    /** {@code timestamp} is not RFC 3339 with a 4-digit year. */
    INVALID_TIMESTAMP,
    /** {@code timestamp} is more than the allowed skew (24 h by default) ahead of the stream's clock. */
    TIMESTAMP_TOO_FAR_IN_FUTURE,
    /** {@code timestamp} is more than the maximum age (34 days by default) behind the stream's clock. */
    TIMESTAMP_TOO_OLD,
    /** {@code properties} nest objects and arrays deeper than {@link UsageValidator#MAX_PROPERTIES_DEPTH} levels. */
    NESTED_TOO_DEEP,
    /**
     * A number in {@code properties} is not a JSON number literal (a producer writing Avro directly can put any text
     * in a JsonNumber; written out as JSON it would corrupt, or inject into, the output).
     */
    INVALID_NUMBER
}
