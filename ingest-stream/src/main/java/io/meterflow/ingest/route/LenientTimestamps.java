package io.meterflow.ingest.route;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Timestamps of usage-events records: the record's own (the ingest time), or for a record without a valid one the
 * partition's time so far (else the wall clock). Kafka Streams' default would stop the stream thread on such a
 * record; usage must never be held up by a producer's clock.
 */
public final class LenientTimestamps implements TimestampExtractor {

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.timestamp() >= 0) {
            return record.timestamp();
        }
        return partitionTime >= 0 ? partitionTime : System.currentTimeMillis();
    }
}
