package io.meterflow.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class KafkaBrokerMainTest {

    private static KafkaBrokerMain.Options options(Map<String, String> keys) {
        return KafkaBrokerMain.Options.from(Settings.of(keys));
    }

    @Test
    void onLoopbackTheEmbeddedBrokersOwnListenersAreKept() {
        KafkaBrokerMain.Options options = options(Map.of());
        assertThat(options.port()).isEqualTo(9092);
        assertThat(options.dataDir()).isEqualTo(Path.of("data/kafka").toAbsolutePath());
        assertThat(options.brokerProperties(40000)).isEmpty();
    }

    @Test
    void anotherHostOrAFixedControllerPortSpellsTheListenersOut() {
        KafkaBrokerMain.Options options = options(Map.of("broker.host", "0.0.0.0", "broker.port", "19092",
                "broker.advertised.host", "kafka-0.kafka", "broker.controller.port", "19093"));
        assertThat(options.brokerProperties(19093)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "listeners", "PLAINTEXT://0.0.0.0:19092,CONTROLLER://127.0.0.1:19093",
                "advertised.listeners", "PLAINTEXT://kafka-0.kafka:19092",
                "controller.quorum.voters", "1@127.0.0.1:19093"));
    }

    @Test
    void listeningOnAllAddressesAdvertisesLoopbackUnlessTold() {
        assertThat(options(Map.of("broker.host", "0.0.0.0")).advertisedHost()).isEqualTo("127.0.0.1");
    }

    @Test
    void kafkaKeysPassToTheServerOverItsDefaults() {
        assertThat(options(Map.of("kafka.num.partitions", "3", "kafka.log.retention.hours", "1"))
                .brokerProperties(40000))
                .containsExactlyInAnyOrderEntriesOf(Map.of("num.partitions", "3", "log.retention.hours", "1"));
    }

    @Test
    void theControllerCannotShareTheClientPort() {
        assertThatThrownBy(() -> options(Map.of("broker.port", "9092", "broker.controller.port", "9092")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("broker.controller.port");
    }

    @Test
    void aBadSettingExitsTwoNamingTheKey() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = KafkaBrokerMain.run(new String[0], Map.of("METERFLOW_BROKER_PORT", "ninety"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("kafka: ").contains("broker.port");
    }
}
