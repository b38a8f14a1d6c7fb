package io.meterflow.ingest.validate;

/** Why ingest-stream refused a usage record: the {@code reason} of each record on usage-rejected. */
public enum RejectionReason {
    /** The value is not a readable UsageEvent: not Confluent-framed Avro, unknown schema, wrong record type, null. */
    MALFORMED,
    /** A required field is absent: {@code transaction_id}, {@code customer_id}, {@code event_type}, {@code timestamp}. */
    MISSING_FIELD,
    /** {@code transaction_id}, {@code customer_id} or {@code event_type} is the empty string. */
    EMPTY_FIELD,
    /** {@code transaction_id} is longer than 128 characters. */
    TRANSACTION_ID_TOO_LONG,
    /** {@code customer_id} is longer than 128 characters, so no customer ID or alias can ever match it. */
    CUSTOMER_ID_TOO_LONG,
    /** {@code timestamp} is not RFC 3339 with a 4-digit year. */
    INVALID_TIMESTAMP,
    /** {@code timestamp} is more than the allowed skew (24 h by default) ahead of the stream's clock. */
    TIMESTAMP_TOO_FAR_IN_FUTURE,
    /** {@code timestamp} is more than the maximum age (34 days by default) behind the stream's clock. */
    TIMESTAMP_TOO_OLD
}
