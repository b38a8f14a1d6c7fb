package io.meterflow.ingest.aggregate;

import io.meterflow.ingest.aggregate.CompiledMetric.Contribution;
import io.meterflow.ingest.aggregate.CompiledMetric.Problem;
import io.meterflow.schemas.internal.ingest.AggregateEvent;
import io.meterflow.schemas.internal.ingest.AggregateState;
import io.meterflow.schemas.internal.ingest.MetricProgress;
import io.meterflow.topics.Topics;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
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
 * The aggregation's state in one task (the task of one usage-resolved partition, so one customer's aggregates are all
 * here), and every change to it:
 * <ul>
 *   <li>{@value #AGGREGATES}: row key ({@link AggregateKeys#row}: customer × metric version × UTC hour × group
 *       slice) → {@link AggregateState} (exact value, event count, LATEST's event time, last update). Kept while the
 *       metric version is current.</li>
 *   <li>{@value #VALUES}: what MAX, UNIQUE and LATEST need to stay exact when an event is retracted: per row, each
 *       distinct value with its number of contributing events (MAX, UNIQUE: an 8-byte count), or each contributing
 *       event (LATEST: event time and transaction ID → the value's text). Dropped by the sweep once the hour can no
 *       longer change.</li>
 *   <li>{@value #EVENTS}: (customer, transaction ID) → {@link AggregateEvent}: the usage attributed to the customer
 *       now (ASSIGN inserts, RETRACT deletes), so that a metric created later is backfilled from it, and a RETRACT
 *       finds what its ASSIGN folded. Dropped by the sweep once no record can move the event any more.</li>
 *   <li>{@value #PROGRESS}: metric ID → {@link MetricProgress}: which metrics this task folds into and how far their
 *       backfill got.</li>
 *   <li>{@value #DIRTY}: row key → empty: the rows changed since the last publication to usage-aggregates. A row is
 *       marked in the same transaction as its change and unmarked in the transaction that publishes it, so a crash or
 *       a rebalance between the two leaves the marker for whoever owns the task next: nothing is lost, nothing is
 *       published twice from one change.</li>
 * </ul>
 * All are RocksDB stores with changelogs, written in the task's exactly-once transaction together with the
 * usage-aggregates records they explain. {@value #AGGREGATES}, {@value #VALUES} and {@value #DIRTY} are cached: a hot
 * row (a customer's current hour) is rewritten on every event, and the cache turns those writes into one changelog
 * record per commit. {@value #EVENTS} (each key written about once) and {@value #PROGRESS} (written per metric change
 * or backfill step, and read only at start) are not.
 */
public final class AggregateLedger {

    public static final String AGGREGATES = "aggregates";
    public static final String VALUES = "aggregate-values";
    public static final String EVENTS = "aggregate-events";
    public static final String PROGRESS = "aggregation-progress";
    public static final String DIRTY = "aggregates-dirty";
    private static final byte[] MARKED = new byte[0];

    private static final long HOUR_MS = 3_600_000L;

    private final KeyValueStore<Bytes, AggregateState> aggregates;
    private final KeyValueStore<Bytes, byte[]> values;
    private final KeyValueStore<Bytes, AggregateEvent> events;
    private final KeyValueStore<String, MetricProgress> progress;
    private final KeyValueStore<Bytes, byte[]> dirty;
    /**
     * Rows marked in {@value #DIRTY} since the last publication, so a hot row's marker is written once per interval,
     * not once per event. Only ever a subset of the store's keys: it starts empty with each ledger (the processor's
     * init, also after a crash rolled the store back), so a row missing here only costs a redundant put.
     */
    private final Set<Bytes> marked = new HashSet<>();

    public AggregateLedger(ProcessingContext context) {
        this(context.getStateStore(AGGREGATES), context.getStateStore(VALUES), context.getStateStore(EVENTS),
                context.getStateStore(PROGRESS), context.getStateStore(DIRTY));
    }

    AggregateLedger(KeyValueStore<Bytes, AggregateState> aggregates, KeyValueStore<Bytes, byte[]> values,
            KeyValueStore<Bytes, AggregateEvent> events, KeyValueStore<String, MetricProgress> progress,
            KeyValueStore<Bytes, byte[]> dirty) {
        this.aggregates = aggregates;
        this.values = values;
        this.events = events;
        this.progress = progress;
        this.dirty = dirty;
    }

    public static List<StoreBuilder<?>> storeBuilders(Topics topics) {
        return storeBuilders(topics, Stores::persistentKeyValueStore);
    }

    public static List<StoreBuilder<?>> storeBuilders(Topics topics,
            Function<String, KeyValueBytesStoreSupplier> stores) {
        return List.of(
                Stores.keyValueStoreBuilder(stores.apply(AGGREGATES), Serdes.Bytes(),
                        topics.valueSerde(AggregateState.class)).withCachingEnabled(),
                Stores.keyValueStoreBuilder(stores.apply(VALUES), Serdes.Bytes(), Serdes.ByteArray())
                        .withCachingEnabled(),
                Stores.keyValueStoreBuilder(stores.apply(EVENTS), Serdes.Bytes(),
                        topics.valueSerde(AggregateEvent.class)).withCachingDisabled(),
                Stores.keyValueStoreBuilder(stores.apply(PROGRESS), Serdes.String(),
                        topics.valueSerde(MetricProgress.class)).withCachingDisabled(),
                Stores.keyValueStoreBuilder(stores.apply(DIRTY), Serdes.Bytes(), Serdes.ByteArray())
                        .withCachingEnabled());
    }

    public static String[] storeNames() {
        return new String[] {AGGREGATES, VALUES, EVENTS, PROGRESS, DIRTY};
    }

    public static long hourOf(long eventTime) {
        return Math.floorDiv(eventTime, HOUR_MS) * HOUR_MS;
    }

    // ---- held events ------------------------------------------------------------------------------------------

    public AggregateEvent held(Bytes eventKey) {
        return events.get(eventKey);
    }

    public void hold(Bytes eventKey, AggregateEvent event) {
        events.put(eventKey, event);
    }

    public void release(Bytes eventKey) {
        events.delete(eventKey);
    }

    /** Up to {@code limit} held events after {@code after} (null: from the first), in key order. */
    public List<KeyValue<Bytes, AggregateEvent>> heldChunk(byte[] after, int limit) {
        List<KeyValue<Bytes, AggregateEvent>> chunk = new ArrayList<>(Math.min(limit, 1024));
        try (KeyValueIterator<Bytes, AggregateEvent> it = after == null ? events.all()
                : events.range(AggregateKeys.successor(after), null)) {
            while (chunk.size() < limit && it.hasNext()) {
                chunk.add(it.next());
            }
        }
        return chunk;
    }

    // ---- progress ---------------------------------------------------------------------------------------------

    public TreeMap<String, MetricProgress> allProgress() {
        TreeMap<String, MetricProgress> all = new TreeMap<>();
        try (KeyValueIterator<String, MetricProgress> it = progress.all()) {
            it.forEachRemaining(kv -> all.put(kv.key, kv.value));
        }
        return all;
    }

    public void putProgress(String metricId, MetricProgress value) {
        progress.put(metricId, value);
    }

    public void deleteProgress(String metricId) {
        progress.delete(metricId);
    }

    // ---- publication ------------------------------------------------------------------------------------------

    /** Marks {@code row} changed since the last publication (once per interval: see {@link #marked}). */
    private void markDirty(Bytes row) {
        if (marked.add(row)) {
            dirty.put(row, MARKED);
        }
    }

    /** Every row marked changed since the last publication, in key order. */
    public List<Bytes> dirtyRows() {
        List<Bytes> rows = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = dirty.all()) {
            it.forEachRemaining(kv -> rows.add(kv.key));
        }
        return rows;
    }

    /** The row as stored now (null: swept since it was marked). */
    public AggregateState row(Bytes row) {
        return aggregates.get(row);
    }

    /**
     * Unmarks {@code rows}: they were published (or need not be), in this transaction. Forgets every row marked in
     * memory: a row still marked in the store then only costs a redundant put.
     */
    public void clearDirty(List<Bytes> rows) {
        rows.forEach(dirty::delete);
        marked.clear();
    }

    // ---- folding ----------------------------------------------------------------------------------------------

    /** What folding one event into one metric did. */
    public enum Outcome { FOLDED, NOT_MATCHED, NOT_NUMERIC, OUT_OF_RANGE, TOO_LONG, UNMATCHED_RETRACT }

    /**
     * Adds ({@code sign} 1) or removes ({@code sign} -1) one event to or from {@code metric}'s rows of the event's
     * hour: the total and one row per group key. A removal that finds no event to remove in the total changes nothing
     * ({@code UNMATCHED_RETRACT}). Every row changed is marked for the next publication.
     */
    public Outcome fold(String customerId, String transactionId, AggregateEvent event, CompiledMetric metric,
            long version, int sign, long now) {
        if (!metric.matches(event.getEventType(), event.getProperties())) {
            return Outcome.NOT_MATCHED;
        }
        Contribution contribution = metric.contribution(event.getProperties());
        if (contribution.problem() != null) {
            return switch (contribution.problem()) {
                case NOT_NUMERIC -> Outcome.NOT_NUMERIC;
                case OUT_OF_RANGE -> Outcome.OUT_OF_RANGE;
                case TOO_LONG -> Outcome.TOO_LONG;
            };
        }
        if (!contribution.contributes()) {
            return Outcome.NOT_MATCHED;
        }
        List<List<String>> groupValues = metric.groupValues(event.getProperties());
        if (groupValues == null) {
            return Outcome.TOO_LONG;
        }
        long hour = hourOf(event.getEventTime());
        Bytes total = AggregateKeys.row(customerId, metric.id(), version, hour, 0, List.of());
        AggregateState totalState = aggregates.get(total);
        if (sign < 0 && (totalState == null || totalState.getEventCount() <= 0)) {
            return Outcome.UNMATCHED_RETRACT;
        }
        apply(total, totalState, metric, contribution, event, transactionId, sign, now);
        for (int i = 0; i < groupValues.size(); i++) {
            Bytes row = AggregateKeys.row(customerId, metric.id(), version, hour, i + 1, groupValues.get(i));
            apply(row, aggregates.get(row), metric, contribution, event, transactionId, sign, now);
        }
        return Outcome.FOLDED;
    }

    private void apply(Bytes row, AggregateState state, CompiledMetric metric, Contribution contribution,
            AggregateEvent event, String transactionId, int sign, long now) {
        if (state == null) {
            state = new AggregateState(null, 0L, null, now);
        }
        long count = Math.max(0, state.getEventCount() + sign);
        state.setEventCount(count);
        switch (metric.type()) {
            case COUNT -> state.setValue(Long.toString(count));
            case SUM -> {
                BigDecimal sum = state.getValue() == null ? BigDecimal.ZERO : new BigDecimal(state.getValue());
                sum = sign > 0 ? sum.add(contribution.number()) : sum.subtract(contribution.number());
                state.setValue(CompiledMetric.format(sum));
            }
            case MAX -> state.setValue(max(row, state.getValue(), contribution.number(), sign));
            case UNIQUE -> {
                Bytes entry = AggregateKeys.value(row, contribution.text());
                long before = count(entry);
                long after = Math.max(0, before + sign);
                put(entry, after);
                long distinct = state.getValue() == null ? 0 : Long.parseLong(state.getValue());
                if (before == 0 && after > 0) {
                    distinct++;
                } else if (before > 0 && after == 0) {
                    distinct--;
                }
                state.setValue(Long.toString(distinct));
            }
            case LATEST -> {
                Bytes entry = AggregateKeys.latest(row, event.getEventTime(), transactionId);
                if (sign > 0) {
                    values.put(entry, CompiledMetric.format(contribution.number()).getBytes(StandardCharsets.UTF_8));
                } else {
                    values.delete(entry);
                }
                KeyValue<Bytes, byte[]> latest = latestEntry(row);
                if (latest != null) {
                    state.setValue(new String(latest.value, StandardCharsets.UTF_8));
                    state.setLatestEventTime(AggregateKeys.latestTime(row, latest.key));
                } else {
                    state.setValue(null);
                    state.setLatestEventTime(null);
                }
            }
        }
        state.setUpdatedAt(now);
        aggregates.put(row, state);
        markDirty(row);
    }

    /**
     * The newest LATEST entry of {@code row}, or null. Entries read with a null value are skipped: Kafka Streams'
     * caching store (4.3.1) can return an entry deleted in its cache, not yet flushed, as a null value when it iterates
     * in reverse and the entry's key is above the next key of the store beneath (its merge of cache and store skips
     * deleted entries correctly only going forward). Skipping them gives the newest live entry: a deleted entry the
     * merge skips too early sits below the store's next key, which is then live and returned first.
     */
    private KeyValue<Bytes, byte[]> latestEntry(Bytes row) {
        try (KeyValueIterator<Bytes, byte[]> it =
                     values.reverseRange(AggregateKeys.valuesFirst(row), AggregateKeys.valuesLast(row))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> entry = it.next();
                if (entry.value != null) {
                    return entry;
                }
            }
        }
        return null;
    }

    /** MAX after adding or removing one event of {@code number}: the values of the row are scanned only when the max leaves. */
    private String max(Bytes row, String current, BigDecimal number, int sign) {
        Bytes entry = AggregateKeys.value(row, CompiledMetric.format(number));
        long after = Math.max(0, count(entry) + sign);
        put(entry, after);
        if (sign > 0) {
            return current == null || number.compareTo(new BigDecimal(current)) > 0 ? CompiledMetric.format(number)
                    : current;
        }
        if (after > 0 || current == null || number.compareTo(new BigDecimal(current)) != 0) {
            return current;
        }
        BigDecimal max = null;
        try (KeyValueIterator<Bytes, byte[]> it =
                     values.range(AggregateKeys.valuesFirst(row), AggregateKeys.valuesLast(row))) {
            while (it.hasNext()) {
                BigDecimal candidate = new BigDecimal(AggregateKeys.valueText(row, it.next().key));
                if (max == null || candidate.compareTo(max) > 0) {
                    max = candidate;
                }
            }
        }
        return max == null ? null : CompiledMetric.format(max);
    }

    private long count(Bytes entry) {
        byte[] v = values.get(entry);
        return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    }

    private void put(Bytes entry, long count) {
        if (count <= 0) {
            values.delete(entry);
        } else {
            values.put(entry, ByteBuffer.allocate(8).putLong(count).array());
        }
    }

    // ---- horizons ---------------------------------------------------------------------------------------------

    /**
     * Drops value entries of metric versions no longer current, of hours that ended more than {@code retentionMs} ago,
     * and of hours that ended more than {@code closeAfterMs} ago except those of metrics for which {@code keep} says
     * yes (UNIQUE: days and periods are unions of the hours' distinct values, so those stay as long as the rows),
     * looking at up to {@code limit} entries after {@code cursor}; returns the cursor to continue from (null: start
     * again from the first).
     */
    public Bytes sweepValues(Bytes cursor, long now, long closeAfterMs, long retentionMs, int limit,
            VersionCheck current, java.util.function.Predicate<String> keep) {
        List<Bytes> due = new ArrayList<>();
        Bytes last = null;
        int seen = 0;
        try (KeyValueIterator<Bytes, byte[]> it = cursor == null ? values.all()
                : values.range(AggregateKeys.successor(cursor.get()), null)) {
            while (seen < limit && it.hasNext()) {
                Bytes key = it.next().key;
                seen++;
                last = key;
                String metricId = AggregateKeys.metricIdOf(key.get());
                long hourEnd = AggregateKeys.hourOf(key.get()) + HOUR_MS;
                if (!current.test(metricId, AggregateKeys.versionOf(key.get())) || hourEnd + retentionMs < now
                        || (hourEnd + closeAfterMs < now && !keep.test(metricId))) {
                    due.add(key);
                }
            }
        }
        due.forEach(values::delete);
        return seen < limit ? null : last;
    }

    /** Whether a metric version is the one the task folds into (or keeps, archived). */
    @FunctionalInterface
    public interface VersionCheck {
        boolean test(String metricId, long version);
    }

    /**
     * Drops rows of metric versions no longer current (a changed or removed metric) and of hours that ended more than
     * {@code retentionMs} ago, as {@link #sweepValues}. Nothing is published for them: usage-aggregates keeps each
     * row's last value.
     */
    public Bytes sweepRows(Bytes cursor, long now, long retentionMs, int limit, VersionCheck current) {
        List<Bytes> due = new ArrayList<>();
        Bytes last = null;
        int seen = 0;
        try (KeyValueIterator<Bytes, AggregateState> it = cursor == null ? aggregates.all()
                : aggregates.range(AggregateKeys.successor(cursor.get()), null)) {
            while (seen < limit && it.hasNext()) {
                Bytes key = it.next().key;
                seen++;
                last = key;
                if (!current.test(AggregateKeys.metricIdOf(key.get()), AggregateKeys.versionOf(key.get()))
                        || AggregateKeys.hourOf(key.get()) + HOUR_MS + retentionMs < now) {
                    due.add(key);
                }
            }
        }
        due.forEach(aggregates::delete);
        return seen < limit ? null : last;
    }

    /** As {@link #sweepValues}, for events held (ASSIGN read) more than {@code keepMs} ago. */
    public Bytes sweepEvents(Bytes cursor, long now, long keepMs, int limit) {
        List<Bytes> due = new ArrayList<>();
        Bytes last = null;
        int seen = 0;
        try (KeyValueIterator<Bytes, AggregateEvent> it = cursor == null ? events.all()
                : events.range(AggregateKeys.successor(cursor.get()), null)) {
            while (seen < limit && it.hasNext()) {
                KeyValue<Bytes, AggregateEvent> next = it.next();
                seen++;
                last = next.key;
                if (now - next.value.getHeldAt() > keepMs) {
                    due.add(next.key);
                }
            }
        }
        due.forEach(events::delete);
        return seen < limit ? null : last;
    }

    /** Whether {@code outcome} is one of the counted problems. */
    static Problem problem(Outcome outcome) {
        return switch (outcome) {
            case NOT_NUMERIC -> Problem.NOT_NUMERIC;
            case OUT_OF_RANGE -> Problem.OUT_OF_RANGE;
            case TOO_LONG -> Problem.TOO_LONG;
            default -> null;
        };
    }
}
