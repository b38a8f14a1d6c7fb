package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay of a very large backlog for one alias works through it in bounded chunks between which live usage keeps
 * being attributed, and releases every parked event exactly once. (Most of its run time is TopologyTestDriver's own
 * per-record overhead: it pipes 100,000 records and captures every changelog record they cause.)
 */
class LargeReplayTest {

    static final int PARKED = 100_000;
    static final int CHUNK = 1000;
    static final String ACME = "c0a8e3b2-0000-4000-8000-000000000001";
    static final String GLOBEX = "c0a8e3b2-0000-4000-8000-000000000002";

    @TempDir
    Path stateDir;

    @Test
    void replaysAHundredThousandParkedEventsInChunksWhileLiveUsageFlows() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of(IngestConfig.REPLAY_CHUNK_SIZE, String.valueOf(CHUNK),
                IngestConfig.REPLAY_INTERVAL, "100ms", IngestConfig.EXPIRY_INTERVAL, "1h"))) {
            h.bind("live-key", GLOBEX);
            for (int i = 0; i < PARKED; i++) {
                h.send(h.event("p" + i, "big-alias"));
            }
            assertThat(h.resolved.isEmpty()).isTrue();
            h.bind("big-alias", ACME);
            Set<String> replayed = new HashSet<>();
            collect(h, replayed, new HashSet<>());
            assertThat(replayed).hasSize(CHUNK); // the first chunk right away, no more

            Set<String> live = new HashSet<>();
            int liveBeforeDone = 0;
            int steps = 0;
            while (replayed.size() < PARKED) {
                assertThat(steps++).isLessThan(PARKED / CHUNK + 5);
                h.send(h.event("live-" + steps, "live-key"));
                int before = replayed.size();
                collect(h, replayed, live);
                assertThat(live).contains("live-" + steps); // attributed before the next chunk ran
                if (before < PARKED) {
                    liveBeforeDone++;
                }
                h.advance(Duration.ofMillis(100));
                collect(h, replayed, live);
            }
            assertThat(liveBeforeDone).isGreaterThanOrEqualTo(PARKED / CHUNK - 1);
            assertThat(replayed).hasSize(PARKED);
            assertThat(h.count(IngestMetrics.REPLAYED)).isEqualTo(PARKED);

            // Nothing left to replay: a second binding of the alias to the same customer moves nothing.
            h.advance(Duration.ofMillis(100));
            h.release("big-alias");
            h.bind("big-alias", ACME);
            h.advance(Duration.ofMillis(100));
            assertThat(h.resolved.isEmpty()).isTrue();
        }
    }

    private static void collect(IngestHarness h, Set<String> replayed, Set<String> live) {
        List<KeyValue<String, ResolvedUsage>> out = h.resolvedKeyValues();
        for (KeyValue<String, ResolvedUsage> kv : out) {
            String txn = kv.value.getTransactionId();
            if (kv.value.getResolution() == Resolution.REPLAYED) {
                assertThat(kv.key).isEqualTo(ACME);
                assertThat(replayed.add(txn)).as("replayed once: %s", txn).isTrue();
            } else {
                assertThat(kv.key).isEqualTo(GLOBEX);
                assertThat(live.add(txn)).as("attributed once: %s", txn).isTrue();
            }
        }
    }
}
