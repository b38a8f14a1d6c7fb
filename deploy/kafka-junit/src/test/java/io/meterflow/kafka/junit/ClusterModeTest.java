package io.meterflow.kafka.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.opentest4j.TestAbortedException;

import io.meterflow.kafka.junit.KafkaCluster.Kind;

class ClusterModeTest {

    private static final Optional<String> EXTERNAL = Optional.of("kafka-1:9092");
    private static final BooleanSupplier DOCKER = () -> true;
    private static final BooleanSupplier NO_DOCKER = () -> false;
    private static final BooleanSupplier MUST_NOT_ASK = () -> {
        throw new AssertionError("Docker was probed although the answer cannot change the choice");
    };

    @Test
    void defaultsToAutoWhenThePropertyIsUnsetOrBlank() {
        assertThat(ClusterMode.parse(Optional.empty())).isEqualTo(ClusterMode.AUTO);
        assertThat(ClusterMode.parse(Optional.of(" "))).isEqualTo(ClusterMode.AUTO);
        assertThat(ClusterMode.parse(Optional.of("In-Process"))).isEqualTo(ClusterMode.IN_PROCESS);
    }

    @Test
    void rejectsAnUnknownModeNamingThePropertyAndTheChoices() {
        assertThatThrownBy(() -> ClusterMode.parse(Optional.of("embedded")))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessage("meterflow.kafka.mode=embedded is not one of auto, external, testcontainers, in-process");
    }

    @Test
    void prefersAnExternalClusterWithoutAskingForDocker() {
        assertThat(ClusterMode.AUTO.select(EXTERNAL, MUST_NOT_ASK)).isEqualTo(Kind.EXTERNAL);
    }

    @Test
    void usesTestcontainersWhenDockerIsAvailable() {
        assertThat(ClusterMode.AUTO.select(Optional.empty(), DOCKER)).isEqualTo(Kind.TESTCONTAINERS);
    }

    @Test
    void fallsBackToTheInProcessBrokerWithoutDocker() {
        assertThat(ClusterMode.AUTO.select(Optional.empty(), NO_DOCKER)).isEqualTo(Kind.IN_PROCESS);
    }

    @Test
    void forcedInProcessIgnoresAnExternalClusterAndDocker() {
        assertThat(ClusterMode.IN_PROCESS.select(EXTERNAL, MUST_NOT_ASK)).isEqualTo(Kind.IN_PROCESS);
    }

    @Test
    void forcedTestcontainersSkipsTheTestsWithoutDocker() {
        assertThatThrownBy(() -> ClusterMode.TESTCONTAINERS.select(Optional.empty(), NO_DOCKER))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("Docker is not available");
        assertThat(ClusterMode.TESTCONTAINERS.select(EXTERNAL, DOCKER)).isEqualTo(Kind.TESTCONTAINERS);
    }

    @Test
    void forcedExternalWithoutBootstrapServersNamesTheMissingVariable() {
        assertThatThrownBy(() -> ClusterMode.EXTERNAL.select(Optional.empty(), MUST_NOT_ASK))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS");
        assertThat(ClusterMode.EXTERNAL.select(EXTERNAL, MUST_NOT_ASK)).isEqualTo(Kind.EXTERNAL);
    }
}
