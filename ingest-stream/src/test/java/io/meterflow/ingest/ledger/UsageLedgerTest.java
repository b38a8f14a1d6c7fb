package io.meterflow.ingest.ledger;

import static io.meterflow.ingest.MockTask.bound;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.MockTask;
import io.meterflow.ingest.emit.StoredUsage;
import io.meterflow.ingest.emit.UsageCodec;
import io.meterflow.ingest.ledger.UsageLedger.Applied;
import io.meterflow.ingest.ledger.UsageLedger.Change;
import io.meterflow.ingest.route.IncomingUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.AttributionPath;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.schemas.internal.ingest.IdentifierEntry;
import io.meterflow.schemas.internal.ingest.IngestBookkeeping;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The ledger on its own: what each of its methods does to each of its four stores, with the horizons set apart
 * (attribution 1 day, dedup 2 days, pending 4 days) so that each one's effect shows.
 */
class UsageLedgerTest {

    private static final Duration ATTRIBUTION = Duration.ofDays(1);
    private static final Duration DEDUP = Duration.ofDays(2);
    private static final Duration PENDING = Duration.ofDays(4);
    private static final String ALIAS = "ops@acme.example";
    private static final BoundCustomer CUSTOMER_A = bound("cust-a", false, false);

    private final MockTask<Object> task = MockTask.create(Map.of(
            "attribution.horizon", "1d", "dedup.horizon", "2d", "pending.horizon", "4d",
            "validation.max.event.age", "2d"));
    private final UsageLedger ledger = new UsageLedger(task.context, task.config.horizons());

    private IncomingUsage read(String transactionId, String identifier) {
        return task.incoming(task.event(transactionId, identifier)).value();
    }

    private void park(String transactionId, String identifier) {
        IncomingUsage in = read(transactionId, identifier);
        ledger.park(transactionId, in.event(), in.eventBinary(), task.now(), task.now());
    }

    private StoredUsage attribute(String transactionId, String identifier, BoundCustomer binding) {
        IncomingUsage in = read(transactionId, identifier);
        return ledger.attribute(transactionId, in.event(), in.eventBinary(), binding, task.now(), task.now());
    }

    private void reject(String transactionId) {
        ledger.recordRejection(transactionId, ledger.find(transactionId), task.event(transactionId, ALIAS),
                "EMPTY_FIELD", "event_type is empty", task.now(), task.now());
    }

    private UsageState state(String transactionId) {
        StoredUsage stored = ledger.find(transactionId);
        return stored == null ? null : stored.state();
    }

    private KeyValueStore<String, StoredUsage> byTransaction() {
        return task.store(UsageLedger.USAGE_BY_TRANSACTION);
    }

    private List<String> transactionIds() {
        return task.<String, StoredUsage>entries(UsageLedger.USAGE_BY_TRANSACTION).stream().map(kv -> kv.key)
                .toList();
    }

    private List<KeyValue<Bytes, IdentifierEntry>> index() {
        return task.entries(UsageLedger.USAGE_BY_IDENTIFIER);
    }

    private List<Bytes> queue() {
        return task.<Bytes, byte[]>entries(UsageLedger.PENDING_BY_TIME).stream().map(kv -> kv.key).toList();
    }

    private IngestBookkeeping bookkeeping() {
        return task.<String, IngestBookkeeping>store(UsageLedger.BOOKKEEPING).get("task");
    }

    private static IdentifierEntry entry(long acceptedAt, String customerId) {
        return IdentifierEntry.newBuilder().setAcceptedAt(acceptedAt).setCustomerId(customerId).build();
    }

    private List<Applied> applyBinding(String identifier, BoundCustomer target) {
        return ledger.applyBinding(identifier, ledger.identifierChunk(identifier, null, 100), target, task.now());
    }

    // ---- stores -------------------------------------------------------------------------------------------------

    @Test
    void itsStoreBuildersNameTheStoresItReads() {
        assertThat(UsageLedger.storeBuilders(task.topics, Stores::inMemoryKeyValueStore))
                .extracting(StoreBuilder::name).containsExactly(UsageLedger.storeNames());
        assertThat(UsageLedger.storeBuilders(task.topics)).extracting(StoreBuilder::name)
                .containsExactly(UsageLedger.storeNames());
    }

    // ---- live usage ---------------------------------------------------------------------------------------------

