package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.metrics.PendingGauges;
import io.meterflow.ingest.metrics.PunctuationTimes;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {

    static final String ACME = "c0a8e3b2-0000-4000-8000-000000000001";

    @TempDir
    Path stateDir;

    @Test
    void countsEveryRecordInExactlyOneOutcome() {
        try (IngestHarness h = new IngestHarness(stateDir)) {
            h.bind("k", ACME);
            h.send("a1", "k");                 // attributed
            h.send("a1", "k");                 // duplicate
            h.send("p1", "unknown");           // pending
            h.send("p2", "unknown");           // pending
            h.usageRaw.pipeInput(null, new byte[] {9}, h.now()); // rejected
            h.send(io.meterflow.schemas.UsageEvent.newBuilder(h.event("r1", "k")).setTimestamp("yesterday").build());

            double attributed = h.count(IngestMetrics.OUTCOMES, "outcome", "attributed");
            double duplicate = h.count(IngestMetrics.OUTCOMES, "outcome", "duplicate");
            double pending = h.count(IngestMetrics.OUTCOMES, "outcome", "pending");
            double rejected = h.count(IngestMetrics.OUTCOMES, "outcome", "rejected");
            assertThat(new double[] {attributed, duplicate, pending, rejected}).containsExactly(1, 1, 2, 2);
            assertThat(h.count(IngestMetrics.REJECTIONS, "reason", "MALFORMED")).isEqualTo(1);
            assertThat(h.count(IngestMetrics.REJECTIONS, "reason", "INVALID_TIMESTAMP")).isEqualTo(1);

            h.bind("unknown", ACME); // replays do not add outcomes
            assertThat(h.count(IngestMetrics.OUTCOMES, "outcome", "attributed")).isEqualTo(1);
            assertThat(h.count(IngestMetrics.REPLAYED)).isEqualTo(2);
            Timer live = h.meters.get(IngestMetrics.LATENCY).tag("path", "live").timer();
            Timer replayed = h.meters.get(IngestMetrics.LATENCY).tag("path", "replayed").timer();
            assertThat(live.count()).isEqualTo(1);
            assertThat(replayed.count()).isEqualTo(2);
        }
    }

    @Test
    void timesEveryCallOfEachPunctuation() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of(IngestConfig.EXPIRY_INTERVAL, "1s",
                IngestConfig.REPLAY_CHUNK_SIZE, "2"))) {
            for (int i = 0; i < 5; i++) {
                h.send("p" + i, "unknown");
            }
            h.bind("unknown", ACME); // the first chunk now, the rest from the replay punctuation
            assertThat(h.count(IngestMetrics.REPLAYED)).isEqualTo(2);
            h.advance(Duration.ofSeconds(1));
            h.advance(Duration.ofSeconds(1));
            assertThat(h.count(IngestMetrics.REPLAYED)).isEqualTo(5);

            assertThat(punctuation(h, "replay").count()).isEqualTo(2);
            assertThat(punctuation(h, "expiry").count()).isBetween(2L, 3L);
            assertThat(punctuation(h, "replay").totalTime(TimeUnit.NANOSECONDS)).isPositive();
            h.advance(Duration.ofMinutes(1));
            assertThat(punctuation(h, "sweep").count()).isPositive();
            assertThat(punctuation(h, "aggregation-publish").count()).isPositive();
            assertThat(punctuation(h, "aggregation-backfill").count()).isPositive();
            assertThat(punctuation(h, "aggregation-sweep").count()).isPositive();
        }
    }

    private static Timer punctuation(IngestHarness h, String name) {
        return h.meters.get(PunctuationTimes.DURATION).tag("punctuation", name).timer();
    }

    @Test
    void gaugesShowParkedEventsAndTheAgeOfTheOldest() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of(IngestConfig.EXPIRY_INTERVAL, "1s"))) {
            assertThat(h.gauge(PendingGauges.PENDING)).isZero();
            h.send("p1", "unknown");
            h.advance(Duration.ofMinutes(10));
            h.send("p2", "unknown");
            h.send("p3", "other");
            h.advance(Duration.ofSeconds(1));

            assertThat(h.gauge(PendingGauges.PENDING)).isEqualTo(3);
            assertThat(h.gauge(PendingGauges.OLDEST_AGE)).isBetween(600.0, 602.0);

            h.bind("unknown", ACME);
            h.advance(Duration.ofSeconds(1));
            assertThat(h.gauge(PendingGauges.PENDING)).isEqualTo(1);
            assertThat(h.gauge(PendingGauges.OLDEST_AGE)).isBetween(1.0, 3.0);

            h.bind("other", ACME);
            h.advance(Duration.ofSeconds(1));
            assertThat(h.gauge(PendingGauges.PENDING)).isZero();
            assertThat(h.gauge(PendingGauges.OLDEST_AGE)).isZero();
        }
    }
}
