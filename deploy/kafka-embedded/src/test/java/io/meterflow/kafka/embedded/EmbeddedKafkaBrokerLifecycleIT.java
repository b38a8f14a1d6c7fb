package io.meterflow.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A temporary broker leaves nothing behind: no directory, no bound port, and closing twice is harmless. */
class EmbeddedKafkaBrokerLifecycleIT {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void releasesItsPortAndDeletesItsTemporaryDataDirOnClose() throws IOException {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
        Path dataDir = broker.dataDir();
        int port = broker.port();
        assertThat(dataDir.resolve("logs/meta.properties")).exists();
        assertThat(broker.isRunning()).isTrue();
        assertThatThrownBy(broker::start).isInstanceOf(IllegalStateException.class);

        broker.close();

        assertThat(broker.isRunning()).isFalse();
        assertThat(dataDir).doesNotExist();
        try (ServerSocket rebound = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(rebound.getLocalPort()).isEqualTo(port);
        }
        assertThatCode(broker::close).doesNotThrowAnyException();
    }
}
