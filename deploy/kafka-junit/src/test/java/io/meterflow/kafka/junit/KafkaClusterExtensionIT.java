package io.meterflow.kafka.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.meterflow.kafka.junit.KafkaCluster.Kind;

@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaClusterExtensionIT {

    @Test
    void roundTripsARecordThroughTheInjectedCluster(KafkaCluster cluster) throws Exception {
        String topic = "round-trip-" + UUID.randomUUID();
        cluster.createTopic(topic, 1);

        Records.write(cluster, topic, "meter-1", "42 kWh");

        assertThat(Records.read(cluster, topic, 1)).singleElement().satisfies(record -> {
            assertThat(record.key()).isEqualTo("meter-1");
            assertThat(record.value()).isEqualTo("42 kWh");
        });
    }

    @Test
    void runsTheBrokerInProcessWithoutAnExternalClusterOrDocker(KafkaCluster cluster) {
        assumeTrue(System.getenv(KafkaClusterExtension.BOOTSTRAP_SERVERS_ENV) == null,
                "KAFKA_BOOTSTRAP_SERVERS points at an external cluster");
        boolean forcedInProcess = "in-process".equals(System.getProperty(KafkaClusterExtension.MODE_PROPERTY));
        assumeTrue(forcedInProcess || !ContainerKafka.dockerAvailable(),
                "Docker is available, so Testcontainers runs the broker");

        assertThat(cluster.kind()).isEqualTo(Kind.IN_PROCESS);
        assertThat(cluster.bootstrapServers()).startsWith("127.0.0.1:");
    }

    @Test
    void createsTopicsWithTheRequestedPartitionsAndRefusesDuplicates(KafkaCluster cluster) throws Exception {
        String topic = "partitions-" + UUID.randomUUID();

        cluster.createTopic(topic, 3);

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(topic);
            assertThat(description.partitions()).hasSize(3);
        }
        assertThatThrownBy(() -> cluster.createTopic(topic, 3))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(topic);
    }
}
