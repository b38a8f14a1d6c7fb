package io.meterflow.kafka.junit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers' Kafka, kept in a class of its own so that Testcontainers is loaded only when the extension
 * considers Docker. Two kinds of image: an {@code apache/kafka} image (or a compatible one), run by Testcontainers'
 * {@link KafkaContainer}; or a Meterflow image (one labelled {@value #METERFLOW_ROLES_LABEL}, built by deploy/image),
 * run in its {@code kafka} role, the embedded single-node broker, on the host's network. The second needs no public
 * image, so it is how the container path runs where nothing can be pulled.
 */
final class ContainerKafka {

    /** The label deploy/image puts on the Meterflow image, listing its roles. */
    static final String METERFLOW_ROLES_LABEL = "io.meterflow.image.roles";

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
        return isMeterflowImage(image) ? startMeterflow(image) : startApacheKafka(image);
    }

    /** Whether a local image carries the Meterflow label with a kafka role; an image not present locally does not. */
    static boolean isMeterflowImage(String image) {
        try {
            Map<String, String> labels = DockerClientFactory.instance().client().inspectImageCmd(image).exec()
                    .getConfig().getLabels();
            return labels != null && labels.getOrDefault(METERFLOW_ROLES_LABEL, "").contains("kafka");
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static SharedKafkaCluster startApacheKafka(String image) {
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

    /**
     * The Meterflow image's broker has the in-process broker's settings by construction (it is that broker). Host
     * networking, as containers on a bridge cannot be reached on some machines: the port is picked free on the host.
     */
    private static SharedKafkaCluster startMeterflow(String image) {
        int port = freeLoopbackPort();
        @SuppressWarnings("resource")
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image))
                .withNetworkMode("host")
                .withCommand("kafka", "--set", "broker.port=" + port, "--set", "data.dir=/tmp/kafka")
                .waitingFor(Wait.forLogMessage(".*Kafka ready: .*\\n", 1).withStartupTimeout(Duration.ofMinutes(2)));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            throw e;
        }
        return new SharedKafkaCluster(KafkaCluster.Kind.TESTCONTAINERS, "127.0.0.1:" + port, container);
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
