package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.ledger.IdentifierKey;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.internal.ingest.IdentifierEntry;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExpiryTest {

    static final String ACME = "c0a8e3b2-0000-4000-8000-000000000001";

    @TempDir
    Path stateDir;

    @Test
    void sendsParkedEventsOlderThanThePendingHorizonToUsageExpired() {
        try (IngestHarness h = new IngestHarness(stateDir)) {
            h.send("old", "never-bound");
            h.advance(Duration.ofDays(20));
            h.send("young", "never-bound");
            h.advance(Duration.ofDays(14).plusMinutes(1));

            List<KeyValue<String, ExpiredUsage>> expired = h.expired.readKeyValuesToList();
            assertThat(expired).hasSize(1);
            assertThat(expired.get(0).key).isEqualTo("never-bound");
            assertThat(expired.get(0).value.getEvent().getTransactionId()).isEqualTo("old");
            assertThat(expired.get(0).value.getEvent().getProperties()).isEqualTo(h.event("x", "y").getProperties());
            assertThat(expired.get(0).value.getIngestedAt()).isEqualTo(IngestHarness.START);
            assertThat(expired.get(0).value.getExpiredAt()).isBetween(h.now().minusSeconds(10), h.now());
            assertThat(h.status("old").getStatus()).isEqualTo(UsageStatus.EXPIRED);
            assertThat(h.status("young").getStatus()).isEqualTo(UsageStatus.PENDING);
            assertThat(h.count(IngestMetrics.EXPIRED)).isEqualTo(1);

            // An expired event is out of the pending store: binding its alias replays only the young one.
            h.bind("never-bound", ACME);
            assertThat(h.resolvedKeyValues()).extracting(kv -> kv.value.getTransactionId()).containsExactly("young");
        }
    }

    @Test
    void honoursAConfiguredPendingHorizon() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of(IngestConfig.PENDING_HORIZON, "2h"))) {
            h.send("t1", "never-bound");
            h.advance(Duration.ofHours(1));
            assertThat(h.expired.isEmpty()).isTrue();
            h.advance(Duration.ofHours(1).plusSeconds(10));
            assertThat(h.expired.readValue().getEvent().getTransactionId()).isEqualTo("t1");
        }
    }

    @Test
    void dropsDedupAndIndexEntriesOlderThanTheirHorizons() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of(IngestConfig.DEDUP_HORIZON, "3d",
                IngestConfig.MAX_EVENT_AGE, "3d", IngestConfig.ATTRIBUTION_HORIZON, "1d",
                IngestConfig.PENDING_HORIZON, "10d"))) {
            h.bindCustomer(ACME);
            h.bind("k", ACME);
            h.send("direct", ACME);
            h.send("via-alias", "k");
            h.send("parked", "unknown");
            KeyValueStore<Bytes, IdentifierEntry> index = h.driver.getKeyValueStore(UsageLedger.USAGE_BY_IDENTIFIER);
            assertThat(index.get(IdentifierKey.of("k", "via-alias"))).isNotNull();

            h.advance(Duration.ofDays(1).plusMinutes(1));
            assertThat(index.get(IdentifierKey.of("k", "via-alias"))).isNull();
            assertThat(h.status("via-alias").getIndexed()).isFalse();
            assertThat(h.status("via-alias")).isNotNull();

            h.advance(Duration.ofDays(2));
            assertThat(h.status("direct")).isNull();
            assertThat(h.status("via-alias")).isNull();
            assertThat(h.status("parked").getStatus()).isEqualTo(UsageStatus.PENDING);
            assertThat(index.get(IdentifierKey.of("unknown", "parked"))).isNotNull();
        }
    }

    @Test
    void keepsAnExpiredEventSearchableForTheDedupHorizonAfterItExpired() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of(IngestConfig.PENDING_HORIZON, "1d",
                IngestConfig.DEDUP_HORIZON, "2d", IngestConfig.MAX_EVENT_AGE, "2d"))) {
            h.send("t1", "never-bound");
            h.advance(Duration.ofDays(1).plusMinutes(1));
            assertThat(h.status("t1").getStatus()).isEqualTo(UsageStatus.EXPIRED);
            h.advance(Duration.ofDays(1).plusMinutes(1));
            assertThat(h.status("t1").getStatus()).isEqualTo(UsageStatus.EXPIRED);
            h.advance(Duration.ofDays(1));
            assertThat(h.status("t1")).isNull();
        }
    }

    @Test
    void expiresInBoundedChunks() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of(IngestConfig.PENDING_HORIZON, "1h",
                IngestConfig.EXPIRY_CHUNK_SIZE, "10", IngestConfig.EXPIRY_INTERVAL, "1s"))) {
            for (int i = 0; i < 25; i++) {
                h.send("t" + i, "never-bound");
            }
            h.advance(Duration.ofHours(1).plusSeconds(1));
            assertThat(h.expired.readValuesToList()).hasSize(10);
            h.advance(Duration.ofSeconds(1));
            h.advance(Duration.ofSeconds(1));
            assertThat(h.expired.readValuesToList()).hasSize(15);
        }
    }
}
