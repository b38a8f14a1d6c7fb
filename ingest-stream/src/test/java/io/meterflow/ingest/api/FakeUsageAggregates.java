package io.meterflow.ingest.api;

import io.meterflow.ingest.aggregate.UsageAggregatesQuery;
import io.meterflow.ingest.query.EventStatusQuery;
import io.meterflow.schemas.BillableMetric;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The aggregates of some customers, as one instance would answer them: usage per hour set by the test, every other
 * window 0 (null for MAX and LATEST metrics: set a metric's "empty" value), summed into DAY and NONE windows.
 * Customers not hosted here have an owner set by the test (or none: a rebalance). A grouped read answers what its
 * bound names (recorded in {@link #bounds}), cut out of the whole answer; {@link #ignoreBounds} makes it answer every
 * group in every window, as an instance of an older version does.
 */
final class FakeUsageAggregates implements UsageAggregatesQuery {

    private record Key(String customer, String metric, List<String> group) {
    }

    private final Set<String> hosted = ConcurrentHashMap.newKeySet();
    private final Map<String, HostInfo> elsewhere = new ConcurrentHashMap<>();
    /** Per customer, metric and group values (empty for the total): the value of each hour that had usage. */
    private final Map<Key, TreeMap<Instant, BigDecimal>> hours = new ConcurrentHashMap<>();
    /** Customers whose partition moved away after owner() said they were here. */
    final Set<String> movedAway = ConcurrentHashMap.newKeySet();
    final List<String> reads = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The bound of each grouped read, in order. */
    final List<Bound> bounds = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile boolean ignoreBounds;

    FakeUsageAggregates ignoreBounds() {
        ignoreBounds = true;
        return this;
    }

    FakeUsageAggregates host(String... customers) {
        hosted.addAll(List.of(customers));
        return this;
    }

    FakeUsageAggregates ownedBy(String customer, HostInfo host) {
        elsewhere.put(customer, host);
        return this;
    }

    /** Usage of the total (no group values) or of one group, in the hour starting at {@code hour}. */
    FakeUsageAggregates usage(String customer, String metric, String hour, String value, String... group) {
        hours.computeIfAbsent(new Key(customer, metric, group.length == 0 ? List.of() : java.util.Arrays.asList(group)),
                k -> new TreeMap<>()).put(Instant.parse(hour), value == null ? null : new BigDecimal(value));
        return this;
    }

    @Override
    public Owner owner(String customerId) {
        return hosted.contains(customerId) ? new Owner(true, null) : new Owner(false, elsewhere.get(customerId));
    }

    @Override
    public List<WindowValue> usage(String customerId, BillableMetric metric, List<String> groupKey,
            Map<String, List<String>> groupFilter, WindowSize size, Instant start, Instant end, Bound bound) {
        if (!hosted.contains(customerId) || movedAway.contains(customerId)) {
            throw new NotHostedHere(customerId);
        }
        reads.add(customerId + "/" + metric.getId() + (groupKey == null ? "" : "/" + groupKey));
        Duration step = switch (size) {
            case HOUR -> Duration.ofHours(1);
            case DAY -> Duration.ofDays(1);
            case NONE -> Duration.between(start, end);
        };
        List<WindowValue> answer = new ArrayList<>();
        if (groupKey == null) {
            TreeMap<Instant, BigDecimal> total = hours.getOrDefault(new Key(customerId, metric.getId(), List.of()),
                    new TreeMap<>());
            for (Instant from = start; from.isBefore(end); from = from.plus(step)) {
                answer.add(new WindowValue(from, from.plus(step), null, sum(total, from, from.plus(step), metric)));
            }
            return answer;
        }
        bounds.add(bound);
        List<String> keys = metric.getGroupKeys().stream().filter(k -> new HashSet<>(k).equals(new HashSet<>(groupKey)))
                .findFirst().orElseThrow();
        List<List<String>> groups = new ArrayList<>();
        hours.forEach((key, values) -> {
            if (key.customer().equals(customerId) && key.metric().equals(metric.getId())
                    && key.group().size() == keys.size() && !values.subMap(start, end).isEmpty()
                    && kept(keys, key.group(), groupFilter)) {
                groups.add(key.group());
            }
        });
        groups.sort(UsageQueryApi::compareValues);
        List<Instant> windows = new ArrayList<>();
        for (Instant from = start; from.isBefore(end); from = from.plus(step)) {
            windows.add(from);
        }
        List<List<String>> answered = groups;
        if (!ignoreBounds && !bound.rows()) {
            answered = groups.subList(0, Math.min(groups.size(), bound.limit()));
            long shown = answered.isEmpty() || bound.values() == 0 ? Long.MAX_VALUE
                    : bound.values() / answered.size() + 1;
            windows = windows.stream().filter(w -> bound.afterStart() == null || w.isAfter(bound.afterStart()))
                    .limit(shown).toList();
        }
        for (Instant from : windows) {
            for (List<String> group : answered) {
                answer.add(new WindowValue(from, from.plus(step), new Group(keys, group),
                        sum(hours.get(new Key(customerId, metric.getId(), group)), from, from.plus(step), metric)));
            }
        }
        if (!ignoreBounds && bound.rows()) {
            return answer.stream().filter(w -> bound.afterStart() == null || w.start().isAfter(bound.afterStart())
                    || (w.start().equals(bound.afterStart())
                    && UsageQueryApi.compareValues(w.group().values(), bound.afterGroup()) > 0))
                    .limit(bound.limit()).toList();
        }
        return answer;
    }

    private static boolean kept(List<String> keys, List<String> group, Map<String, List<String>> filter) {
        for (int i = 0; i < keys.size(); i++) {
            List<String> allowed = filter.get(keys.get(i));
            if (allowed != null && !allowed.isEmpty() && !allowed.contains(group.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static BigDecimal sum(TreeMap<Instant, BigDecimal> values, Instant from, Instant to,
            BillableMetric metric) {
        Map<Instant, BigDecimal> in = values == null ? Map.of() : values.subMap(from, to);
        if (in.isEmpty()) {
            return switch (metric.getAggregationType()) {
                case MAX, LATEST -> null;
                default -> BigDecimal.ZERO;
            };
        }
        BigDecimal sum = BigDecimal.ZERO;
        for (BigDecimal value : in.values()) {
            sum = value == null ? sum : sum.add(value);
        }
        return sum;
    }

    @Override
    public List<String> customers(String after, int limit) {
        Set<String> with = new HashSet<>();
        hours.keySet().forEach(k -> with.add(k.customer()));
        with.retainAll(hosted);
        return with.stream().sorted(EventStatusQuery::compareUtf8)
                .filter(c -> after == null || EventStatusQuery.compareUtf8(c, after) > 0).limit(limit).toList();
    }
}
