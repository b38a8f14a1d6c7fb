package io.meterflow.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Collection;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What applications do against the broker: transactions, reads by isolation level, explicit topic creation. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedKafkaBrokerIT {

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    static void startBroker() {
        broker = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void producesTransactionallyAndReadsBackOnlyCommittedRecords() throws Exception {
        String topic = "transactions-" + UUID.randomUUID();
        KafkaTestClients.createTopic(broker.bootstrapServers(), topic, 1);

        try (KafkaProducer<String, String> producer =
                KafkaTestClients.transactionalProducer(broker.bootstrapServers(), "tx-" + topic)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "meter-1", "committed-1"));
            producer.send(new ProducerRecord<>(topic, "meter-2", "committed-2"));
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "meter-3", "aborted-1"));
            producer.flush();
            producer.abortTransaction();
        }
        KafkaTestClients.awaitTransactionsCompleted(broker.bootstrapServers(), topic);

        assertThat(KafkaTestClients.readValues(broker.bootstrapServers(), topic, IsolationLevel.READ_COMMITTED))
                .containsExactly("committed-1", "committed-2");
        // The aborted record is in the log; only the isolation level hides it.
        assertThat(KafkaTestClients.readValues(broker.bootstrapServers(), topic, IsolationLevel.READ_UNCOMMITTED))
                .containsExactly("committed-1", "committed-2", "aborted-1");
    }

    @Test
    void doesNotCreateATopicWhenAProducerWritesToAnUnknownOne() throws Exception {
        String topic = "never-created-" + UUID.randomUUID();

        try (KafkaProducer<String, String> producer =
                KafkaTestClients.producer(broker.bootstrapServers(), Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "k", "v")).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
        }
        try (Admin admin = KafkaTestClients.admin(broker.bootstrapServers())) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain(topic);
        }
    }

    @Test
    void advertisesOneNodeOnLoopback() throws Exception {
        try (Admin admin = KafkaTestClients.admin(broker.bootstrapServers())) {
            Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);

            assertThat(nodes).singleElement().satisfies(node -> {
                assertThat(node.host()).isEqualTo("127.0.0.1");
                assertThat(node.port()).isEqualTo(broker.port());
            });
        }
        assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + broker.port());
    }
}
