package io.meterflow.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

class BrokerSettingsTest {

    private static final Path LOG_DIR = Path.of("/data/kafka/logs");

    @Test
    void bindsBothListenersToLoopbackWithTheControllerAsTheOnlyVoter() {
        Properties props = BrokerSettings.singleNode(19092, 19093, LOG_DIR, Duration.ofSeconds(30), Map.of());

        assertThat(props.getProperty("listeners"))
                .isEqualTo("PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093");
        assertThat(props.getProperty("advertised.listeners")).isEqualTo("PLAINTEXT://127.0.0.1:19092");
        assertThat(props.getProperty("controller.quorum.voters")).isEqualTo("1@127.0.0.1:19093");
        assertThat(props.getProperty("process.roles")).isEqualTo("broker,controller");
        assertThat(props.getProperty("log.dirs")).isEqualTo(LOG_DIR.toString());
        assertThat(props.getProperty("server.max.startup.time.ms")).isEqualTo("30000");
    }

    @Test
    void letsInternalTopicsLiveOnOneNodeAndLeavesTopicCreationToApplications() {
        Properties props = BrokerSettings.singleNode(19092, 19093, LOG_DIR, Duration.ofSeconds(30), Map.of());

        assertThat(props)
                .containsEntry("offsets.topic.replication.factor", "1")
                .containsEntry("transaction.state.log.replication.factor", "1")
                .containsEntry("transaction.state.log.min.isr", "1")
                .containsEntry("group.initial.rebalance.delay.ms", "0")
                .containsEntry("auto.create.topics.enable", "false")
                .containsEntry("num.partitions", "1");
    }

    @Test
    void appliesOverridesOverTheDefaults() {
        Properties props = BrokerSettings.singleNode(19092, 19093, LOG_DIR, Duration.ofSeconds(30),
                Map.of("auto.create.topics.enable", "true", "log.retention.ms", "60000"));

        assertThat(props)
                .containsEntry("auto.create.topics.enable", "true")
                .containsEntry("log.retention.ms", "60000");
    }
}
