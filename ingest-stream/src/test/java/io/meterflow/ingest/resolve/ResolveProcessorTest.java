package io.meterflow.ingest.resolve;

import static io.meterflow.ingest.MockTask.bound;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.MockTask;
import io.meterflow.ingest.bindings.ApplyBindingProcessor;
import io.meterflow.ingest.emit.OutgoingUsage;
import io.meterflow.ingest.emit.StoredUsage;
import io.meterflow.ingest.ledger.IdentifierKey;
import io.meterflow.ingest.ledger.PendingTimeKey;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.metrics.PendingGauges;
import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.UsageKind;
import io.meterflow.schemas.internal.ingest.AttributionPath;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.schemas.internal.ingest.IdentifierEntry;
import io.meterflow.schemas.internal.ingest.IngestBookkeeping;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code resolve} on its own: each record's one outcome, and what the expiry and sweep punctuations do. */
class ResolveProcessorTest {

    private static final Duration DEDUP = Duration.ofDays(2);
    private static final Duration ATTRIBUTION = Duration.ofDays(3);
    private static final Duration PENDING = Duration.ofDays(4);
    private static final String ALIAS = "ops@acme.example";

    private final MockTask<Object> task = MockTask.create(Map.of(
            "dedup.horizon", "2d", "attribution.horizon", "3d", "pending.horizon", "4d",
            "validation.max.event.age", "2d"));
    private final ResolveProcessor processor = new ResolveProcessor(task.config, task.metrics, task.gauges);

    {
        processor.init(task.context);
    }

    @AfterEach
    void close() {
        processor.close();
    }

    private void bind(String identifier, BoundCustomer binding) {
        task.<String, BoundCustomer>store(ApplyBindingProcessor.BINDINGS_REPLICA).put(identifier, binding);
    }

    private void send(UsageEvent event) {
        processor.process(task.incoming(event));
    }

    private UsageState state(String transactionId) {
        StoredUsage stored = task.<String, StoredUsage>store(UsageLedger.USAGE_BY_TRANSACTION).get(transactionId);
        return stored == null ? null : stored.state();
    }

    private List<KeyValue<Bytes, IdentifierEntry>> indexed() {
        return task.entries(UsageLedger.USAGE_BY_IDENTIFIER);
    }

    private List<KeyValue<Bytes, byte[]>> queuedByTime() {
        return task.entries(UsageLedger.PENDING_BY_TIME);
    }

    private long parkedCount() {
        IngestBookkeeping book = task.<String, IngestBookkeeping>store(UsageLedger.BOOKKEEPING).get("task");
        return book == null ? 0 : book.getPendingCount();
    }

    private ResolvedUsage onlyAssign(String customerId) {
        List<Record<String, Object>> out = task.forwarded();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo(customerId);
        ResolvedUsage usage = ((OutgoingUsage) out.get(0).value()).value();
        assertThat(usage.getKind()).isEqualTo(UsageKind.ASSIGN);
        assertThat(usage.getCustomerId()).isEqualTo(customerId);
        return usage;
    }

