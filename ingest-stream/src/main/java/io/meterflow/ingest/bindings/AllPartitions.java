package io.meterflow.ingest.bindings;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Multicasts every record to all partitions of the topic (Kafka Streams 3.4+, KIP-837). Used only for binding
 * changes, which are rare next to usage, so the set is simply built per record.
 */
public final class AllPartitions<K, V> implements StreamPartitioner<K, V> {

    @Override
    public Optional<Set<Integer>> partitions(String topic, K key, V value, int numPartitions) {
        return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toUnmodifiableSet()));
    }
}
