package io.meterflow.ingest.validate;

import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.EncodedSize;
import java.nio.charset.StandardCharsets;

/**
 * The size {@code validation.max.event.bytes} limits, for an event that is not on Kafka yet: the usage-events record
 * the ingest API would publish, i.e. the key (the transaction ID in UTF-8) plus the Confluent-framed Avro value. It
 * is what ingest-stream measures on the record it reads (key plus value bytes), so both edges judge an event alike.
 * The value is encoded into a counter, not a buffer, and needs no schema registry (the frame header has a fixed size).
 */
public final class UsageRecordSize {

    private UsageRecordSize() {
    }

    /** Key plus framed value bytes of the usage-events record of {@code event}, keyed by its transaction ID. */
    public static long of(UsageEvent event) {
        String key = event.getTransactionId();
        long keyBytes = key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length;
        return keyBytes + EncodedSize.framed(event);
    }
}
