package io.meterflow.ingest.bindings;

import static io.meterflow.ingest.MockTask.bound;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.MockTask;
import io.meterflow.ingest.emit.OutgoingUsage;
import io.meterflow.ingest.emit.StoredUsage;
import io.meterflow.ingest.ledger.IdentifierKey;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.metrics.PendingGauges;
import io.meterflow.ingest.route.IncomingUsage;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageKind;
import io.meterflow.schemas.internal.ingest.AttributionPath;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.schemas.internal.ingest.IdentifierEntry;
import io.meterflow.schemas.internal.ingest.IngestBookkeeping;
import io.meterflow.schemas.internal.ingest.ReplayJob;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code apply-binding} on its own: what a binding change does to the replica, to the usage parked or attributed
 * under its identifier (replays and moves, in chunks), and to the replay jobs that carry long replays over.
 */
class ApplyBindingProcessorTest {

    private static final int CHUNK = 2;
    private static final String ALIAS = "ops@acme.example";

    private final MockTask<OutgoingUsage> task = MockTask.create(Map.of(
            "replay.chunk.size", String.valueOf(CHUNK), "attribution.horizon", "3d"));
    private final UsageLedger ledger = new UsageLedger(task.context, task.config.horizons());
    private ApplyBindingProcessor processor = started();

    private ApplyBindingProcessor started() {
        ApplyBindingProcessor started = new ApplyBindingProcessor(task.config, task.metrics, task.gauges);
        started.init(task.context);
        return started;
    }

    @AfterEach
    void close() {
        processor.close();
    }

    private void bind(String identifier, BoundCustomer binding) {
        processor.process(new Record<>(identifier, binding, task.now()));
    }

    private void release(String identifier) {
        processor.process(new Record<>(identifier, null, task.now()));
    }

    private void replayStep() {
        task.punctuateEvery(task.config.replayInterval());
    }

    /** Parks {@code transactionIds} under {@code identifier}, as {@code resolve} would. */
    private void park(String identifier, String... transactionIds) {
        for (String transactionId : transactionIds) {
            IncomingUsage in = task.incoming(task.event(transactionId, identifier)).value();
            ledger.park(transactionId, in.event(), in.eventBinary(), task.now(), task.now());
        }
    }

    /** Attributes {@code transactionId} through {@code alias} to {@code customer}, as {@code resolve} would. */
    private void attributed(String transactionId, String alias, BoundCustomer customer) {
        replica().put(alias, customer);
        IncomingUsage in = task.incoming(task.event(transactionId, alias)).value();
        ledger.attribute(transactionId, in.event(), in.eventBinary(), customer, task.now(), task.now());
    }

    private KeyValueStore<String, BoundCustomer> replica() {
        return task.store(ApplyBindingProcessor.BINDINGS_REPLICA);
    }

    private KeyValueStore<String, ReplayJob> jobs() {
        return task.store(ApplyBindingProcessor.REPLAY_JOBS);
    }

    private UsageState state(String transactionId) {
        return task.<String, StoredUsage>store(UsageLedger.USAGE_BY_TRANSACTION).get(transactionId).state();
    }

    private IdentifierEntry indexEntry(String identifier, String transactionId) {
        return task.<org.apache.kafka.common.utils.Bytes, IdentifierEntry>store(UsageLedger.USAGE_BY_IDENTIFIER)
                .get(IdentifierKey.of(identifier, transactionId));
    }

    private long parkedCount() {
        IngestBookkeeping book = task.<String, IngestBookkeeping>store(UsageLedger.BOOKKEEPING).get("task");
        return book == null ? 0 : book.getPendingCount();
    }

    /** The records forwarded since the last call, as (key, value) with the values as usage-resolved holds them. */
    private List<Record<String, ResolvedUsage>> emitted() {
        List<Record<String, ResolvedUsage>> out = new ArrayList<>();
        for (Record<String, OutgoingUsage> r : task.forwarded()) {
            out.add(new Record<>(r.key(), r.value().value(), r.timestamp()));
        }
        return out;
    }