    @Test
    void findReturnsWhatIsStoredUnderATransactionIdOrNull() {
        park("tx-1", ALIAS);

        assertThat(ledger.find("tx-1").state().getEvent().getTransactionId()).isEqualTo("tx-1");
        assertThat(ledger.find("tx-2")).isNull();
    }

    @Test
    void aParkedEventIsStoredIndexedUnderItsIdentifierQueuedByTimeAndCounted() {
        park("tx-1", ALIAS);

        UsageState state = state("tx-1");
        assertThat(state.getStatus()).isEqualTo(UsageStatus.PENDING);
        assertThat(state.getIndexed()).isTrue();
        assertThat(state.getAcceptedAt()).isEqualTo(task.now());
        assertThat(index()).containsExactly(KeyValue.pair(IdentifierKey.of(ALIAS, "tx-1"), entry(task.now(), null)));
        assertThat(queue()).containsExactly(PendingTimeKey.of(task.now(), "tx-1"));
        assertThat(ledger.pendingCount()).isEqualTo(1);
        assertThat(ledger.oldestPendingAcceptedAt()).isEqualTo(task.now());
    }

    @Test
    void anEventAttributedUnderACustomersOwnIdIsStoredButNotIndexed() {
        StoredUsage stored = attribute("tx-1", "cust-1", bound("cust-1", true, false));

        assertThat(state("tx-1")).isEqualTo(stored.state());
        assertThat(stored.state().getStatus()).isEqualTo(UsageStatus.ATTRIBUTED);
        assertThat(stored.state().getResolution()).isEqualTo(AttributionPath.DIRECT);
        assertThat(stored.state().getCustomerId()).isEqualTo("cust-1");
        assertThat(stored.state().getIndexed()).isFalse();
        assertThat(index()).isEmpty();
        assertThat(queue()).isEmpty();
        assertThat(ledger.pendingCount()).isZero();
    }

    @Test
    void anEventAttributedThroughAnAliasIsIndexedWithItsCustomerAndArchivedFlag() {
        StoredUsage stored = attribute("tx-1", ALIAS, bound("cust-a", false, true));

        assertThat(stored.state().getResolution()).isEqualTo(AttributionPath.ALIAS);
        assertThat(stored.state().getArchived()).isTrue();
        assertThat(stored.state().getIndexed()).isTrue();
        assertThat(index()).containsExactly(KeyValue.pair(IdentifierKey.of(ALIAS, "tx-1"),
                entry(task.now(), "cust-a")));
        assertThat(queue()).isEmpty();
    }

    @Test
    void aParkedEventHoldsItsTransactionIdWhateverItsAge() {
        park("tx-1", ALIAS);
        UsageState state = state("tx-1");

        assertThat(ledger.holdsTransactionId(state, task.now() + PENDING.toMillis() * 10)).isTrue();
    }

    @Test
    void anAcceptedEventHoldsItsTransactionIdForTheDedupHorizonFromWhenItWasAccepted() {
        UsageState attributed = attribute("tx-1", ALIAS, CUSTOMER_A).state();
        long accepted = task.now();

        assertThat(ledger.holdsTransactionId(attributed, accepted + DEDUP.toMillis() - 1)).isTrue();
        assertThat(ledger.holdsTransactionId(attributed, accepted + DEDUP.toMillis())).isFalse();
        attributed.setStatus(UsageStatus.EXPIRED);
        assertThat(ledger.holdsTransactionId(attributed, accepted + DEDUP.toMillis() - 1)).isTrue();
        assertThat(ledger.holdsTransactionId(attributed, accepted + DEDUP.toMillis())).isFalse();
    }

    @Test
    void aRejectionNeverHoldsItsTransactionId() {
        reject("tx-1");

        assertThat(ledger.holdsTransactionId(state("tx-1"), task.now())).isFalse();
    }

    @Test
    void countingADuplicateStoresTheIncrementedCount() {
        park("tx-1", ALIAS);

        ledger.countDuplicate("tx-1", ledger.find("tx-1"));
        ledger.countDuplicate("tx-1", ledger.find("tx-1"));

        assertThat(state("tx-1").getDuplicateCount()).isEqualTo(2);
        assertThat(state("tx-1").getStatus()).isEqualTo(UsageStatus.PENDING);
    }

