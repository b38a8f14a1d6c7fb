package io.meterflow.ingest.aggregate;

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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads of one task's aggregation stores (one usage-resolved partition): the windows of {@link UsageAggregatesQuery}
 * derived from the hourly rows. HOUR windows are the rows; DAY and NONE combine them: COUNT and SUM add, MAX takes the
 * largest, LATEST the value of the hour with the latest event, UNIQUE counts the union of the hours' distinct values
 * (read from {@value AggregateLedger#VALUES}, where UNIQUE's entries are kept as long as the rows). Windows without
 * usage are 0 for COUNT, SUM and UNIQUE and null for MAX and LATEST. Groups are ordered by their values (null first,
 * then by UTF-8 bytes).
 */
public final class HostedAggregates {

    private static final long HOUR_MS = 3_600_000L;
    private static final long DAY_MS = 24 * HOUR_MS;

    private final ReadOnlyKeyValueStore<Bytes, AggregateState> aggregates;
    private final ReadOnlyKeyValueStore<Bytes, byte[]> values;
    private final ReadOnlyKeyValueStore<String, MetricProgress> progress;

    public HostedAggregates(ReadOnlyKeyValueStore<Bytes, AggregateState> aggregates,
            ReadOnlyKeyValueStore<Bytes, byte[]> values, ReadOnlyKeyValueStore<String, MetricProgress> progress) {
        this.aggregates = aggregates;
        this.values = values;
        this.progress = progress;
    }

    /** One window's running combination. */
    private static final class Window {
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal max;
        long latestTime = Long.MIN_VALUE;
        BigDecimal latest;
        final Set<String> distinct = new HashSet<>();
        long events;
    }

    /** See {@link UsageAggregatesQuery#usage}. */
    public List<WindowValue> usage(String customerId, BillableMetric metric, List<String> groupKey,
            Map<String, List<String>> groupFilter, WindowSize size, Instant start, Instant end) {
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
        // group values (empty list for the total) → window start → combination
        TreeMap<List<String>, Map<Long, Window>> byGroup = new TreeMap<>(HostedAggregates::compareGroups);
        MetricProgress setUp = progress.get(metric.getId());
        if (to > from && setUp != null) {
            long version = setUp.getSetUpAt();
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
                    Window w = byGroup.computeIfAbsent(row.groupValues(), g -> new HashMap<>())
                            .computeIfAbsent(window, x -> new Window());
                    combine(w, type, kv.key, kv.value);
                }
            }
        }
        if (slice == 0) {
            byGroup.putIfAbsent(List.of(), new HashMap<>());
        }
        List<WindowValue> answer = new ArrayList<>();
        long windowLength = size == WindowSize.NONE ? to - from : step;
        for (long window : windows) {
            for (Map.Entry<List<String>, Map<Long, Window>> group : byGroup.entrySet()) {
                Group g = slice == 0 ? null : new Group(keys, group.getKey());
                answer.add(new WindowValue(Instant.ofEpochMilli(window), Instant.ofEpochMilli(window + windowLength),
                        g, value(type, group.getValue().get(window))));
            }
        }
        return answer;
    }

    private void combine(Window w, AggregationType type, Bytes row, AggregateState state) {
        w.events += state.getEventCount();
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
                try (KeyValueIterator<Bytes, byte[]> it =
                             values.range(AggregateKeys.valuesFirst(row), AggregateKeys.valuesLast(row))) {
                    while (it.hasNext()) {
                        w.distinct.add(AggregateKeys.valueText(row, it.next().key));
                    }
                }
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
            case UNIQUE -> BigDecimal.valueOf(w.distinct.size());
        };
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
