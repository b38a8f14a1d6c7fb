package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.config.Settings;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class IngestConfigTest {

    @Test
    void defaultsToThirtyFourDayHorizonsAndExactlyOnce() {
        IngestConfig config = IngestConfig.from(Settings.of(Map.of()));
        assertThat(config.pendingHorizon()).isEqualTo(Duration.ofDays(34));
        assertThat(config.dedupHorizon()).isEqualTo(Duration.ofDays(34));
        assertThat(config.attributionHorizon()).isEqualTo(Duration.ofDays(34));
        assertThat(config.maxEventAge()).isEqualTo(Duration.ofDays(34));
        assertThat(config.maxFutureSkew()).isEqualTo(Duration.ofHours(24));
        assertThat(config.replayChunkSize()).isEqualTo(1000);
        assertThat(config.streams().applicationId()).isEqualTo("meterflow-ingest");
        assertThat(config.streams().processingGuarantee()).isEqualTo("exactly_once_v2");
        assertThat(config.usagePartitions()).isEqualTo(config.streams().topicPartitions());
    }

    @Test
    void kafkaStreamsWaitsTenMillisecondsForInputAndNeverForAnIdleInputUnlessTheOperatorSaysOtherwise() {
        Properties defaults = IngestApp.streamsProperties(IngestConfig.from(Settings.of(Map.of())));
        assertThat(new StreamsConfig(defaults).getLong(StreamsConfig.POLL_MS_CONFIG)).isEqualTo(10L);
        assertThat(new StreamsConfig(defaults).getLong(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo(-1L);

        Properties operator = IngestApp.streamsProperties(IngestConfig.from(Settings.of(Map.of(
                "kafka.poll.ms", "100", "kafka.max.task.idle.ms", "0"))));
        assertThat(new StreamsConfig(operator).getLong(StreamsConfig.POLL_MS_CONFIG)).isEqualTo(100L);
        assertThat(new StreamsConfig(operator).getLong(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo(0L);
    }

    @Test
    void readsEveryKey() {
        IngestConfig config = IngestConfig.from(Settings.of(Map.ofEntries(
                Map.entry("pending.horizon", "7d"), Map.entry("dedup.horizon", "P41D"),
                Map.entry("attribution.horizon", "12h"), Map.entry("validation.max.event.age", "40d"),
                Map.entry("validation.max.future.skew", "1h"), Map.entry("replay.chunk.size", "50"),
                Map.entry("replay.interval", "250ms"), Map.entry("expiry.chunk.size", "20"),
                Map.entry("expiry.interval", "2s"), Map.entry("sweep.interval", "30s"),
                Map.entry("sweep.cycle", "1h"), Map.entry("sweep.max.chunk.size", "5000"))));
        assertThat(config.pendingHorizon()).isEqualTo(Duration.ofDays(7));
        assertThat(config.dedupHorizon()).isEqualTo(Duration.ofDays(41));
        assertThat(config.attributionHorizon()).isEqualTo(Duration.ofHours(12));
        assertThat(config.maxEventAge()).isEqualTo(Duration.ofDays(40));
        assertThat(config.maxFutureSkew()).isEqualTo(Duration.ofHours(1));
        assertThat(config.replayChunkSize()).isEqualTo(50);
        assertThat(config.replayInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.expiryChunkSize()).isEqualTo(20);
        assertThat(config.expiryInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.sweepInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.sweepCycle()).isEqualTo(Duration.ofHours(1));
        assertThat(config.sweepMaxChunkSize()).isEqualTo(5000);
    }

    @Test
    void theEventSizeLimitDefaultsTo256KiBAndMustLeaveTheOverheadUnderTheRecordLimit() {
        assertThat(IngestConfig.from(Settings.of(Map.of())).maxEventBytes()).isEqualTo(262_144);
        assertThat(IngestConfig.from(Settings.of(Map.of("validation.max.event.bytes", "1032192"))).maxEventBytes())
                .isEqualTo(1_032_192);
        IngestConfig larger = IngestConfig.from(Settings.of(Map.of("record.max.bytes", "4194304",
                "validation.max.event.bytes", "2097152")));
        assertThat(larger.ingestProducerMaxRequestSize()).isEqualTo(4_194_304);

        assertThatThrownBy(() -> IngestConfig.from(Settings.of(Map.of("validation.max.event.bytes", "1032193"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("validation.max.event.bytes")
                .hasMessageContaining("record.max.bytes").hasMessageContaining("1032192");
        assertThatThrownBy(() -> IngestConfig.from(Settings.of(Map.of("record.max.bytes", "262144"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("validation.max.event.bytes")
                .hasMessageContaining("record.max.bytes");
        assertThatThrownBy(() -> IngestConfig.from(Settings.of(Map.of("validation.max.event.bytes", "100"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("validation.max.event.bytes");
    }

    @Test
    void refusesADedupHorizonShorterThanTheMaximumEventAgeNamingBothKeys() {
        assertThatThrownBy(() -> IngestConfig.from(Settings.of(Map.of("dedup.horizon", "7d"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("dedup.horizon (7d) is shorter than validation.max.event.age (34d): a retry of an event"
                        + " accepted more than dedup.horizon ago would still pass validation and be counted twice."
                        + " Set dedup.horizon to at least validation.max.event.age, or lower validation.max.event.age");
        assertThatThrownBy(() -> IngestConfig.from(Settings.of(Map.of("validation.max.event.age", "35d"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("dedup.horizon (34d)")
                .hasMessageContaining("validation.max.event.age (35d)");

        assertThat(IngestConfig.from(Settings.of(Map.of("dedup.horizon", "7d", "validation.max.event.age", "7d")))
                .dedupHorizon()).isEqualTo(Duration.ofDays(7));
        assertThat(IngestConfig.from(Settings.of(Map.of("dedup.horizon", "90d"))).dedupHorizon())
                .isEqualTo(Duration.ofDays(90));
    }

    @Test
    void namesTheBadKey() {
        assertThatThrownBy(() -> IngestConfig.from(Settings.of(Map.of("pending.horizon", "forever"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pending.horizon");
        assertThatThrownBy(() -> IngestConfig.from(Settings.of(Map.of("dedup.horizon", "0"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("dedup.horizon");
        assertThatThrownBy(() -> IngestConfig.from(Settings.of(Map.of("replay.chunk.size", "0"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("replay.chunk.size");
    }
}