    @Test
    void aRejectionIsRecordedAsAShortSummaryOfTheEventWithoutProperties() {
        UsageEvent huge = UsageEvent.newBuilder(task.event("tx-1", "x".repeat(1000)))
                .setEventType("y".repeat(1000)).build();

        ledger.recordRejection("tx-1", null, huge, "CUSTOMER_ID_TOO_LONG", "too long", 5L, task.now());

        UsageState state = state("tx-1");
        assertThat(state.getStatus()).isEqualTo(UsageStatus.REJECTED);
        assertThat(state.getRejectionReason()).isEqualTo("CUSTOMER_ID_TOO_LONG");
        assertThat(state.getRejectionDetail()).isEqualTo("too long");
        assertThat(state.getIngestedAt()).isEqualTo(5L);
        assertThat(state.getEvent().getCustomerId()).hasSizeLessThanOrEqualTo(UsageLedger.REJECTED_FIELD_LENGTH);
        assertThat(state.getEvent().getEventType()).hasSizeLessThanOrEqualTo(UsageLedger.REJECTED_FIELD_LENGTH);
        assertThat(state.getEvent().getTransactionId()).isEqualTo("tx-1");
        assertThat(state.getEvent().getProperties()).isEmpty();
        assertThat(index()).isEmpty();
        assertThat(queue()).isEmpty();
    }

    @Test
    void aRejectionLeavesAnEventThatHoldsItsTransactionIdAsItWas() {
        park("tx-1", ALIAS);

        reject("tx-1");

        assertThat(state("tx-1").getStatus()).isEqualTo(UsageStatus.PENDING);
        assertThat(index()).hasSize(1);
        assertThat(queue()).hasSize(1);
    }

    @Test
    void aRejectionReplacesAnEventThatNoLongerHoldsItsTransactionIdAndRetiresItsIndexEntry() {
        attribute("tx-1", ALIAS, CUSTOMER_A);
        task.advance(DEDUP);

        reject("tx-1");

        assertThat(state("tx-1").getStatus()).isEqualTo(UsageStatus.REJECTED);
        assertThat(index()).isEmpty();
    }

    @Test
    void retiringAParkedEventTakesItOutOfBothIndexesAndTheCount() {
        park("tx-1", ALIAS);

        ledger.retire("tx-1", state("tx-1"));

        assertThat(index()).isEmpty();
        assertThat(queue()).isEmpty();
        assertThat(ledger.pendingCount()).isZero();
        assertThat(ledger.oldestPendingAcceptedAt()).isEqualTo(-1);
    }

    @Test
    void retiringAnEventAttributedThroughAnAliasTakesItOutOfTheIdentifierIndexOnly() {
        attribute("tx-1", ALIAS, CUSTOMER_A);
        park("tx-2", "other");

        ledger.retire("tx-1", state("tx-1"));

        assertThat(index()).extracting(kv -> kv.key).containsExactly(IdentifierKey.of("other", "tx-2"));
        assertThat(ledger.pendingCount()).isEqualTo(1);
    }

    // ---- replays and moves --------------------------------------------------------------------------------------

    @Test
    void anIdentifierChunkHoldsOnlyThatIdentifiersEntriesInOrderResumingAfterAKey() {
        park("tx-0", "ab");
        park("tx-3", "abc");
        park("tx-1", "ab");
        park("tx-2", "ab");
        park("tx-9", "a");

        List<KeyValue<Bytes, IdentifierEntry>> first = ledger.identifierChunk("ab", null, 2);
        List<KeyValue<Bytes, IdentifierEntry>> rest = ledger.identifierChunk("ab", first.get(1).key.get(), 2);

        assertThat(first).extracting(kv -> IdentifierKey.transactionId(kv.key)).containsExactly("tx-0", "tx-1");
        assertThat(rest).extracting(kv -> IdentifierKey.transactionId(kv.key)).containsExactly("tx-2");
        assertThat(ledger.identifierChunk("abc", null, 10)).hasSize(1);
        assertThat(ledger.identifierChunk("nobody", null, 10)).isEmpty();
    }

    @Test
    void applyingABindingReplaysParkedEventsToTheTarget() {
        park("tx-1", ALIAS);
        park("tx-2", ALIAS);
        park("tx-3", "other");
        task.advance(Duration.ofHours(1));

        List<Applied> applied = applyBinding(ALIAS, bound("cust-a", false, true));

        assertThat(applied).extracting(Applied::change).containsExactly(Change.REPLAYED, Change.REPLAYED);
        UsageState state = state("tx-1");
        assertThat(applied.get(0).usage().state()).isEqualTo(state);
        assertThat(state.getStatus()).isEqualTo(UsageStatus.ATTRIBUTED);
        assertThat(state.getResolution()).isEqualTo(AttributionPath.REPLAYED);
        assertThat(state.getCustomerId()).isEqualTo("cust-a");
        assertThat(state.getArchived()).isTrue();
        assertThat(state.getResolvedAt()).isEqualTo(task.now());
        assertThat(index()).extracting(kv -> kv.value.getCustomerId()).containsExactlyInAnyOrder("cust-a", "cust-a",
                null);
        assertThat(queue()).extracting(PendingTimeKey::transactionId).containsExactly("tx-3");
        assertThat(ledger.pendingCount()).isEqualTo(1);
    }

