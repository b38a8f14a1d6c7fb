package io.meterflow.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A broker on a persistent data directory comes back with its data, its offsets and its identity. */
class EmbeddedKafkaBrokerRestartIT {

    @TempDir
    Path dataDir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void keepsRecordsGroupOffsetsAndClusterIdAcrossARestartOnTheSameDataDir() throws Exception {
        String topic = "restart-" + UUID.randomUUID();
        String group = "group-" + topic;
        String firstClusterId;

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).build().start()) {
            firstClusterId = broker.clusterId();
            KafkaTestClients.createTopic(broker.bootstrapServers(), topic, 1);
            try (KafkaProducer<String, String> producer =
                    KafkaTestClients.transactionalProducer(broker.bootstrapServers(), "tx-" + topic)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, "meter-1", "usage-1"));
                producer.send(new ProducerRecord<>(topic, "meter-2", "usage-2"));
                producer.commitTransaction();
            }
            KafkaTestClients.awaitTransactionsCompleted(broker.bootstrapServers(), topic);
            assertThat(consumeAndCommit(broker.bootstrapServers(), topic, group, 2))
                    .containsExactly("usage-1", "usage-2");
        }
        assertThat(dataDir.resolve("logs/meta.properties")).as("a persistent data dir survives close").exists();
        int firstControllerPort = controllerPort();

        // Holding the first controller port forces the restart onto another one, as happens when it is taken.
        try (ServerSocket taken = new ServerSocket(firstControllerPort, 1, InetAddress.getByName("127.0.0.1"));
                EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).build().start()) {
            assertThat(controllerPort()).isNotEqualTo(firstControllerPort);
            assertThat(broker.dataDir()).isEqualTo(dataDir.toAbsolutePath().normalize());
            assertThat(broker.clusterId()).isEqualTo(firstClusterId);
            assertThat(KafkaTestClients.readValues(broker.bootstrapServers(), topic, IsolationLevel.READ_COMMITTED))
                    .containsExactly("usage-1", "usage-2");
            try (Admin admin = KafkaTestClients.admin(broker.bootstrapServers())) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                assertThat(committed).containsOnlyKeys(new TopicPartition(topic, 0));
                assertThat(committed.get(new TopicPartition(topic, 0)).offset()).isEqualTo(2);
            }
        }
    }

    /** The controller port of the last start, from the configuration the broker leaves in its data dir. */
    private int controllerPort() throws IOException {
        Properties config = new Properties();
        try (InputStream in = Files.newInputStream(dataDir.resolve("server.properties"))) {
            config.load(in);
        }
        String voters = config.getProperty("controller.quorum.voters");
        return Integer.parseInt(voters.substring(voters.lastIndexOf(':') + 1));
    }

    /**
     * Reads {@code expected} records as a member of {@code group}, then commits the offset after the last one. (The
     * consumer's own position may or may not have stepped over the commit marker yet.)
     */
    private static List<String> consumeAndCommit(String bootstrapServers, String topic, String group, int expected) {
        List<String> values = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        try (KafkaConsumer<String, String> consumer =
                KafkaTestClients.consumer(bootstrapServers, IsolationLevel.READ_COMMITTED, group)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + KafkaTestClients.WAIT.toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                    values.add(record.value());
                    next.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                }
            }
            consumer.commitSync(next, KafkaTestClients.WAIT);
        }
        return values;
    }
}
