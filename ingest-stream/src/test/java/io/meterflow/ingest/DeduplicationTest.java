package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeduplicationTest {

    static final String ACME = "c0a8e3b2-0000-4000-8000-000000000001";

    @TempDir
    Path stateDir;
    IngestHarness h;

    @BeforeEach
    void start() {
        h = new IngestHarness(stateDir);
        h.bindCustomer(ACME);
        h.bind("k", ACME);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void dropsADuplicateWithinTheDedupHorizonAndCountsIt() {
        h.send("t1", "k");
        h.advance(Duration.ofDays(33));
        h.send("t1", "k");
        h.send("t1", ACME); // account-wide: another identifier, same transaction ID

        assertThat(h.resolvedKeyValues()).hasSize(1);
        assertThat(h.count(IngestMetrics.OUTCOMES, "outcome", "duplicate")).isEqualTo(2);
        assertThat(h.status("t1").getDuplicateCount()).isEqualTo(2);
    }

    @Test
    void acceptsTheSameTransactionIdAgainAfterTheDedupHorizon() {
        h.send("t1", "k");
        h.resolved.readValue();
        h.advance(Duration.ofDays(34).plusMinutes(1));
        h.send("t1", ACME);

        assertThat(h.resolved.readValue().getIdentifier()).isEqualTo(ACME);
        assertThat(h.count(IngestMetrics.OUTCOMES, "outcome", "duplicate")).isZero();
        assertThat(h.status("t1").getEvent().getCustomerId()).isEqualTo(ACME);
    }

    @Test
    void aReplacedEventLeavesNoIndexEntryBehind() {
        h.send("t1", "k");
        h.advance(Duration.ofDays(35));
        h.send("t1", ACME);
        h.resolved.readValuesToList();

        h.release("k");
        h.bind("k", "c0a8e3b2-0000-4000-8000-000000000002");
        assertThat(h.resolved.isEmpty()).isTrue();
        assertThat(h.status("t1").getCustomerId()).isEqualTo(ACME);
    }

    @Test
    void dropsADuplicateOfAParkedEvent() {
        h.send("t1", "unknown");
        h.send("t1", "unknown");
        h.bind("unknown", ACME);

        assertThat(h.resolvedKeyValues()).hasSize(1);
        assertThat(h.count(IngestMetrics.OUTCOMES, "outcome", "duplicate")).isEqualTo(1);
    }

    @Test
    void aParkedEventHoldsItsIdBeyondTheDedupHorizonUntilItExpires() {
        try (IngestHarness longPending = new IngestHarness(stateDir.resolve("long"),
                java.util.Map.of(IngestConfig.PENDING_HORIZON, "60d"))) {
            longPending.send("t1", "unknown");
            longPending.advance(Duration.ofDays(40));
            longPending.send("t1", "unknown");
            assertThat(longPending.count(IngestMetrics.OUTCOMES, "outcome", "duplicate")).isEqualTo(1);
            assertThat(longPending.status("t1").getStatus()).isEqualTo(UsageStatus.PENDING);
        }
    }

    @Test
    void marksTheIdSeenOnlyTogetherWithTheOutput() {
        // The status entry and the ASSIGN come from the same processing step: after a record was handled, both exist.
        h.send("t1", "k");
        assertThat(h.resolved.readValue().getTransactionId()).isEqualTo("t1");
        assertThat(h.status("t1")).isNotNull();
    }
}
