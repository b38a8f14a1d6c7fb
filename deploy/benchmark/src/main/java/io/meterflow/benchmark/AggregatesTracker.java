package io.meterflow.benchmark;

import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.GroupValue;
import io.meterflow.schemas.UsageAggregate;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.topics.Topics;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Follows usage-aggregates (read by a read_committed consumer): the latest value of every key (keys deduplicated as
 * bytes, last value wins, as compaction would), and compares them with what the workload's attribution should give
 * ({@link #expect}).
 *
 * <p>While the scenario is timed only the total rows of metric 0 (the COUNT of every event) are decoded: the run is
 * caught up when, for every customer, the latest values of those rows add up to the number of distinct transaction
 * IDs attributed to it at the end (moves applied). The other keys are kept as bytes; {@link #check} decodes them after
 * the run and checks every metric of every customer.
 */
final class AggregatesTracker {

    private static final long HOUR_MS = 3_600_000L;

    private final BenchmarkMetrics metrics;
    private final Deserializer<UsageAggregate> values;
    private final String topic;
    private final byte[] countMetricId;
    private final Map<ByteBuffer, byte[]> latest = new HashMap<>();
    /** Metric 0's latest event count per total-row key, and their sums per customer. */
    private final Map<ByteBuffer, Long> countRows = new HashMap<>();
    private final Map<String, Long> countByCustomer = new HashMap<>();
    /** Expectations per customer, one accumulator per metric. */
    private final Map<String, Expected[]> expected = new HashMap<>();
    private long caughtUp;
    private long records;

    AggregatesTracker(Topics topics, BenchmarkMetrics metrics) {
        this.metrics = metrics;
        this.values = topics.usageAggregates().valueSerde().deserializer();
        this.topic = topics.usageAggregates().name();
        this.countMetricId = metrics.id(0).getBytes(StandardCharsets.UTF_8);
    }

    // ---- expectations -----------------------------------------------------------------------------------------

    /** What one metric of one customer should hold, from the events attributed to it. */
    private static final class Expected {
        long events;
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal max;
        long latestTime = Long.MIN_VALUE;
        String latestTransaction;
        BigDecimal latest;
        final Map<Long, Set<String>> uniqueByHour = new HashMap<>();

        long uniqueSum() {
            return uniqueByHour.values().stream().mapToLong(Set::size).sum();
        }
    }

    /** Registers {@code customerId}, which must end with at least one event or none (before {@link #expect}). */
    void customer(String customerId) {
        expected.computeIfAbsent(customerId, c -> newExpected());
        countByCustomer.putIfAbsent(customerId, 0L);
    }

    private Expected[] newExpected() {
        Expected[] e = new Expected[metrics.size()];
        for (int m = 0; m < e.length; m++) {
            e[m] = new Expected();
        }
        return e;
    }

    /** One distinct event attributed to {@code customerId} once every change is applied. */
    void expect(String customerId, String transactionId, UsageEvent event) {
        Expected[] e = expected.computeIfAbsent(customerId, c -> newExpected());
        countByCustomer.putIfAbsent(customerId, 0L);
        long time = Instant.parse(event.getTimestamp()).toEpochMilli();
        for (int m = 0; m < metrics.size(); m++) {
            if (!metrics.contributes(m, event)) {
                continue;
            }
            Expected x = e[m];
            x.events++;
            AggregationType type = metrics.spec(m).type();
            BigDecimal n = type == AggregationType.COUNT || type == AggregationType.UNIQUE ? null
                    : metrics.number(m, event);
            switch (type) {
                case SUM -> x.sum = x.sum.add(n);
                case MAX -> x.max = x.max == null || n.compareTo(x.max) > 0 ? n : x.max;
                case LATEST -> {
                    if (time > x.latestTime || time == x.latestTime && transactionId.compareTo(x.latestTransaction) > 0) {
                        x.latestTime = time;
                        x.latestTransaction = transactionId;
                        x.latest = n;
                    }
                }
                case UNIQUE -> x.uniqueByHour.computeIfAbsent(Math.floorDiv(time, HOUR_MS), h -> new HashSet<>())
                        .add(BenchmarkMetrics.text(event.getProperties().get(metrics.spec(m).key())));
                default -> {
                }
            }
        }
    }

    // ---- following the topic ----------------------------------------------------------------------------------

    int accept(Iterable<ConsumerRecord<byte[], byte[]>> batch) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            n++;
            records++;
            ByteBuffer key = ByteBuffer.wrap(record.key());
            latest.put(key, record.value());
            if (record.value() != null && isCountTotal(record.key())) {
                UsageAggregate value = values.deserialize(topic, record.value());
                long count = value.getEventCount();
                Long before = countRows.put(key, count);
                String customer = value.getCustomerId();
                long sumBefore = countByCustomer.getOrDefault(customer, 0L);
                long sumAfter = sumBefore - (before == null ? 0 : before) + count;
                countByCustomer.put(customer, sumAfter);
                long want = want(customer);
                caughtUp += (sumAfter == want ? 1 : 0) - (sumBefore == want ? 1 : 0);
            }
        }
        return n;
    }

    private long want(String customer) {
        Expected[] e = expected.get(customer);
        return e == null ? -1 : e[0].events;
    }

    /** Call once the expectations are complete and before any record is read. */
    void start() {
        caughtUp = expected.keySet().stream().filter(c -> want(c) == 0).count();
    }

    /**
     * Whether the key (Confluent framing: magic byte, 4-byte schema ID; then Avro: customer_id, billable_metric_id,
     * window_start, group) is a total row (empty group) of metric 0. Parsed by hand so that the other rows cost no
     * decoding while the scenario is timed.
     */
    private boolean isCountTotal(byte[] key) {
        int[] pos = {5};
        int customerLength = (int) readLong(key, pos);
        pos[0] += customerLength;
        int idLength = (int) readLong(key, pos);
        if (idLength != countMetricId.length
                || !java.util.Arrays.equals(key, pos[0], pos[0] + idLength, countMetricId, 0, idLength)) {
            return false;
        }
        pos[0] += idLength;
        readLong(key, pos);
        return readLong(key, pos) == 0;
    }

    private static long readLong(byte[] b, int[] pos) {
        long raw = 0;
        int shift = 0;
        while (true) {
            byte x = b[pos[0]++];
            raw |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** Every customer's COUNT-of-everything total equals its expected distinct events. */
    boolean caughtUp() {
        return caughtUp == expected.size();
    }

    long customersCaughtUp() {
        return caughtUp;
    }

    long customers() {
        return expected.size();
    }

    long records() {
        return records;
    }

    long keys() {
        return latest.size();
    }

    // ---- the full check ---------------------------------------------------------------------------------------

    /** What the latest rows hold, per customer and metric. */
    private static final class Seen {
        long events;
        final Map<String, Long> groupEvents = new HashMap<>();
        final Map<String, BigDecimal> groupSums = new HashMap<>();
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal max;
        long latestHour = Long.MIN_VALUE;
        BigDecimal latest;
    }

    /**
     * Compares every latest row with the expectations: per customer and metric, the total rows' event counts add up
     * to the events that contribute to the metric, and so do each group key's rows; COUNT, SUM (total and per group
     * key) and UNIQUE (hour by hour) values add up as expected; MAX is the largest value; LATEST's latest hour holds
     * the latest event's value. Adds problems (at most a few examples each) and returns the figures.
     */
    String check(List<String> problems, Map<String, Object> details) {
        Map<String, Seen[]> seen = new HashMap<>();
        long unknown = 0;
        for (byte[] bytes : latest.values()) {
            if (bytes == null) {
                unknown++;
                continue;
            }
            UsageAggregate row = values.deserialize(topic, bytes);
            int m = metrics.indexOf(row.getBillableMetricId());
            if (m < 0 || !expected.containsKey(row.getCustomerId())) {
                unknown++;
                continue;
            }
            Seen s = seen.computeIfAbsent(row.getCustomerId(), c -> {
                Seen[] a = new Seen[metrics.size()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = new Seen();
                }
                return a;
            })[m];
            BigDecimal value = row.getValue() == null ? null : new BigDecimal(row.getValue());
            if (!row.getGroup().isEmpty()) {
                List<String> names = new ArrayList<>();
                for (GroupValue g : row.getGroup()) {
                    names.add(g.getKey());
                }
                String key = String.join(",", names);
                s.groupEvents.merge(key, row.getEventCount(), Long::sum);
                if (value != null) {
                    s.groupSums.merge(key, value, BigDecimal::add);
                }
                continue;
            }
            s.events += row.getEventCount();
            if (value == null) {
                continue;
            }
            s.sum = s.sum.add(value);
            s.max = s.max == null || value.compareTo(s.max) > 0 ? value : s.max;
            long hour = row.getWindowStart().toEpochMilli();
            if (row.getEventCount() > 0 && hour > s.latestHour) {
                s.latestHour = hour;
                s.latest = value;
            }
        }
        long compared = 0;
        long wrong = 0;
        List<String> examples = new ArrayList<>();
        for (Map.Entry<String, Expected[]> entry : expected.entrySet()) {
            Seen[] s = seen.get(entry.getKey());
            for (int m = 0; m < metrics.size(); m++) {
                compared++;
                String why = compare(m, entry.getValue()[m], s == null ? new Seen() : s[m]);
                if (why != null) {
                    wrong++;
                    if (examples.size() < 3) {
                        examples.add("customer " + entry.getKey() + ", metric '" + metrics.spec(m).name() + "': " + why);
                    }
                }
            }
        }
        details.put("aggregate_records_read", records);
        details.put("aggregate_keys", latest.size());
        details.put("aggregate_customer_metrics_compared", compared);
        details.put("aggregate_customer_metrics_wrong", wrong);
        if (wrong > 0) {
            problems.add(wrong + " of " + compared + " customer × metric aggregates differ from the attribution ("
                    + String.join("; ", examples) + ")");
        }
        if (unknown > 0) {
            problems.add(unknown + " usage-aggregates keys for unknown metrics or customers, or tombstones");
        }
        return String.format("usage-aggregates: %,d records read, %,d distinct keys; %,d of %,d customer × metric"
                        + " aggregates (event counts, totals and group sums, MAX, UNIQUE per hour, LATEST) equal what"
                        + " the attribution gives", records, latest.size(), compared - wrong, compared);
    }

    private String compare(int m, Expected x, Seen s) {
        if (s.events != x.events) {
            return "event counts of the total rows add up to " + s.events + ", expected " + x.events;
        }
        for (List<String> groupKey : metrics.spec(m).groupKeys()) {
            String key = String.join(",", groupKey);
            long groupEvents = s.groupEvents.getOrDefault(key, 0L);
            if (groupEvents != x.events) {
                return "event counts of the rows grouped by " + key + " add up to " + groupEvents + ", expected "
                        + x.events;
            }
            if (metrics.spec(m).type() == AggregationType.SUM
                    && s.groupSums.getOrDefault(key, BigDecimal.ZERO).compareTo(x.sum) != 0) {
                return "rows grouped by " + key + " add up to " + s.groupSums.get(key) + ", expected " + x.sum;
            }
        }
        return switch (metrics.spec(m).type()) {
            case COUNT -> s.sum.compareTo(BigDecimal.valueOf(x.events)) == 0 ? null
                    : "values add up to " + s.sum + ", expected " + x.events;
            case SUM -> s.sum.compareTo(x.sum) == 0 ? null : "values add up to " + s.sum + ", expected " + x.sum;
            case UNIQUE -> s.sum.compareTo(BigDecimal.valueOf(x.uniqueSum())) == 0 ? null
                    : "hourly distinct counts add up to " + s.sum + ", expected " + x.uniqueSum();
            case MAX -> x.max == null ? (s.max == null ? null : "a maximum " + s.max + " where none was expected")
                    : s.max != null && s.max.compareTo(x.max) == 0 ? null : "maximum " + s.max + ", expected " + x.max;
            case LATEST -> x.latest == null ? (s.latest == null ? null : "a latest value where none was expected")
                    : s.latest != null && s.latest.compareTo(x.latest) == 0 ? null
                    : "latest " + s.latest + ", expected " + x.latest;
        };
    }
}