    private Rejection onlyRejection() {
        List<Record<String, Object>> out = task.forwarded();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).value()).isInstanceOf(Rejection.class);
        return (Rejection) out.get(0).value();
    }

    @Test
    void schedulesExpiryAndTheSweepOnTheWallClock() {
        assertThat(task.context.scheduledPunctuators()).extracting(CapturedPunctuator::getInterval)
                .containsExactlyInAnyOrder(task.config.expiryInterval(), task.config.sweepInterval());
        assertThat(task.context.scheduledPunctuators()).extracting(CapturedPunctuator::getType)
                .containsOnly(PunctuationType.WALL_CLOCK_TIME);
        assertThat(task.gauge(PendingGauges.PENDING)).isZero();
    }

    @Test
    void aRecordThatCannotBeReadIsRejectedMalformedAndLeavesNoState() {
        byte[] garbage = {0, 0, 0, 0, 42, 7};

        processor.process(task.incoming(garbage));

        Rejection rejection = onlyRejection();
        assertThat(rejection.getReason()).isEqualTo("MALFORMED");
        assertThat(rejection.getOriginalValue()).isEqualTo(ByteBuffer.wrap(garbage));
        assertThat(rejection.getTransactionId()).isNull();
        assertThat(task.entries(UsageLedger.USAGE_BY_TRANSACTION)).isEmpty();
        assertThat(task.count(IngestMetrics.OUTCOMES, "outcome", "rejected")).isEqualTo(1);
        assertThat(task.count(IngestMetrics.REJECTIONS, "reason", "MALFORMED")).isEqualTo(1);
    }

    @Test
    void anEventBreakingARuleIsRejectedAndRecordedForSearchWithoutReservingItsTransactionId() {
        send(UsageEvent.newBuilder(task.event("tx-1", ALIAS)).setEventType("").build());

        List<Record<String, Object>> out = task.forwarded();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo("tx-1");
        assertThat(((Rejection) out.get(0).value()).getReason()).isEqualTo("EMPTY_FIELD");
        UsageState rejected = state("tx-1");
        assertThat(rejected.getStatus()).isEqualTo(UsageStatus.REJECTED);
        assertThat(rejected.getRejectionReason()).isEqualTo("EMPTY_FIELD");
        assertThat(rejected.getEvent().getProperties()).as("no properties kept").isEmpty();
        assertThat(task.count(IngestMetrics.REJECTIONS, "reason", "EMPTY_FIELD")).isEqualTo(1);

        bind(ALIAS, bound("cust-a", false, false));
        send(task.event("tx-1", ALIAS));

        assertThat(onlyAssign("cust-a").getTransactionId()).isEqualTo("tx-1");
        assertThat(state("tx-1").getStatus()).isEqualTo(UsageStatus.ATTRIBUTED);
    }

    @Test
    void anEventBreakingARuleWithoutAUsableTransactionIdIsRejectedAndLeavesNoState() {
        Map<String, String> reasons = Map.of("", "EMPTY_FIELD", "t".repeat(129), "TRANSACTION_ID_TOO_LONG");
        reasons.forEach((transactionId, reason) -> {
            send(task.event(transactionId, ALIAS));
            assertThat(onlyRejection().getReason()).isEqualTo(reason);
        });
        send(UsageEvent.newBuilder(task.event("ignored", ALIAS)).setTransactionId(null).build());
        assertThat(onlyRejection().getReason()).isEqualTo("MISSING_FIELD");

        assertThat(task.entries(UsageLedger.USAGE_BY_TRANSACTION)).isEmpty();
        assertThat(task.count(IngestMetrics.OUTCOMES, "outcome", "rejected")).isEqualTo(3);
    }

    @Test
    void aBrokenRecordWithTheTransactionIdOfAParkedEventLeavesThatEventParked() {
        send(task.event("tx-1", ALIAS));

        send(UsageEvent.newBuilder(task.event("tx-1", ALIAS)).setEventType("").build());

        assertThat(onlyRejection().getReason()).isEqualTo("EMPTY_FIELD");
        assertThat(state("tx-1").getStatus()).isEqualTo(UsageStatus.PENDING);
        assertThat(state("tx-1").getEvent().getEventType()).isEqualTo("api_call");
        assertThat(parkedCount()).isEqualTo(1);
    }

    @Test
    void aRecordWithTheTransactionIdOfAnEventAcceptedWithinTheDedupHorizonIsADuplicate() {
        bind(ALIAS, bound("cust-a", false, false));
        send(task.event("tx-1", ALIAS));
        onlyAssign("cust-a");
        task.advance(DEDUP.minusMillis(1));

        send(task.event("tx-1", "someone-else"));

        assertThat(task.forwarded()).isEmpty();
        assertThat(state("tx-1").getCustomerId()).isEqualTo("cust-a");
        assertThat(state("tx-1").getDuplicateCount()).isEqualTo(1);
        assertThat(task.count(IngestMetrics.OUTCOMES, "outcome", "duplicate")).isEqualTo(1);
    }

    @Test
    void aParkedEventHoldsItsTransactionIdBeyondTheDedupHorizon() {
        send(task.event("tx-1", ALIAS));
        task.advance(DEDUP.plusDays(1));

        send(task.event("tx-1", ALIAS));

        assertThat(task.forwarded()).isEmpty();
        assertThat(state("tx-1").getDuplicateCount()).isEqualTo(1);
        assertThat(parkedCount()).isEqualTo(1);
    }

    @Test
    void anEventAcceptedLongerAgoThanTheDedupHorizonIsRetiredAndItsTransactionIdAcceptedAgain() {
        bind(ALIAS, bound("cust-a", false, false));
        send(task.event("tx-1", ALIAS));
        onlyAssign("cust-a");
        task.advance(DEDUP.plusMillis(1));

        send(task.event("tx-1", "unbound@acme.example"));

        assertThat(task.forwarded()).as("parked, not a duplicate").isEmpty();
        assertThat(state("tx-1").getStatus()).isEqualTo(UsageStatus.PENDING);
        assertThat(state("tx-1").getEvent().getCustomerId()).isEqualTo("unbound@acme.example");
        assertThat(indexed()).extracting(kv -> kv.key)
                .containsExactly(IdentifierKey.of("unbound@acme.example", "tx-1"));
        assertThat(task.count(IngestMetrics.OUTCOMES, "outcome", "duplicate")).isZero();
    }

    @Test
    void anEventUnderACustomersOwnIdIsAssignedDirectlyAndNotIndexed() {
        bind("cust-1", bound("cust-1", true, false));
        var record = task.incoming(task.event("tx-1", "cust-1"));
        task.advance(Duration.ofMillis(250));

        processor.process(record);

        ResolvedUsage assign = onlyAssign("cust-1");
        assertThat(assign.getResolution()).isEqualTo(Resolution.DIRECT);
        assertThat(assign.getIdentifier()).isEqualTo("cust-1");
        assertThat(assign.getArchived()).isFalse();
        assertThat(assign.getIngestedAt()).isEqualTo(Instant.ofEpochMilli(record.timestamp()));
        assertThat(assign.getResolvedAt()).isEqualTo(Instant.ofEpochMilli(task.now()));
        assertThat(state("tx-1").getResolution()).isEqualTo(AttributionPath.DIRECT);
        assertThat(state("tx-1").getIndexed()).isFalse();
        assertThat(indexed()).isEmpty();
        assertThat(task.count(IngestMetrics.OUTCOMES, "outcome", "attributed")).isEqualTo(1);
        assertThat(task.meters.get(IngestMetrics.LATENCY).tag("path", "live").timer().totalTime(
                TimeUnit.MILLISECONDS)).as("from the usage-events record's time").isEqualTo(250);
    }

    @Test
    void anEventUnderABoundAliasIsAssignedThroughTheAliasAndIndexedSoThatItCanMove() {
        bind(ALIAS, bound("cust-a", false, false));

        send(task.event("tx-1", ALIAS));

        ResolvedUsage assign = onlyAssign("cust-a");
        assertThat(assign.getResolution()).isEqualTo(Resolution.ALIAS);
        assertThat(assign.getIdentifier()).isEqualTo(ALIAS);
        assertThat(state("tx-1").getIndexed()).isTrue();
        assertThat(indexed()).containsExactly(KeyValue.pair(IdentifierKey.of(ALIAS, "tx-1"),
                IdentifierEntry.newBuilder().setAcceptedAt(task.now()).setCustomerId("cust-a").build()));
        assertThat(queuedByTime()).isEmpty();
    }

    @Test
    void anEventForAnArchivedCustomerIsAssignedWithTheArchivedFlag() {
        bind(ALIAS, bound("cust-a", false, true));

        send(task.event("tx-1", ALIAS));

        assertThat(onlyAssign("cust-a").getArchived()).isTrue();
        assertThat(state("tx-1").getArchived()).isTrue();
    }

    @Test
    void anEventUnderAnUnboundIdentifierIsParkedInEveryIndexAndCounted() {
        send(task.event("tx-1", ALIAS));

        assertThat(task.forwarded()).isEmpty();
        assertThat(state("tx-1").getStatus()).isEqualTo(UsageStatus.PENDING);
        assertThat(indexed()).containsExactly(KeyValue.pair(IdentifierKey.of(ALIAS, "tx-1"),
                IdentifierEntry.newBuilder().setAcceptedAt(task.now()).setCustomerId(null).build()));
        assertThat(queuedByTime()).extracting(kv -> kv.key).containsExactly(PendingTimeKey.of(task.now(), "tx-1"));
        assertThat(parkedCount()).isEqualTo(1);
        assertThat(task.count(IngestMetrics.OUTCOMES, "outcome", "pending")).isEqualTo(1);
    }

    @Test
    void theExpiryPunctuationSendsUsageParkedLongerThanThePendingHorizonToUsageExpired() {
        long firstAccepted = task.now();
        UsageEvent old = task.event("tx-1", ALIAS);
        send(old);
        task.advance(Duration.ofDays(1));
        send(task.event("tx-2", ALIAS));
        task.advance(PENDING.minusDays(1).plusMillis(1));

        task.punctuateEvery(task.config.expiryInterval());

        List<Record<String, Object>> out = task.forwarded();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo(ALIAS);
        assertThat(out.get(0).value()).isEqualTo(ExpiredUsage.newBuilder().setEvent(old)
                .setIngestedAt(Instant.ofEpochMilli(firstAccepted)).setExpiredAt(Instant.ofEpochMilli(task.now()))
                .build());
        assertThat(state("tx-1").getStatus()).isEqualTo(UsageStatus.EXPIRED);
        assertThat(state("tx-2").getStatus()).isEqualTo(UsageStatus.PENDING);
        assertThat(indexed()).extracting(kv -> kv.key).containsExactly(IdentifierKey.of(ALIAS, "tx-2"));
        assertThat(queuedByTime()).hasSize(1);
        assertThat(parkedCount()).isEqualTo(1);
        assertThat(task.count(IngestMetrics.EXPIRED)).isEqualTo(1);
        assertThat(task.gauge(PendingGauges.PENDING)).isEqualTo(1);
        assertThat(task.gauge(PendingGauges.OLDEST_AGE))
                .isEqualTo(PENDING.minusDays(1).plusMillis(1).toMillis() / 1000.0);
    }

    @Test
    void theSweepPunctuationDropsWhatNoHorizonNeedsAndLeavesParkedUsage() {
        bind(ALIAS, bound("cust-a", false, false));
        bind("cust-1", bound("cust-1", true, false));
        send(task.event("tx-alias", ALIAS));
        send(task.event("tx-direct", "cust-1"));
        send(UsageEvent.newBuilder(task.event("tx-rejected", ALIAS)).setEventType("").build());
        send(task.event("tx-parked", "unbound@acme.example"));
        task.forwarded();
        task.advance(ATTRIBUTION.plusMillis(1));

        task.punctuateEvery(task.config.sweepInterval());

        assertThat(task.entries(UsageLedger.USAGE_BY_TRANSACTION)).extracting(kv -> kv.key)
                .containsExactly("tx-parked");
        assertThat(indexed()).extracting(kv -> kv.key)
                .containsExactly(IdentifierKey.of("unbound@acme.example", "tx-parked"));
        assertThat(task.forwarded()).isEmpty();
    }
}
