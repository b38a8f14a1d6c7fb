package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.config.Settings;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
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
    void readsEveryKey() {
        IngestConfig config = IngestConfig.from(Settings.of(Map.of(
                "pending.horizon", "7d", "dedup.horizon", "P10D", "attribution.horizon", "12h",
                "validation.max.event.age", "40d", "validation.max.future.skew", "1h",
                "replay.chunk.size", "50", "replay.interval", "250ms",
                "expiry.chunk.size", "20", "expiry.interval", "2s")));
        assertThat(config.pendingHorizon()).isEqualTo(Duration.ofDays(7));
        assertThat(config.dedupHorizon()).isEqualTo(Duration.ofDays(10));
        assertThat(config.attributionHorizon()).isEqualTo(Duration.ofHours(12));
        assertThat(config.maxEventAge()).isEqualTo(Duration.ofDays(40));
        assertThat(config.maxFutureSkew()).isEqualTo(Duration.ofHours(1));
        assertThat(config.replayChunkSize()).isEqualTo(50);
        assertThat(config.replayInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.expiryChunkSize()).isEqualTo(20);
        assertThat(config.expiryInterval()).isEqualTo(Duration.ofSeconds(2));
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
