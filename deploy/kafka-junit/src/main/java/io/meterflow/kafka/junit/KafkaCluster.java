package io.meterflow.kafka.junit;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.clients.admin.NewTopic;

/**
 * A running Kafka cluster that {@link KafkaClusterExtension} hands to integration tests. One instance serves every
 * test class in the JVM, so each test must use topic names (and group and transactional IDs) of its own, for
 * example by appending a random UUID.
 */
public interface KafkaCluster {

    /** Where the broker came from; see {@link KafkaClusterExtension} for how it is chosen. */
    enum Kind {
        /** A cluster the environment points at with {@code KAFKA_BOOTSTRAP_SERVERS}. */
        EXTERNAL,
        /** A broker in a Docker container started by Testcontainers. */
        TESTCONTAINERS,
        /** An {@link io.meterflow.kafka.embedded.EmbeddedKafkaBroker} in this JVM. */
        IN_PROCESS
    }

    /** For a client's {@code bootstrap.servers}. */
    String bootstrapServers();

    Kind kind();

    /**
     * Creates the topics and waits until the cluster has created them all.
     *
     * @throws IllegalStateException if any topic could not be created, including because it exists
     */
    void createTopics(Collection<NewTopic> topics);

    /** Creates a topic with the cluster's default replication factor and waits until it exists. */
    default void createTopic(String name, int partitions) {
        createTopics(List.of(new NewTopic(name, Optional.of(partitions), Optional.empty())));
    }
}
