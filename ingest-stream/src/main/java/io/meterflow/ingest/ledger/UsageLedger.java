package io.meterflow.ingest.ledger;

import io.meterflow.ingest.IngestConfig.Horizons;
import io.meterflow.ingest.emit.FlatCodecs;
import io.meterflow.ingest.emit.StoredUsage;
import io.meterflow.ingest.emit.UsageCodec;
import io.meterflow.ingest.validate.UnicodeText;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.AttributionPath;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.schemas.internal.ingest.IdentifierEntry;
import io.meterflow.schemas.internal.ingest.IngestBookkeeping;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import io.meterflow.serde.AvroBinary;
import io.meterflow.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Everything ingest-stream knows about usage it has read, in one task: the stores below and every change to them,
 * so that {@code resolve} (live usage, expiry) and {@code apply-binding} (replays, moves) keep them consistent.
 *
 * <ul>
 *   <li>{@value #USAGE_BY_TRANSACTION}: transaction ID → {@link UsageState} (as a {@link StoredUsage}, which keeps
 *       the event's encoding so a write copies it rather than encoding it; see {@link UsageCodec}). De-duplication
 *       and event search are key lookups here. Written once per accepted event (more only when it is replayed, moved
 *       or duplicated).</li>
 *   <li>{@value #USAGE_BY_IDENTIFIER}: {@link IdentifierKey} (identifier, transaction ID) → {@link IdentifierEntry},
 *       only for events that can still move: parked ones and ones attributed through an alias. Usage under a
 *       customer's own ID never moves and is not indexed.</li>
 *   <li>{@value #PENDING_BY_TIME}: {@link PendingTimeKey} (accepted time, transaction ID) → empty, only for parked
 *       events: expiry and the oldest-pending gauge read its front instead of scanning.</li>
 *   <li>{@value #BOOKKEEPING}: the task's parked-event count and sweep cursor (cached: one changelog record per
 *       commit at most).</li>
 * </ul>
 * All are RocksDB stores with changelogs, written in the task's exactly-once transaction together with the records
 * they explain: an ID is claimed only with the output that claims it.
 */
public final class UsageLedger {

    public static final String USAGE_BY_TRANSACTION = "usage-by-transaction";
    public static final String USAGE_BY_IDENTIFIER = "usage-by-identifier";
    public static final String PENDING_BY_TIME = "pending-by-time";
    public static final String BOOKKEEPING = "ingest-bookkeeping";
    /** Longest string field of a rejected event kept for search, in UTF-16 units. */
    public static final int REJECTED_FIELD_LENGTH = 256;

    private static final String TASK_KEY = "task";
    private static final byte[] EMPTY = new byte[0];

    private final KeyValueStore<String, StoredUsage> byTransaction;
    private final KeyValueStore<Bytes, IdentifierEntry> byIdentifier;
    private final KeyValueStore<Bytes, byte[]> pendingByTime;
    private final KeyValueStore<String, IngestBookkeeping> bookkeeping;
    private final Horizons horizons;

    public UsageLedger(ProcessingContext context, Horizons horizons) {
        this.byTransaction = context.getStateStore(USAGE_BY_TRANSACTION);
        this.byIdentifier = context.getStateStore(USAGE_BY_IDENTIFIER);
        this.pendingByTime = context.getStateStore(PENDING_BY_TIME);
        this.bookkeeping = context.getStateStore(BOOKKEEPING);
        this.horizons = horizons;
    }

    /**
     * The ledger's stores. Caching is off for the three usage stores: their keys are written about once each, so a
     * cache would only add copying; the bookkeeping store is rewritten on every park and replay and is cached.
     */
    public static List<StoreBuilder<?>> storeBuilders(Topics topics) {
        return storeBuilders(topics, Stores::persistentKeyValueStore);
    }

    /**
     * The same stores with the same serdes, kept in what {@code stores} supplies for each name: persistent in the
     * app, {@code Stores::inMemoryKeyValueStore} in unit tests.
     */
    public static List<StoreBuilder<?>> storeBuilders(Topics topics,
            Function<String, KeyValueBytesStoreSupplier> stores) {
        return List.of(
                Stores.keyValueStoreBuilder(stores.apply(USAGE_BY_TRANSACTION),
                        Serdes.String(), UsageCodec.storedUsageSerde(topics.serdeConfig())).withCachingDisabled(),
                Stores.keyValueStoreBuilder(stores.apply(USAGE_BY_IDENTIFIER),
                        Serdes.Bytes(), FlatCodecs.identifierEntry(topics.serdeConfig())).withCachingDisabled(),
                Stores.keyValueStoreBuilder(stores.apply(PENDING_BY_TIME),
                        Serdes.Bytes(), Serdes.ByteArray()).withCachingDisabled(),
                Stores.keyValueStoreBuilder(stores.apply(BOOKKEEPING),
                        Serdes.String(), topics.valueSerde(IngestBookkeeping.class)).withCachingEnabled());
    }

    public static String[] storeNames() {
        return new String[] {USAGE_BY_TRANSACTION, USAGE_BY_IDENTIFIER, PENDING_BY_TIME, BOOKKEEPING};
    }

    // ---- live usage -------------------------------------------------------------------------------------------

    /** What the ledger holds for {@code transactionId}, or null. */
    public StoredUsage find(String transactionId) {
        return byTransaction.get(transactionId);
    }

    /**
     * Whether {@code state} makes a new record with its transaction ID a duplicate at {@code now}: a parked event
     * always does (until it expires), an accepted one for the dedup horizon; a rejection never does.
     */
    public boolean holdsTransactionId(UsageState state, long now) {
        return switch (state.getStatus()) {
            case PENDING -> true;
            case ATTRIBUTED, EXPIRED -> now - state.getAcceptedAt() < horizons.dedupMs();
            case REJECTED -> false;
        };
    }

    public void countDuplicate(String transactionId, StoredUsage stored) {
        UsageState state = stored.state();
        state.setDuplicateCount(state.getDuplicateCount() + 1);
        byTransaction.put(transactionId, stored);
    }

    /**
     * Records a rejection so that search can say why, unless an accepted event holds the ID ({@code existing}, as
     * just read). A rejection never reserves the ID. Only {@link #rejectedSummary a summary} of the event is kept:
     * anyone can send refused records, so what they cost in state (and in the changelog) must not depend on their
     * size, and properties that broke a rule (a forged number, a lone surrogate) must never be written out again by
     * search.
     */
    public void recordRejection(String transactionId, StoredUsage existing, UsageEvent event, String reason,
            String detail, long ingestedAt, long now) {
        if (existing != null) {
            if (holdsTransactionId(existing.state(), now)) {
                return;
            }
            retire(transactionId, existing.state());
        }
        byTransaction.put(transactionId, UsageCodec.rejected(rejectedSummary(event), reason, detail, ingestedAt, now));
    }

    /**
     * What the ledger keeps of a rejected event: its four string fields, each cut to {@value #REJECTED_FIELD_LENGTH}
     * characters and made valid Unicode, and no properties. The whole record is on usage-rejected (up to its bound).
     */
    static UsageEvent rejectedSummary(UsageEvent event) {
        return UsageEvent.newBuilder()
                .setTransactionId(UnicodeText.printable(event.getTransactionId(), REJECTED_FIELD_LENGTH))
                .setCustomerId(UnicodeText.printable(event.getCustomerId(), REJECTED_FIELD_LENGTH))
                .setEventType(UnicodeText.printable(event.getEventType(), REJECTED_FIELD_LENGTH))
                .setTimestamp(UnicodeText.printable(event.getTimestamp(), REJECTED_FIELD_LENGTH))
                .setProperties(Map.of())
                .build();
    }

    /** Removes the index entries of a state that a new record with the same transaction ID replaces. */
    public void retire(String transactionId, UsageState old) {
        if (old.getIndexed()) {
            byIdentifier.delete(IdentifierKey.of(old.getEvent().getCustomerId(), transactionId));
        }
        if (old.getStatus() == UsageStatus.PENDING) {
            pendingByTime.delete(PendingTimeKey.of(old.getAcceptedAt(), transactionId));
            adjustPending(-1);
        }
    }

    /**
     * Attributes a live event to the customer its identifier is bound to; returns what it stored. {@code encoded}:
     * the event's encoding as read ({@link UsageCodec#encodingAsRead}), or null.
     */
    public StoredUsage attribute(String transactionId, UsageEvent event, AvroBinary encoded, BoundCustomer binding,
            long ingestedAt, long now) {
        boolean movable = !binding.getIsCustomerId();
        StoredUsage stored = UsageCodec.attributed(event, encoded, binding.getCustomerId(),
                movable ? AttributionPath.ALIAS : AttributionPath.DIRECT, binding.getArchived(), movable, ingestedAt,
                now);
        byTransaction.put(transactionId, stored);
        if (movable) {
            byIdentifier.put(IdentifierKey.of(event.getCustomerId(), transactionId),
                    new IdentifierEntry(now, binding.getCustomerId()));
        }
        return stored;
    }

    /** Parks an event whose identifier is not bound ({@code encoded}: as for {@link #attribute}). */
    public void park(String transactionId, UsageEvent event, AvroBinary encoded, long ingestedAt, long now) {
        byTransaction.put(transactionId, UsageCodec.pending(event, encoded, ingestedAt, now));
        byIdentifier.put(IdentifierKey.of(event.getCustomerId(), transactionId), new IdentifierEntry(now, null));
        pendingByTime.put(PendingTimeKey.of(now, transactionId), EMPTY);
        adjustPending(1);
    }

    // ---- replays and moves ------------------------------------------------------------------------------------

    /** Up to {@code limit} index entries of {@code identifier}, after {@code resumeAfter} (null: from the first). */
    public List<KeyValue<Bytes, IdentifierEntry>> identifierChunk(String identifier, byte[] resumeAfter, int limit) {
        Bytes from = resumeAfter == null ? IdentifierKey.first(identifier) : IdentifierKey.successor(resumeAfter);
        List<KeyValue<Bytes, IdentifierEntry>> chunk = new ArrayList<>(Math.min(limit, 1024));
        try (KeyValueIterator<Bytes, IdentifierEntry> it = byIdentifier.range(from, IdentifierKey.last(identifier))) {
            while (chunk.size() < limit && it.hasNext()) {
                chunk.add(it.next());
            }
        }
        return chunk;
    }

    /** What applying a binding did to one indexed event. */
    public enum Change { NONE, REPLAYED, REASSIGNED }

    /**
     * The outcome of {@link #applyBinding}: the usage as now stored (null for {@code NONE}); for {@code REASSIGNED},
     * the customer and archived flag the event is taken back from.
     */
    public record Applied(Change change, StoredUsage usage, String previousCustomer, boolean previousArchived) {
        static final Applied NONE = new Applied(Change.NONE, null, null, false);
    }

    /**
     * Moves each indexed event of {@code chunk} (entries of {@code identifier}, as read by {@link #identifierChunk})
     * to {@code target}: a parked event is attributed (REPLAYED), one attributed through the alias to another
     * customer within the attribution horizon moves (REASSIGNED), one already with {@code target} stays. Each entry's
     * own status makes this safe to repeat and to restart with a new target halfway through. The task's parked count
     * is updated once for the whole chunk.
     *
     * @return what happened to each entry, in the chunk's order
     */
    public List<Applied> applyBinding(String identifier, List<KeyValue<Bytes, IdentifierEntry>> chunk,
            BoundCustomer target, long now) {
        List<Applied> applied = new ArrayList<>(chunk.size());
        int replayed = 0;
        for (KeyValue<Bytes, IdentifierEntry> indexed : chunk) {
            Applied one = applyBinding(identifier, indexed, target, now);
            if (one.change() == Change.REPLAYED) {
                replayed++;
            }
            applied.add(one);
        }
        if (replayed > 0) {
            adjustPending(-replayed);
        }
        return applied;
    }

    private Applied applyBinding(String identifier, KeyValue<Bytes, IdentifierEntry> indexed, BoundCustomer target,
            long now) {
        IdentifierEntry entry = indexed.value;
        String targetCustomer = target.getCustomerId();
        if (entry.getCustomerId() != null) {
            boolean beyondHorizon = now - entry.getAcceptedAt() > horizons.attributionMs();
            if (entry.getCustomerId().equals(targetCustomer) || beyondHorizon) {
                return Applied.NONE;
            }
        }
        String transactionId = IdentifierKey.transactionId(indexed.key);
        StoredUsage stored = byTransaction.get(transactionId);
        UsageState state = stored == null ? null : stored.state();
        if (state == null || !state.getIndexed() || !identifier.equals(state.getEvent().getCustomerId())
                || (state.getStatus() != UsageStatus.PENDING && state.getStatus() != UsageStatus.ATTRIBUTED)) {
            byIdentifier.delete(indexed.key); // left behind by a state that was replaced or dropped
            return Applied.NONE;
        }
        String previousCustomer = state.getCustomerId();
        boolean previousArchived = state.getArchived();
        boolean wasPending = state.getStatus() == UsageStatus.PENDING;
        if (!wasPending && targetCustomer.equals(previousCustomer)) {
            byIdentifier.put(indexed.key, new IdentifierEntry(entry.getAcceptedAt(), targetCustomer));
            return Applied.NONE;
        }
        state.setStatus(UsageStatus.ATTRIBUTED);
        state.setCustomerId(targetCustomer);
        state.setResolution(wasPending ? AttributionPath.REPLAYED : AttributionPath.REASSIGNED);
        state.setArchived(target.getArchived());
        state.setResolvedAt(now);
        if (target.getIsCustomerId()) {
            // Usage under a customer's own ID never moves again.
            state.setIndexed(false);
            byIdentifier.delete(indexed.key);
        } else {
            byIdentifier.put(indexed.key, new IdentifierEntry(entry.getAcceptedAt(), targetCustomer));
        }
        byTransaction.put(transactionId, stored);
        if (wasPending) {
            pendingByTime.delete(PendingTimeKey.of(state.getAcceptedAt(), transactionId));
            // The parked count is updated by the caller, once per chunk.
            return new Applied(Change.REPLAYED, stored, null, false);
        }
        return new Applied(Change.REASSIGNED, stored, previousCustomer, previousArchived);
    }

    // ---- horizons ---------------------------------------------------------------------------------------------

    /** A parked event that has outlived the pending horizon, now EXPIRED. */
    public record Expired(String transactionId, UsageState state) {
    }

    /**
     * Expires up to {@code limit} parked events older than the pending horizon, oldest first. Each leaves both
     * indexes and stays in {@value #USAGE_BY_TRANSACTION} as EXPIRED (for search) until the dedup horizon has passed
     * since it expired.
     */
    public List<Expired> expirePending(long now, int limit) {
        long cutoff = now - horizons.pendingMs();
        List<Bytes> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = pendingByTime.all()) {
            while (due.size() < limit && it.hasNext()) {
                Bytes key = it.next().key;
                if (PendingTimeKey.acceptedAt(key) >= cutoff) {
                    break;
                }
                due.add(key);
            }
        }
        List<Expired> expired = new ArrayList<>(due.size());
        for (Bytes key : due) {
            String transactionId = PendingTimeKey.transactionId(key);
            pendingByTime.delete(key);
            StoredUsage stored = byTransaction.get(transactionId);
            UsageState state = stored == null ? null : stored.state();
            if (state == null || state.getStatus() != UsageStatus.PENDING
                    || state.getAcceptedAt() != PendingTimeKey.acceptedAt(key)) {
                continue; // an index entry left behind by a state that changed since
            }
            byIdentifier.delete(IdentifierKey.of(state.getEvent().getCustomerId(), transactionId));
            state.setStatus(UsageStatus.EXPIRED);
            state.setIndexed(false);
            state.setResolvedAt(now);
            byTransaction.put(transactionId, stored);
            expired.add(new Expired(transactionId, state));
        }
        if (!expired.isEmpty()) {
            adjustPending(-expired.size());
        }
        return expired;
    }

    /**
     * Looks at the next {@code limit} entries of {@value #USAGE_BY_TRANSACTION} (resuming where the last call
     * stopped, wrapping around at the end) and drops what no horizon needs any more: index entries of events older
     * than the attribution horizon, and states that neither hold their ID (dedup horizon) nor can move. Parked events
     * are left to {@link #expirePending}.
     *
     * @return how many states were dropped
     */
    public int sweep(long now, int limit) {
        IngestBookkeeping book = bookkeeping();
        String cursor = book.getSweepCursor();
        List<KeyValue<String, StoredUsage>> chunk = new ArrayList<>(Math.min(limit, 4096));
        try (KeyValueIterator<String, StoredUsage> it = byTransaction.range(cursor, null)) {
            while (chunk.size() < limit && it.hasNext()) {
                KeyValue<String, StoredUsage> next = it.next();
                if (cursor == null || !next.key.equals(cursor)) {
                    chunk.add(next);
                }
            }
        }
        int dropped = 0;
        for (KeyValue<String, StoredUsage> kv : chunk) {
            UsageState state = kv.value.state();
            long age = now - state.getAcceptedAt();
            switch (state.getStatus()) {
                case PENDING -> {
                }
                case ATTRIBUTED -> {
                    boolean changed = false;
                    if (state.getIndexed() && age > horizons.attributionMs()) {
                        byIdentifier.delete(IdentifierKey.of(state.getEvent().getCustomerId(), kv.key));
                        state.setIndexed(false);
                        changed = true;
                    }
                    if (!state.getIndexed() && age > horizons.dedupMs()) {
                        byTransaction.delete(kv.key);
                        dropped++;
                    } else if (changed) {
                        byTransaction.put(kv.key, kv.value);
                    }
                }
                case REJECTED -> {
                    if (age > horizons.dedupMs()) {
                        byTransaction.delete(kv.key);
                        dropped++;
                    }
                }
                case EXPIRED -> {
                    long since = state.getResolvedAt() == null ? state.getAcceptedAt() : state.getResolvedAt();
                    if (now - since > horizons.dedupMs()) {
                        byTransaction.delete(kv.key);
                        dropped++;
                    }
                }
            }
        }
        book.setSweepCursor(chunk.size() < limit ? null : chunk.get(chunk.size() - 1).key);
        bookkeeping.put(TASK_KEY, book);
        return dropped;
    }

    /** RocksDB's estimate of how many transaction IDs the ledger holds (cheap; for pacing the sweep). */
    public long approximateEntries() {
        return byTransaction.approximateNumEntries();
    }

    // ---- gauges -----------------------------------------------------------------------------------------------

    public long pendingCount() {
        return bookkeeping().getPendingCount();
    }

    /** Accepted time of the oldest parked event, or -1 when none is parked. */
    public long oldestPendingAcceptedAt() {
        try (KeyValueIterator<Bytes, byte[]> it = pendingByTime.all()) {
            return it.hasNext() ? PendingTimeKey.acceptedAt(it.next().key) : -1;
        }
    }

    private IngestBookkeeping bookkeeping() {
        IngestBookkeeping book = bookkeeping.get(TASK_KEY);
        return book != null ? book : new IngestBookkeeping(0L, null);
    }

    private void adjustPending(int delta) {
        IngestBookkeeping book = bookkeeping();
        book.setPendingCount(book.getPendingCount() + delta);
        bookkeeping.put(TASK_KEY, book);
    }
}
