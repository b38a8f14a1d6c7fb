package io.meterflow.ingest.aggregate;

import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Bound;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Group;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.WindowSize;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.WindowValue;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.internal.ingest.AggregateState;
import io.meterflow.schemas.internal.ingest.MetricProgress;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads of one task's aggregation stores (one usage-resolved partition): the windows of {@link UsageAggregatesQuery}
 * derived from the hourly rows. HOUR windows are the rows; DAY and NONE combine them: COUNT and SUM add, MAX takes the
 * largest, LATEST the value of the hour with the latest event, UNIQUE counts the union of the hours' distinct values
 * (read from {@value AggregateLedger#VALUES}, where UNIQUE's entries are kept as long as the rows; an hour's count is
 * its row's). Windows without usage are 0 for COUNT, SUM and UNIQUE and null for MAX and LATEST. Groups are ordered by
 * their values (null first, then by UTF-8 bytes).
 *
 * <p>What a read holds does not grow with the customer's usage: a grouped read keeps only the groups its
 * {@link Bound} lets the answer show ({@link GroupSelection}), and a UNIQUE union holds a bounded share of the values
 * at a time. What grows is the time: every row of the period is read, and a union of many values is read in passes.
 */
public final class HostedAggregates {

    private static final long HOUR_MS = 3_600_000L;
    private static final long DAY_MS = 24 * HOUR_MS;
    /** Bytes of distinct values one pass of a UNIQUE union may hold (about 100,000 values of 40 characters). */
    public static final long UNION_PASS_BYTES = 16L << 20;
    /** UNIQUE unions counted at once in one instance: 64 MiB of values between them. */
    public static final int UNIONS_AT_ONCE = 4;
    /** Passes after which a UNIQUE union holds what it must: only values whose hashes are equal are left together. */
    private static final int MAX_UNION_PASSES = 1 << 16;
    /** A held value's cost beside its characters: the string, its array and its hash-set entry. */
    private static final long HELD_VALUE_OVERHEAD = 80;

    private final ReadOnlyKeyValueStore<Bytes, AggregateState> aggregates;
    private final ReadOnlyKeyValueStore<Bytes, byte[]> values;
    private final ReadOnlyKeyValueStore<String, MetricProgress> progress;
    private final Semaphore unions;
    private final long unionPassBytes;

    /**
     * @param unions         taken by each UNIQUE union while it counts, so that concurrent reads hold at most its
     *                       permits × {@code unionPassBytes} of values between them
     * @param unionPassBytes what one pass of a UNIQUE union may hold ({@link #UNION_PASS_BYTES}; tests make it small)
     */
    public HostedAggregates(ReadOnlyKeyValueStore<Bytes, AggregateState> aggregates,
            ReadOnlyKeyValueStore<Bytes, byte[]> values, ReadOnlyKeyValueStore<String, MetricProgress> progress,
            Semaphore unions, long unionPassBytes) {
        this.aggregates = aggregates;
        this.values = values;
        this.progress = progress;
        this.unions = unions;
        this.unionPassBytes = unionPassBytes;
    }

    /** One window's running combination. */
    private static final class Window {
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal max;
        long latestTime = Long.MIN_VALUE;
        BigDecimal latest;
        long events;
        /** UNIQUE: the sum of its rows' distinct counts, which is the window's count when it has one row. */
        long distinct;
        int rows;
        /** UNIQUE: the hours with a row, counted from the window's start. */
        BitSet hours;
    }

    /** See {@link UsageAggregatesQuery#usage}. */
    public List<WindowValue> usage(String customerId, BillableMetric metric, List<String> groupKey,
            Map<String, List<String>> groupFilter, WindowSize size, Instant start, Instant end, Bound bound) {
        long from = start.toEpochMilli();
        long to = end.toEpochMilli();
        long step = size == WindowSize.DAY ? DAY_MS : HOUR_MS;
        if (from % step != 0 || to % step != 0 || to < from) {
            throw new IllegalArgumentException("start and end must be on UTC " + (step == DAY_MS ? "day" : "hour")
                    + " boundaries, start not after end");
        }
        List<List<String>> groupKeys = metric.getGroupKeys();
        int slice = 0;
        List<String> keys = null;
        if (groupKey != null) {
            for (int i = 0; i < groupKeys.size(); i++) {
                if (new HashSet<>(groupKeys.get(i)).equals(new HashSet<>(groupKey))
                        && groupKeys.get(i).size() == groupKey.size()) {
                    slice = i + 1;
                    keys = groupKeys.get(i);
                }
            }
            if (slice == 0) {
                throw new IllegalArgumentException("group key " + groupKey + " is not one of the metric's group_keys");
            }
        }
        int[] sizes = groupKeys.stream().mapToInt(List::size).toArray();
        AggregationType type = metric.getAggregationType();
        List<Long> windows = new ArrayList<>();
        if (size == WindowSize.NONE) {
            windows.add(from);
        } else {
            for (long w = from; w < to; w += step) {
                windows.add(w);
            }
        }
        long windowLength = size == WindowSize.NONE ? to - from : step;
        GroupSelection<Window> selection = new GroupSelection<>(slice == 0 ? Bound.all() : bound, from,
                windowLength, Window::new);
        MetricProgress setUp = progress.get(metric.getId());
        long version = setUp == null ? 0 : setUp.getSetUpAt();
        if (to > from && setUp != null) {
            try (KeyValueIterator<Bytes, AggregateState> it = aggregates.range(
                    AggregateKeys.hourFirst(customerId, metric.getId(), version, from),
                    AggregateKeys.hourLast(customerId, metric.getId(), version, to - HOUR_MS))) {
                while (it.hasNext()) {
                    KeyValue<Bytes, AggregateState> kv = it.next();
                    AggregateKeys.Row row = AggregateKeys.decodeRow(kv.key, sizes);
                    if (row == null || row.slice() != slice || kv.value.getEventCount() <= 0
                            || !passes(keys, row.groupValues(), groupFilter)) {
                        continue;
                    }
                    long window = size == WindowSize.NONE ? from : row.hour() - Math.floorMod(row.hour() - from, step);
                    Window w = selection.at(row.groupValues(), window);
                    if (w != null) {
                        combine(w, type, (row.hour() - window) / HOUR_MS, kv.value);
                    }
                }
            }
        }
        if (slice == 0) {
            selection.include(List.of());
        }
        List<WindowValue> answer = new ArrayList<>();
        for (GroupSelection.Row<Window> row : selection.rows(windows)) {
            Window w = row.combined();
            BigDecimal value = type == AggregationType.UNIQUE && w != null && w.rows > 1
                    ? BigDecimal.valueOf(union(customerId, metric.getId(), version, slice, row.group(), row.start(), w))
                    : value(type, w);
            answer.add(new WindowValue(Instant.ofEpochMilli(row.start()),
                    Instant.ofEpochMilli(row.start() + windowLength), slice == 0 ? null : new Group(keys, row.group()),
                    value));
        }
        return answer;
    }

    private static void combine(Window w, AggregationType type, long hour, AggregateState state) {
        w.events += state.getEventCount();
        w.rows++;
        String v = state.getValue();
        switch (type) {
            case COUNT, SUM -> w.sum = w.sum.add(v == null ? BigDecimal.ZERO : new BigDecimal(v));
            case MAX -> {
                if (v != null && (w.max == null || new BigDecimal(v).compareTo(w.max) > 0)) {
                    w.max = new BigDecimal(v);
                }
            }
            case LATEST -> {
                if (v != null && state.getLatestEventTime() != null && state.getLatestEventTime() > w.latestTime) {
                    w.latestTime = state.getLatestEventTime();
                    w.latest = new BigDecimal(v);
                }
            }
            case UNIQUE -> {
                w.distinct += v == null ? 0 : Long.parseLong(v);
                if (w.hours == null) {
                    w.hours = new BitSet();
                }
                w.hours.set(Math.toIntExact(hour));
            }
        }
    }

    private static BigDecimal value(AggregationType type, Window w) {
        if (w == null) {
            return type == AggregationType.MAX || type == AggregationType.LATEST ? null : BigDecimal.ZERO;
        }
        return switch (type) {
            case COUNT, SUM -> w.sum;
            case MAX -> w.max;
            case LATEST -> w.latest;
            case UNIQUE -> BigDecimal.valueOf(w.distinct);
        };
    }

    /**
     * UNIQUE over a window of several hours: the size of the union of its hours' distinct values, counted in passes
     * that each hold at most {@code unionPassBytes} of values ({@value #UNION_PASS_BYTES} by default). A pass counts the
     * values whose hash (seeded per read, so that no set of values can be chosen to crowd one pass) falls in its share;
     * when a pass would hold more, the count starts again with twice the passes. The answer stays exact; a window of
     * many distinct values costs a read of its hours' values per pass instead of memory.
     */
    private long union(String customerId, String metricId, long version, int slice, List<String> group, long start,
            Window w) {
        long seed = ThreadLocalRandom.current().nextLong();
        unions.acquireUninterruptibly();
        try {
            for (int passes = 1; ; passes *= 2) {
                long distinct = union(customerId, metricId, version, slice, group, start, w, passes, seed);
                if (distinct >= 0) {
                    return distinct;
                }
            }
        } finally {
            unions.release();
        }
    }

    /** The union counted in {@code passes} passes, or −1 when a pass would hold too much. */
    private long union(String customerId, String metricId, long version, int slice, List<String> group, long start,
            Window w, int passes, long seed) {
        long distinct = 0;
        for (int pass = 0; pass < passes; pass++) {
            Set<String> seen = new HashSet<>();
            long held = 0;
            for (int hour = w.hours.nextSetBit(0); hour >= 0; hour = w.hours.nextSetBit(hour + 1)) {
                Bytes row = AggregateKeys.row(customerId, metricId, version, start + hour * HOUR_MS, slice, group);
                int prefix = row.get().length;
                try (KeyValueIterator<Bytes, byte[]> it =
                             values.range(AggregateKeys.valuesFirst(row), AggregateKeys.valuesLast(row))) {
                    while (it.hasNext()) {
                        byte[] entry = it.next().key.get();
                        if (passes > 1 && Math.floorMod(hash(entry, prefix, seed), passes) != pass) {
                            continue;
                        }
                        String value = new String(entry, prefix, entry.length - prefix, StandardCharsets.UTF_8);
                        if (seen.add(value)) {
                            held += HELD_VALUE_OVERHEAD + 2L * value.length();
                            // A pass always holds one value, and values no hash can part (a full 64-bit collision)
                            // are held together rather than split for ever.
                            if (held > unionPassBytes && seen.size() > 1 && passes < MAX_UNION_PASSES) {
                                return -1;
                            }
                        }
                    }
                }
            }
            distinct += seen.size();
        }
        return distinct;
    }

    /** FNV-1a over the value's bytes from a seeded basis, then mixed (MurmurHash3's finalizer). */
    private static long hash(byte[] entry, int from, long seed) {
        long h = seed ^ 0xcbf29ce484222325L;
        for (int i = from; i < entry.length; i++) {
            h = (h ^ (entry[i] & 0xFF)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    private static boolean passes(List<String> keys, List<String> groupValues, Map<String, List<String>> filter) {
        if (keys == null || filter == null) {
            return true;
        }
        for (int i = 0; i < keys.size(); i++) {
            List<String> allowed = filter.get(keys.get(i));
            if (allowed != null && !allowed.isEmpty()
                    && (groupValues.get(i) == null || !allowed.contains(groupValues.get(i)))) {
                return false;
            }
        }
        return true;
    }

    static int compareGroups(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Comparator.<String>nullsFirst((x, y) -> Arrays.compareUnsigned(
                    x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8))).compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** Customers with any aggregate here, after {@code after} (null: from the first), at most {@code limit}. */
    public List<String> customers(String after, int limit) {
        List<String> customers = new ArrayList<>();
        Bytes from = after == null ? null : AggregateKeys.customerLast(after);
        while (customers.size() < limit) {
            String next;
            try (KeyValueIterator<Bytes, AggregateState> it = aggregates.range(from, null)) {
                if (!it.hasNext()) {
                    break;
                }
                next = AggregateKeys.customerId(it.next().key);
            }
            customers.add(next);
            from = AggregateKeys.customerLast(next);
        }
        return customers;
    }

    /** The task's backfill progress for {@code metricId}, or null when it has not set the metric up (yet). */
    public BackfillStatus backfill(String metricId) {
        MetricProgress p = progress.get(metricId);
        return p == null ? null : new BackfillStatus(metricId, p.getBackfilling() && !p.getArchived(),
                Instant.ofEpochMilli(p.getCompleteFrom()));
    }
}
