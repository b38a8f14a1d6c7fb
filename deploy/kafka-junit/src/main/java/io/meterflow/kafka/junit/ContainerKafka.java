package io.meterflow.kafka.junit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers' Kafka, kept in a class of its own so that Testcontainers is loaded only when the extension
 * considers Docker.
 */
final class ContainerKafka {

    private ContainerKafka() {
    }

    /** False also when Testcontainers is missing from the classpath or cannot even probe. */
    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    static SharedKafkaCluster start(String image) {
        // The same single-node rules as the in-process broker, so a test passes or fails the same way on both.
        KafkaContainer container = new KafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"))
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_NUM_PARTITIONS", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1");
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            throw e;
        }
        return new SharedKafkaCluster(KafkaCluster.Kind.TESTCONTAINERS, container.getBootstrapServers(), container);
    }
}
