package io.meterflow.kafka.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.meterflow.kafka.junit.KafkaCluster.Kind;

/**
 * The Testcontainers path on its own, whatever the extension chose for this run; skipped without Docker. The image is
 * {@value KafkaClusterExtension#IMAGE_PROPERTY} if set ({@code apache/kafka}, or a locally built Meterflow image, run
 * in its {@code kafka} role), else {@code apache/kafka}.
 */
class ContainerKafkaIT {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void runsKafkaInDockerWithTheSameSingleNodeRules() throws Exception {
        assumeTrue(ContainerKafka.dockerAvailable(), "Docker is not available");

        try (SharedKafkaCluster cluster = ContainerKafka.start(
                System.getProperty(KafkaClusterExtension.IMAGE_PROPERTY, KafkaClusterExtension.DEFAULT_IMAGE))) {
            String topic = "container-" + UUID.randomUUID();
            cluster.createTopic(topic, 1);
            Records.write(cluster, topic, "meter-1", "7 kWh");

            assertThat(cluster.kind()).isEqualTo(Kind.TESTCONTAINERS);
            assertThat(Records.read(cluster, topic, 1)).singleElement()
                    .satisfies(record -> assertThat(record.value()).isEqualTo("7 kWh"));
        }
    }
}