    private static List<String> transactionIds(List<Record<String, ResolvedUsage>> records) {
        return records.stream().map(r -> r.value().getTransactionId()).toList();
    }

    @Test
    void bindingAnUnboundIdentifierReplaysItsParkedUsageToTheCustomer() {
        park(ALIAS, "tx-1");

        bind(ALIAS, bound("cust-a", false, false));

        List<Record<String, ResolvedUsage>> out = emitted();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo("cust-a");
        ResolvedUsage assign = out.get(0).value();
        assertThat(assign.getKind()).isEqualTo(UsageKind.ASSIGN);
        assertThat(assign.getResolution()).isEqualTo(Resolution.REPLAYED);
        assertThat(assign.getCustomerId()).isEqualTo("cust-a");
        assertThat(replica().get(ALIAS)).isEqualTo(bound("cust-a", false, false));
        assertThat(jobs().get(ALIAS)).as("done in one chunk: no job stored").isNull();
        assertThat(state("tx-1").getStatus()).isEqualTo(UsageStatus.ATTRIBUTED);
        assertThat(state("tx-1").getResolution()).isEqualTo(AttributionPath.REPLAYED);
        assertThat(indexEntry(ALIAS, "tx-1").getCustomerId()).isEqualTo("cust-a");
        assertThat(task.entries(UsageLedger.PENDING_BY_TIME)).isEmpty();
        assertThat(parkedCount()).isZero();
        assertThat(task.count(IngestMetrics.REPLAYED)).isEqualTo(1);
        assertThat(task.count(IngestMetrics.BINDING_CHANGES, "change", "bound")).isEqualTo(1);
    }

    @Test
    void aReplayLongerThanAChunkIsStoredAsAJobAndContinuedChunkByChunkUntilDone() {
        park(ALIAS, "tx-1", "tx-2", "tx-3", "tx-4", "tx-5");

        bind(ALIAS, bound("cust-a", false, false));
        assertThat(transactionIds(emitted())).containsExactly("tx-1", "tx-2");
        ReplayJob job = jobs().get(ALIAS);
        assertThat(job.getCustomerId()).isEqualTo("cust-a");
        assertThat(job.getResumeAfter()).isNotNull();

        replayStep();
        assertThat(transactionIds(emitted())).containsExactly("tx-3", "tx-4");
        assertThat(jobs().get(ALIAS)).isNotNull();
        assertThat(task.gauge(PendingGauges.REPLAY_JOBS)).isEqualTo(1);

        replayStep();
        assertThat(transactionIds(emitted())).containsExactly("tx-5");
        assertThat(jobs().get(ALIAS)).isNull();
        assertThat(task.gauge(PendingGauges.REPLAY_JOBS)).isZero();
        assertThat(parkedCount()).isZero();
        assertThat(task.count(IngestMetrics.REPLAYED)).isEqualTo(5);
    }

    @Test
    void theReplayPunctuationIsScheduledOnlyWhileAJobIsUnfinished() {
        assertThat(replayPunctuations()).as("no job: no punctuation").isZero();
        park(ALIAS, "tx-1", "tx-2", "tx-3");

        bind(ALIAS, bound("cust-a", false, false));
        assertThat(replayPunctuations()).isEqualTo(1);
        replayStep();
        assertThat(transactionIds(emitted())).containsExactly("tx-1", "tx-2", "tx-3");
        assertThat(replayPunctuations()).as("the job is done").isZero();

        // A processor started on a task whose stores hold an unfinished job (a restart) schedules it again.
        park(ALIAS + ".2", "tx-4", "tx-5", "tx-6");
        bind(ALIAS + ".2", bound("cust-b", false, false));
        processor.close();
        processor = started();
        assertThat(replayPunctuations()).isEqualTo(1);
    }

    private long replayPunctuations() {
        return task.context.scheduledPunctuators().stream()
                .filter(p -> p.getInterval().equals(task.config.replayInterval()) && !p.cancelled()).count();
    }

