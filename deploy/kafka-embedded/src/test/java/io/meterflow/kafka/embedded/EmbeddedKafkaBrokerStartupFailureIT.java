package io.meterflow.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Start-up problems a developer can fix are reported in their terms, before Kafka is started. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EmbeddedKafkaBrokerStartupFailureIT {

    @TempDir
    Path tmp;

    @Test
    void namesTheBusyPortWhenSomethingAlreadyListensOnIt() throws IOException {
        try (ServerSocket occupied = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = occupied.getLocalPort();
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().port(port).dataDir(tmp.resolve("data")).build();

            assertThatThrownBy(broker::start)
                    .isInstanceOf(EmbeddedKafkaException.class)
                    .hasMessage("Kafka port " + port + " on 127.0.0.1 is already in use");
            assertThat(broker.isRunning()).isFalse();
            assertThat(tmp.resolve("data")).as("nothing is written before the port check").doesNotExist();
        }
    }

    @Test
    void namesTheDataDirWhenItCannotBeCreated() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
        Path dataDir = file.resolve("kafka");
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).build();

        assertThatThrownBy(broker::start)
                .isInstanceOf(EmbeddedKafkaException.class)
                .hasMessageStartingWith("data directory " + dataDir + " is not writable");
    }

    @Test
    void namesTheDataDirWhenItIsAFile() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(file).build();

        assertThatThrownBy(broker::start)
                .isInstanceOf(EmbeddedKafkaException.class)
                .hasMessage("data directory " + file + " is not a directory");
    }

    @Test
    void namesTheDataDirWhenItIsReadOnly() throws IOException {
        Path dataDir = Files.createDirectory(tmp.resolve("read-only"));
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            // root ignores permission bits, so the check can only be shown for other users.
            assumeFalse(Files.isWritable(dataDir), "this user can write to a read-only directory (root?)");
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).build();

            assertThatThrownBy(broker::start)
                    .isInstanceOf(EmbeddedKafkaException.class)
                    .hasMessageStartingWith("data directory " + dataDir + " is not writable");
        } finally {
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void namesTheBadKeyOfAnInvalidOverride() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .dataDir(tmp.resolve("data"))
                .brokerProperty("num.io.threads", "two")
                .build();

        assertThatThrownBy(broker::start)
                .isInstanceOf(EmbeddedKafkaException.class)
                .hasMessageStartingWith("invalid Kafka broker configuration: ")
                .hasMessageContaining("num.io.threads");
    }

    /** Kafka halts its process on a start-up timeout; here that must come back as an exception. */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void reportsAFatalFaultDuringStartInsteadOfEndingTheJvm() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .dataDir(tmp.resolve("data"))
                .startupTimeout(Duration.ofMillis(1))
                .build();

        assertThatThrownBy(broker::start)
                .isInstanceOf(EmbeddedKafkaException.class)
                .hasMessageContaining("failed to start");
        assertThat(broker.isRunning()).isFalse();
    }
}