    @Test
    void applyingABindingMovesEventsAttributedThroughTheAliasToAnotherCustomerWithinTheAttributionHorizon() {
        attribute("tx-1", ALIAS, bound("cust-a", false, true));
        task.advance(ATTRIBUTION);

        List<Applied> applied = applyBinding(ALIAS, bound("cust-b", false, false));

        assertThat(applied).hasSize(1);
        assertThat(applied.get(0).change()).isEqualTo(Change.REASSIGNED);
        assertThat(applied.get(0).previousCustomer()).isEqualTo("cust-a");
        assertThat(applied.get(0).previousArchived()).isTrue();
        assertThat(state("tx-1").getCustomerId()).isEqualTo("cust-b");
        assertThat(state("tx-1").getResolution()).isEqualTo(AttributionPath.REASSIGNED);
        assertThat(state("tx-1").getArchived()).isFalse();
        assertThat(index()).extracting(kv -> kv.value).containsExactly(entry(task.now() - ATTRIBUTION.toMillis(),
                "cust-b"));
    }

    @Test
    void applyingABindingLeavesEventsAttributedLongerAgoThanTheAttributionHorizon() {
        attribute("tx-1", ALIAS, CUSTOMER_A);
        task.advance(ATTRIBUTION.plusMillis(1));

        assertThat(applyBinding(ALIAS, bound("cust-b", false, false))).extracting(Applied::change)
                .containsExactly(Change.NONE);
        assertThat(state("tx-1").getCustomerId()).isEqualTo("cust-a");
    }

    @Test
    void applyingABindingLeavesEventsAlreadyWithTheTarget() {
        attribute("tx-1", ALIAS, CUSTOMER_A);
        UsageState before = state("tx-1");

        assertThat(applyBinding(ALIAS, CUSTOMER_A)).extracting(Applied::change).containsExactly(Change.NONE);
        assertThat(state("tx-1")).isEqualTo(before);
    }

    @Test
    void applyingABindingToACustomersOwnIdReplaysAndStopsIndexing() {
        park("tx-1", "cust-1");

        assertThat(applyBinding("cust-1", bound("cust-1", true, false))).extracting(Applied::change)
                .containsExactly(Change.REPLAYED);

        assertThat(state("tx-1").getIndexed()).isFalse();
        assertThat(index()).isEmpty();
        assertThat(queue()).isEmpty();
    }

    @Test
    void applyingABindingDropsIndexEntriesWhoseStateIsGone() {
        park("tx-1", ALIAS);
        byTransaction().delete("tx-1");

        assertThat(applyBinding(ALIAS, CUSTOMER_A)).extracting(Applied::change).containsExactly(Change.NONE);
        assertThat(index()).isEmpty();
    }

    // ---- horizons -----------------------------------------------------------------------------------------------

    @Test
    void expiryTakesEventsParkedLongerThanThePendingHorizonOldestFirstUpToTheLimit() {
        park("tx-b", ALIAS);
        task.advance(Duration.ofHours(1));
        park("tx-a", ALIAS);
        task.advance(Duration.ofDays(2));
        park("tx-c", ALIAS);
        long youngest = task.now();
        task.advance(PENDING.minusDays(2).plusHours(1));

        List<UsageLedger.Expired> first = ledger.expirePending(task.now(), 1);
        List<UsageLedger.Expired> second = ledger.expirePending(task.now(), 10);

        assertThat(first).extracting(UsageLedger.Expired::transactionId).containsExactly("tx-b");
        assertThat(second).extracting(UsageLedger.Expired::transactionId).containsExactly("tx-a");
        UsageState expired = state("tx-b");
        assertThat(expired.getStatus()).isEqualTo(UsageStatus.EXPIRED);
        assertThat(expired.getIndexed()).isFalse();
        assertThat(expired.getResolvedAt()).isEqualTo(task.now());
        assertThat(index()).extracting(kv -> IdentifierKey.transactionId(kv.key)).containsExactly("tx-c");
        assertThat(queue()).containsExactly(PendingTimeKey.of(youngest, "tx-c"));
        assertThat(ledger.pendingCount()).isEqualTo(1);
        assertThat(ledger.oldestPendingAcceptedAt()).isEqualTo(youngest);
    }

