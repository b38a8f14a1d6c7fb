package io.meterflow.ingest.aggregate;

import io.meterflow.ingest.route.TransactionPartitioner;
import io.meterflow.schemas.UsageAggregate;
import io.meterflow.schemas.UsageAggregateKey;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Partitions usage-aggregates by customer ID, as usage-resolved is (murmur2 of its UTF-8 bytes): all of a customer's
 * aggregates are in one partition, so a consumer that reads a customer's usage reads one partition, and each key still
 * always goes to the same partition (compaction and per-key order hold).
 */
public final class ByCustomer implements StreamPartitioner<UsageAggregateKey, UsageAggregate> {

    @Override
    public Optional<Set<Integer>> partitions(String topic, UsageAggregateKey key, UsageAggregate value,
            int numPartitions) {
        return Optional.of(Set.of(TransactionPartitioner.partitionOf(key.getCustomerId(), numPartitions)));
    }
}
