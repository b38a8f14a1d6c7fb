package io.meterflow.kafka.embedded;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients for the broker tests; every wait is bounded so a broken broker fails a test, not hangs it. */
final class KafkaTestClients {

    static final Duration WAIT = Duration.ofSeconds(30);

    private KafkaTestClients() {
    }

    static Admin admin(String bootstrapServers) {
        return Admin.create(Map.of("bootstrap.servers", bootstrapServers));
    }

    static void createTopic(String bootstrapServers, String topic, int partitions) throws Exception {
        try (Admin admin = admin(bootstrapServers)) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
                    .all().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    static KafkaProducer<String, String> transactionalProducer(String bootstrapServers, String transactionalId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(WAIT.toMillis()));
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    static KafkaProducer<String, String> producer(String bootstrapServers, Duration maxBlock) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(maxBlock.toMillis()));
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    static KafkaConsumer<String, String> consumer(String bootstrapServers, IsolationLevel isolation, String groupId) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        if (groupId != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    /**
     * Commit and abort markers are written after the producer's call returns; until they are, a read_committed
     * reader stops short. Waiting for the last stable offset to reach the high watermark removes that race.
     */
    static void awaitTransactionsCompleted(String bootstrapServers, String topic) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        try (Admin admin = admin(bootstrapServers)) {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS).get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .collect(Collectors.toList());
            while (true) {
                Map<TopicPartition, Long> stable = latestOffsets(admin, partitions, IsolationLevel.READ_COMMITTED);
                Map<TopicPartition, Long> written = latestOffsets(admin, partitions, IsolationLevel.READ_UNCOMMITTED);
                if (stable.equals(written)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    fail("transactions on %s still open after %s: stable %s, written %s", topic, WAIT, stable, written);
                }
                Thread.sleep(50);
            }
        }
    }

    /** Every value in the topic up to its end offset for the given isolation level, partition by partition. */
    static List<String> readValues(String bootstrapServers, String topic, IsolationLevel isolation) {
        try (KafkaConsumer<String, String> consumer = consumer(bootstrapServers, isolation, null)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, WAIT).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, WAIT);
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, WAIT) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    fail("did not reach the end offsets %s of %s within %s", end, topic, WAIT);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    values.add(record.value());
                }
            }
            return values;
        }
    }

    private static Map<TopicPartition, Long> latestOffsets(Admin admin, List<TopicPartition> partitions,
            IsolationLevel isolation) throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = partitions.stream()
                .collect(Collectors.toMap(Function.identity(), tp -> OffsetSpec.latest()));
        return admin.listOffsets(request, new ListOffsetsOptions(isolation)).all()
                .get(WAIT.toSeconds(), TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
}
