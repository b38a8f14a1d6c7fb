package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.query.EventStatus;
import io.meterflow.ingest.query.EventStatus.Status;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.UsageEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Event search reads one key of usage-by-transaction and can tell every outcome apart. */
class EventStatusTest {

    static final String ACME = "c0a8e3b2-0000-4000-8000-000000000001";

    @TempDir
    Path stateDir;

    private static EventStatus statusOf(IngestHarness h, String transactionId) {
        return EventStatus.of(transactionId, h.status(transactionId));
    }

    @Test
    void tellsAcceptedDuplicatedPendingAttributedRejectedAndExpiredApart() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of(IngestConfig.PENDING_HORIZON, "1d"))) {
            h.bind("k", ACME);
            h.send("attributed", "k");
            h.send("attributed", "k");
            h.send(UsageEvent.newBuilder(h.event("rejected", "k")).setTimestamp("soon").build());
            h.send("expired", "gone");
            h.advance(Duration.ofHours(12));
            h.send("pending", "unknown");
            h.send("pending", "unknown");
            h.advance(Duration.ofHours(12).plusMinutes(1));

            EventStatus attributed = statusOf(h, "attributed");
            assertThat(attributed.status()).isEqualTo(Status.ATTRIBUTED);
            assertThat(attributed.accepted()).isTrue();
            assertThat(attributed.duplicated()).isTrue();
            assertThat(attributed.customerId()).isEqualTo(ACME);
            assertThat(attributed.resolution()).isEqualTo(Resolution.ALIAS);
            assertThat(attributed.event().getCustomerId()).isEqualTo("k");
            assertThat(attributed.processedAt()).isEqualTo(IngestHarness.START);

            EventStatus rejected = statusOf(h, "rejected");
            assertThat(rejected.status()).isEqualTo(Status.REJECTED);
            assertThat(rejected.accepted()).isFalse();
            assertThat(rejected.rejectionReason()).isEqualTo("INVALID_TIMESTAMP");
            assertThat(rejected.rejectionDetail()).contains("soon");

            assertThat(statusOf(h, "expired").status()).isEqualTo(Status.EXPIRED);
            assertThat(statusOf(h, "expired").resolvedAt()).isNotNull();

            EventStatus pending = statusOf(h, "pending");
            assertThat(pending.status()).isEqualTo(Status.PENDING);
            assertThat(pending.accepted()).isTrue();
            assertThat(pending.duplicated()).isTrue();
            assertThat(pending.resolvedAt()).isNull();
            assertThat(pending.customerId()).isNull();
            assertThat(h.status("unknown-id")).isNull();
        }
    }
}