    @Test
    void aStoredReplayJobIsResumedWhereItStoppedByTheTasksNextProcessor() {
        park(ALIAS, "tx-1", "tx-2", "tx-3", "tx-4", "tx-5");
        bind(ALIAS, bound("cust-a", false, false));
        List<String> replayed = new ArrayList<>(transactionIds(emitted()));

        // A restart: the processor goes, its stores stay (restored from their changelogs).
        processor.close();
        task.context.scheduledPunctuators().forEach(CapturedPunctuator::cancel);
        processor = started();
        replayStep();
        replayed.addAll(transactionIds(emitted()));
        replayStep();
        replayed.addAll(transactionIds(emitted()));

        assertThat(replayed).containsExactly("tx-1", "tx-2", "tx-3", "tx-4", "tx-5");
        assertThat(jobs().get(ALIAS)).isNull();
    }

    @Test
    void unfinishedJobsOfSeveralIdentifiersShareOneChunkPerStepTakingTurns() {
        park("alias-a", "tx-a1", "tx-a2", "tx-a3", "tx-a4");
        park("alias-b", "tx-b1", "tx-b2", "tx-b3", "tx-b4");
        bind("alias-a", bound("cust-a", false, false));
        bind("alias-b", bound("cust-b", false, false));
        assertThat(transactionIds(emitted())).containsExactly("tx-a1", "tx-a2", "tx-b1", "tx-b2");

        replayStep();
        List<String> first = transactionIds(emitted());
        replayStep();
        List<String> second = transactionIds(emitted());

        assertThat(first).hasSize(CHUNK);
        assertThat(second).hasSize(CHUNK);
        assertThat(first.get(0).substring(0, 4)).as("each step serves the other identifier")
                .isNotEqualTo(second.get(0).substring(0, 4));
    }

    @Test
    void releasingAnIdentifierTakesItOutOfTheReplicaAndStopsItsReplay() {
        park(ALIAS, "tx-1", "tx-2", "tx-3", "tx-4", "tx-5");
        bind(ALIAS, bound("cust-a", false, false));
        emitted();

        release(ALIAS);
        replayStep();

        assertThat(emitted()).isEmpty();
        assertThat(replica().get(ALIAS)).isNull();
        assertThat(jobs().get(ALIAS)).isNull();
        assertThat(state("tx-1").getCustomerId()).as("what was replayed stays").isEqualTo("cust-a");
        assertThat(state("tx-3").getStatus()).as("the rest stays parked").isEqualTo(UsageStatus.PENDING);
        assertThat(parkedCount()).isEqualTo(3);
        assertThat(task.count(IngestMetrics.BINDING_CHANGES, "change", "released")).isEqualTo(1);
    }

    @Test
    void aTombstoneForAnIdentifierNeverBoundChangesNothing() {
        park(ALIAS, "tx-1");

        release(ALIAS);

        assertThat(emitted()).isEmpty();
        assertThat(task.entries(ApplyBindingProcessor.BINDINGS_REPLICA)).isEmpty();
        assertThat(state("tx-1").getStatus()).isEqualTo(UsageStatus.PENDING);
        assertThat(task.count(IngestMetrics.BINDING_CHANGES, "change", "released")).isEqualTo(1);
    }

