package io.meterflow.kafka.junit;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import io.meterflow.kafka.junit.KafkaCluster.Kind;

/** The value of {@value KafkaClusterExtension#MODE_PROPERTY}, and the choice of broker that follows from it. */
enum ClusterMode {
    AUTO("auto"),
    EXTERNAL("external"),
    TESTCONTAINERS("testcontainers"),
    IN_PROCESS("in-process");

    private final String value;

    ClusterMode(String value) {
        this.value = value;
    }

    static ClusterMode parse(Optional<String> value) {
        if (value.isEmpty() || value.get().isBlank()) {
            return AUTO;
        }
        String wanted = value.get().strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(mode -> mode.value.equals(wanted))
                .findFirst()
                .orElseThrow(() -> new ExtensionConfigurationException(KafkaClusterExtension.MODE_PROPERTY + "="
                        + value.get() + " is not one of " + Arrays.stream(values())
                                .map(mode -> mode.value).collect(Collectors.joining(", "))));
    }

    /**
     * The kind of broker to start. Docker is asked about only when the answer matters, because Testcontainers'
     * probe takes a noticeable fraction of a second when there is no Docker.
     *
     * @throws ExtensionConfigurationException if the mode asks for an external cluster that is not configured
     * @throws org.opentest4j.TestAbortedException if the mode asks for Testcontainers and Docker is not available
     */
    Kind select(Optional<String> externalBootstrapServers, BooleanSupplier dockerAvailable) {
        switch (this) {
            case IN_PROCESS:
                return Kind.IN_PROCESS;
            case EXTERNAL:
                if (externalBootstrapServers.isEmpty()) {
                    throw new ExtensionConfigurationException(KafkaClusterExtension.MODE_PROPERTY
                            + "=external needs the environment variable " + KafkaClusterExtension.BOOTSTRAP_SERVERS_ENV);
                }
                return Kind.EXTERNAL;
            case TESTCONTAINERS:
                // Skipped, not failed: a developer without Docker should not see red tests for it.
                Assumptions.assumeTrue(dockerAvailable.getAsBoolean(),
                        KafkaClusterExtension.MODE_PROPERTY + "=testcontainers but Docker is not available");
                return Kind.TESTCONTAINERS;
            case AUTO:
            default:
                if (externalBootstrapServers.isPresent()) {
                    return Kind.EXTERNAL;
                }
                return dockerAvailable.getAsBoolean() ? Kind.TESTCONTAINERS : Kind.IN_PROCESS;
        }
    }
}
