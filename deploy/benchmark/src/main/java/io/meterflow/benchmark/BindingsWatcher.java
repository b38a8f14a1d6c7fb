package io.meterflow.benchmark;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;

/** Reads alias-bindings (read_committed) and keeps the latest binding of each identifier. */
final class BindingsWatcher implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Deserializer<AliasBinding> reader;
    private final Map<String, AliasBinding> latest = new HashMap<>();

    BindingsWatcher(Kafka kafka, Topics topics) {
        consumer = kafka.committedReader(List.of(topics.aliasBindings().name()));
        reader = topics.aliasBindings().valueSerde().deserializer();
    }

    long bound() {
        return latest.values().stream().filter(b -> b != null).count();
    }

    AliasBinding get(String identifier) {
        return latest.get(identifier);
    }

    boolean seen(String identifier) {
        return latest.containsKey(identifier);
    }

    void await(java.util.function.Predicate<BindingsWatcher> condition, String what) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!condition.test(this)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                latest.put(new String(record.key(), StandardCharsets.UTF_8),
                        record.value() == null ? null : reader.deserialize(record.topic(), record.value()));
            }
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