    @Test
    void anAliasMovedToAnotherCustomerRetractsItsUsageFromTheOldOneAndAssignsItToTheNewOne() {
        attributed("tx-1", ALIAS, bound("cust-a", false, true));
        task.advance(Duration.ofHours(1));

        bind(ALIAS, bound("cust-b", false, false));

        List<Record<String, ResolvedUsage>> out = emitted();
        assertThat(out).extracting(Record::key).containsExactly("cust-a", "cust-b");
        ResolvedUsage retract = out.get(0).value();
        assertThat(retract.getKind()).isEqualTo(UsageKind.RETRACT);
        assertThat(retract.getCustomerId()).isEqualTo("cust-a");
        assertThat(retract.getResolution()).isEqualTo(Resolution.REASSIGNED);
        assertThat(retract.getArchived()).as("as it was assigned").isTrue();
        ResolvedUsage assign = out.get(1).value();
        assertThat(assign.getKind()).isEqualTo(UsageKind.ASSIGN);
        assertThat(assign.getCustomerId()).isEqualTo("cust-b");
        assertThat(assign.getResolution()).isEqualTo(Resolution.REASSIGNED);
        assertThat(assign.getArchived()).isFalse();
        assertThat(state("tx-1").getCustomerId()).isEqualTo("cust-b");
        assertThat(indexEntry(ALIAS, "tx-1").getCustomerId()).isEqualTo("cust-b");
        assertThat(task.count(IngestMetrics.REASSIGNED)).isEqualTo(1);
        assertThat(task.count(IngestMetrics.RETRACTED)).isEqualTo(1);
    }

    @Test
    void aNewCustomerWhileAReplayRunsRestartsItForTheNewCustomer() {
        park(ALIAS, "tx-1", "tx-2", "tx-3");
        bind(ALIAS, bound("cust-a", false, false));
        assertThat(transactionIds(emitted())).containsExactly("tx-1", "tx-2");

        bind(ALIAS, bound("cust-b", false, false));
        List<Record<String, ResolvedUsage>> moved = emitted();
        replayStep();
        List<Record<String, ResolvedUsage>> replayed = emitted();

        assertThat(moved).extracting(Record::key).containsExactly("cust-a", "cust-b", "cust-a", "cust-b");
        assertThat(replayed).extracting(Record::key).containsExactly("cust-b");
        assertThat(replayed.get(0).value().getResolution()).isEqualTo(Resolution.REPLAYED);
        assertThat(jobs().get(ALIAS)).isNull();
        for (String transactionId : List.of("tx-1", "tx-2", "tx-3")) {
            assertThat(state(transactionId).getCustomerId()).isEqualTo("cust-b");
        }
    }

    @Test
    void bindingAnIdentifierAgainToTheCustomerItHasMovesNothing() {
        attributed("tx-1", ALIAS, bound("cust-a", false, false));

        bind(ALIAS, bound("cust-a", false, false));

        assertThat(emitted()).isEmpty();
        assertThat(state("tx-1").getResolution()).isEqualTo(AttributionPath.ALIAS);
        assertThat(task.count(IngestMetrics.REASSIGNED)).isZero();
    }

    @Test
    void anArchivedFlagChangeUpdatesTheReplicaAndTheRunningReplayButMovesNothing() {
        park(ALIAS, "tx-1", "tx-2", "tx-3");
        bind(ALIAS, bound("cust-a", false, false));
        assertThat(emitted()).extracting(r -> r.value().getArchived()).containsExactly(false, false);

        bind(ALIAS, bound("cust-a", false, true));
        assertThat(emitted()).isEmpty();
        assertThat(replica().get(ALIAS).getArchived()).isTrue();
        assertThat(jobs().get(ALIAS).getArchived()).isTrue();

        replayStep();
        List<Record<String, ResolvedUsage>> rest = emitted();
        assertThat(rest).extracting(r -> r.value().getTransactionId()).containsExactly("tx-3");
        assertThat(rest.get(0).value().getArchived()).isTrue();
        assertThat(state("tx-1").getArchived()).as("usage already assigned keeps its flag").isFalse();
    }

    @Test
    void usageUnderACustomersOwnIdIsReplayedOnceAndNeverMovesAgain() {
        park("cust-1", "tx-1");

        bind("cust-1", bound("cust-1", true, false));
        assertThat(emitted()).extracting(Record::key).containsExactly("cust-1");
        assertThat(state("tx-1").getIndexed()).isFalse();
        assertThat(indexEntry("cust-1", "tx-1")).isNull();

        bind("cust-1", bound("cust-2", false, false));

        assertThat(emitted()).isEmpty();
        assertThat(state("tx-1").getCustomerId()).isEqualTo("cust-1");
    }
}
