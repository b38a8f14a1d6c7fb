package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.kafka.junit.KafkaCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** A read_committed reader of every partition of an output topic, keeping all records and the compacted view. */
final class CommittedOutput<V> implements AutoCloseable {

    private final KafkaConsumer<String, V> consumer;
    private final Duration wait;
    private final List<V> records = new ArrayList<>();
    private final Map<String, V> latest = new LinkedHashMap<>();

    CommittedOutput(KafkaCluster kafka, String topic, int partitions, Deserializer<V> values, Duration wait) {
        this.wait = wait;
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), values);
        List<TopicPartition> assigned = IntStream.range(0, partitions)
                .mapToObj(p -> new TopicPartition(topic, p)).toList();
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
    }

    private void poll() {
        for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(100))) {
            records.add(record.value());
            if (record.value() == null) {
                latest.remove(record.key());
            } else {
                latest.put(record.key(), record.value());
            }
        }
    }

    /** The compacted view once {@code condition} holds for it (fails the test after the wait). */
    Map<String, V> await(Predicate<Map<String, V>> condition) {
        long deadline = System.nanoTime() + wait.toNanos();
        poll();
        while (!condition.test(latest) && System.nanoTime() < deadline) {
            poll();
        }
        assertThat(condition.test(latest)).as("condition on %s within %s; keys %s", consumer.assignment(), wait,
                latest.keySet()).isTrue();
        return Map.copyOf(latest);
    }

    /** Every record read, once {@code condition} holds for them (fails the test after the wait). */
    List<V> awaitRecords(Predicate<List<V>> condition) {
        long deadline = System.nanoTime() + wait.toNanos();
        poll();
        while (!condition.test(records) && System.nanoTime() < deadline) {
            poll();
        }
        assertThat(condition.test(records)).as("records within %s; saw %d", wait, records.size()).isTrue();
        return List.copyOf(records);
    }

    Map<String, V> latest() {
        poll();
        return Map.copyOf(latest);
    }

    List<V> records() {
        return List.copyOf(records);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