    @Test
    void expirySkipsAndDropsTimeEntriesOfEventsNoLongerParked() {
        park("tx-1", ALIAS);
        IncomingUsage in = read("tx-1", ALIAS);
        byTransaction().put("tx-1", UsageCodec.attributed(in.event(), null, "cust-a", AttributionPath.ALIAS, false,
                true, task.now(), task.now()));
        task.advance(PENDING.plusMillis(1));

        assertThat(ledger.expirePending(task.now(), 10)).isEmpty();
        assertThat(queue()).isEmpty();
        assertThat(state("tx-1").getStatus()).isEqualTo(UsageStatus.ATTRIBUTED);
    }

    @Test
    void theSweepDropsAnAliasEventsIndexEntryAfterTheAttributionHorizonAndItsStateAfterTheDedupHorizon() {
        attribute("tx-1", ALIAS, CUSTOMER_A);
        task.advance(ATTRIBUTION.plusMillis(1));

        assertThat(ledger.sweep(task.now(), 100)).isZero();
        assertThat(index()).isEmpty();
        assertThat(state("tx-1").getIndexed()).isFalse();

        task.advance(DEDUP.minus(ATTRIBUTION));
        assertThat(ledger.sweep(task.now(), 100)).isEqualTo(1);
        assertThat(ledger.find("tx-1")).isNull();
    }

    @Test
    void theSweepDropsDirectEventsAndRejectionsAfterTheDedupHorizonAndLeavesParkedEvents() {
        attribute("tx-direct", "cust-1", bound("cust-1", true, false));
        reject("tx-rejected");
        park("tx-parked", ALIAS);
        task.advance(DEDUP.minusMillis(1));
        assertThat(ledger.sweep(task.now(), 100)).isZero();

        task.advance(Duration.ofMillis(2));
        assertThat(ledger.sweep(task.now(), 100)).isEqualTo(2);

        assertThat(transactionIds()).containsExactly("tx-parked");
        assertThat(index()).hasSize(1);
        assertThat(ledger.pendingCount()).isEqualTo(1);
    }

    @Test
    void theSweepKeepsAnExpiredEventForTheDedupHorizonAfterItExpired() {
        park("tx-1", ALIAS);
        task.advance(PENDING.plusMillis(1));
        ledger.expirePending(task.now(), 10);
        task.advance(DEDUP);

        assertThat(ledger.sweep(task.now(), 100)).isZero();
        task.advance(Duration.ofMillis(1));
        assertThat(ledger.sweep(task.now(), 100)).isEqualTo(1);
        assertThat(ledger.find("tx-1")).isNull();
    }

    @Test
    void theSweepResumesWhereItStoppedAndStartsAgainAfterTheLastEntry() {
        for (String transactionId : List.of("tx-1", "tx-2", "tx-3")) {
            reject(transactionId);
        }
        task.advance(DEDUP.plusMillis(1));

        assertThat(ledger.sweep(task.now(), 2)).isEqualTo(2);
        assertThat(transactionIds()).containsExactly("tx-3");
        assertThat(bookkeeping().getSweepCursor()).isEqualTo("tx-2");

        assertThat(ledger.sweep(task.now(), 2)).isEqualTo(1);
        assertThat(bookkeeping().getSweepCursor()).as("wrapped around").isNull();

        reject("tx-0");
        task.advance(DEDUP.plusMillis(1));
        assertThat(ledger.sweep(task.now(), 2)).isEqualTo(1);
        assertThat(transactionIds()).isEmpty();
    }

    @Test
    void approximateEntriesCountsTheTransactionIdsHeld() {
        park("tx-1", ALIAS);
        reject("tx-2");

        assertThat(ledger.approximateEntries()).isEqualTo(2);
    }

    @Test
    void nothingParkedMeansACountOfZeroAndNoOldestTime() {
        assertThat(ledger.pendingCount()).isZero();
        assertThat(ledger.oldestPendingAcceptedAt()).isEqualTo(-1);
        assertThat(bookkeeping()).as("nothing written until something changes").isNull();
    }
}
