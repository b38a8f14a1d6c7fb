package io.meterflow.benchmark;

import io.meterflow.topics.Topic;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/** The benchmark's own clients: a fast loader, a low-latency producer, read_committed consumers. */
final class Kafka {

    private final String bootstrapServers;

    Kafka(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Idempotent, acks=all, batched: the producer the input is loaded with before a topology starts. */
    KafkaProducer<byte[], byte[]> loader() {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** acks=all, idempotent, no lingering: the producer of the paced latency run and of customer changes. */
    KafkaProducer<byte[], byte[]> prompt() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 1), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * acks=all without idempotence, one request in flight: for the naive join's bindings, written to a compacted
     * topic right after it is created (an idempotent producer was seen to stall there on OUT_OF_ORDER_SEQUENCE_NUMBER
     * retries; a repeated binding is harmless in a compacted table).
     */
    KafkaProducer<byte[], byte[]> plain() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A read_committed consumer assigned to every partition of {@code topics} from the beginning. */
    KafkaConsumer<byte[], byte[]> committedReader(List<String> topics) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = topics.stream()
                .flatMap(t -> consumer.partitionsFor(t).stream().map(p -> new TopicPartition(t, p.partition())))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /**
     * Sends {@code count} values keyed as {@code key} says, printing progress, and waits for every acknowledgement.
     *
     * @return the load rate in records per second
     */
    static <V> double load(KafkaProducer<byte[], byte[]> producer, Topic<String, V> topic, long count,
                           LongFunction<String> key, LongFunction<V> value, String label, PrintStream progress) {
        Serializer<V> serializer = topic.valueSerde().serializer();
        long started = System.nanoTime();
        long lastPrint = started;
        for (long i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>(topic.name(), key.apply(i).getBytes(StandardCharsets.UTF_8),
                    serializer.serialize(topic.name(), value.apply(i))));
            long now = System.nanoTime();
            if (now - lastPrint > TimeUnit.SECONDS.toNanos(1)) {
                lastPrint = now;
                progress.printf("\r  loading %s: %,d / %,d (%d%%)   ", label, i + 1, count, (i + 1) * 100 / count);
                progress.flush();
            }
        }
        producer.flush();
        double seconds = (System.nanoTime() - started) / 1e9;
        progress.printf("\r  loaded %s: %,d records in %.1f s (%,.0f/s)        %n", label, count, seconds,
                count / seconds);
        return count / seconds;
    }
}
