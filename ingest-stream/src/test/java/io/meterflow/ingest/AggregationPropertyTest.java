package io.meterflow.ingest;

import static io.meterflow.ingest.AggregationSupport.metric;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.aggregate.AggregateKeys;
import io.meterflow.ingest.aggregate.AggregationMetrics;
import io.meterflow.ingest.aggregate.CompiledMetric;
import io.meterflow.ingest.billablemetrics.SampleMetrics;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.EventTypeFilter;
import io.meterflow.schemas.GroupValue;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageAggregate;
import io.meterflow.schemas.UsageAggregateKey;
import io.meterflow.schemas.UsageKind;
import io.meterflow.schemas.internal.ingest.AggregateState;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random usage, alias attaches and moves, and metrics created mid-run (backfilled in small chunks while live records
 * flow), through the real topology; at the end every aggregate row in the store, and the last value of every key on
 * usage-aggregates, must equal a brute-force recomputation from the final attribution on usage-resolved.
 */
class AggregationPropertyTest {

    private static final int SEEDS = 14;
    private static final List<String> CUSTOMERS = List.of(
            "c0a8e3b2-0000-4000-8000-0000000000c1", "c0a8e3b2-0000-4000-8000-0000000000c2",
            "c0a8e3b2-0000-4000-8000-0000000000c3");
    private static final List<String> ALIASES = List.of("al-1", "al-2", "al-3", "al-4");
    private static final String[] PRICES = {"0.1", "0.2", "2.50", "-1", "3", "1e2", "0.30"};

    @TempDir
    Path root;

    private static List<BillableMetric> metrics() {
        return List.of(
                metric("m-count", AggregationType.COUNT, null, List.of(List.of("region"))).build(),
                metric("m-sum", AggregationType.SUM, "price", List.of(List.of("region"), List.of("region", "tier")))
                        .setEventTypeFilter(EventTypeFilter.newBuilder().setInValues(List.of("api_call")).build())
                        .build(),
                metric("m-max", AggregationType.MAX, "price", List.of(List.of("tier"))).build(),
                metric("m-unique", AggregationType.UNIQUE, "user", List.of(List.of("region"))).build(),
                metric("m-latest", AggregationType.LATEST, "price", List.of()).setPropertyFilters(List.of(
                        SampleMetrics.filter("price").setExists(true).build(),
                        SampleMetrics.filter("region").setNotInValues(List.of("NA")).build())).build());
    }

    @Test
    void everyAggregateEqualsABruteForceRecomputationFromTheFinalAttribution() throws Exception {
        for (int seed = 1; seed <= SEEDS; seed++) {
            Path dir = Files.createDirectory(root.resolve("seed-" + seed));
            try (IngestHarness h = new IngestHarness(dir, Map.of("aggregation.backfill.chunk.size", "3"))) {
                run(h, new Random(seed), seed);
            }
        }
    }

    private void run(IngestHarness h, Random random, int seed) {
        AggregationSupport a = new AggregationSupport(h);
        CUSTOMERS.forEach(h::bindCustomer);
        List<BillableMetric> pending = new ArrayList<>(metrics());
        List<BillableMetric> defined = new ArrayList<>();
        // Some metrics exist from the start, the others are created mid-run.
        for (int i = 0; i < 2; i++) {
            BillableMetric m = pending.remove(random.nextInt(pending.size()));
            a.define(m);
            defined.add(m);
        }
        h.bind(ALIASES.get(0), CUSTOMERS.get(0));
        List<ResolvedUsage> resolved = new ArrayList<>();
        int steps = 60 + random.nextInt(40);
        for (int step = 0; step < steps; step++) {
            int op = random.nextInt(100);
            if (op < 65) {
                h.send(randomEvent(random, h.now()));
            } else if (op < 80) {
                h.bind(ALIASES.get(random.nextInt(ALIASES.size())), CUSTOMERS.get(random.nextInt(CUSTOMERS.size())));
            } else if (op < 85) {
                h.release(ALIASES.get(random.nextInt(ALIASES.size())));
            } else if (op < 92 && !pending.isEmpty()) {
                BillableMetric m = pending.remove(random.nextInt(pending.size()));
                h.define(m);
                defined.add(m);
            } else if (op < 94) {
                // A definition changed in place (only a direct write can): rebuilt as a new version.
                int i = random.nextInt(defined.size());
                BillableMetric changed = changed(defined.get(i), h.now());
                h.define(changed);
                defined.set(i, changed);
            } else {
                h.advance(Duration.ofMillis(1000));
            }
            h.resolvedRecords().forEach(r -> resolved.add(r.value()));
        }
        for (int i = 0; i < 100 && (i == 0 || h.gauge(AggregationMetrics.BACKFILLS_RUNNING) > 0); i++) {
            h.advance(Duration.ofSeconds(1));
        }
        h.advance(Duration.ofMinutes(1)); // a sweep: rows of replaced versions go
        h.resolvedRecords().forEach(r -> resolved.add(r.value()));

        Map<String, ResolvedUsage> attribution = new LinkedHashMap<>();
        for (ResolvedUsage usage : resolved) {
            if (usage.getKind() == UsageKind.ASSIGN) {
                attribution.put(usage.getTransactionId(), usage);
            } else {
                attribution.remove(usage.getTransactionId());
            }
        }
        Map<List<Object>, Expected> expected = new HashMap<>();
        for (BillableMetric definition : defined) {
            CompiledMetric metric = CompiledMetric.of(definition);
            for (ResolvedUsage usage : attribution.values()) {
                if (!metric.matches(usage.getEventType(), usage.getProperties())) {
                    continue;
                }
                CompiledMetric.Contribution c = metric.contribution(usage.getProperties());
                if (!c.contributes()) {
                    continue;
                }
                long hour = Math.floorDiv(usage.getEventTime().toEpochMilli(), 3_600_000L) * 3_600_000L;
                List<List<String>> groups = metric.groupValues(usage.getProperties());
                for (int slice = 0; slice <= groups.size(); slice++) {
                    List<Object> key = List.of(usage.getCustomerId(), definition.getId(), hour, slice,
                            slice == 0 ? List.of() : groups.get(slice - 1));
                    expected.computeIfAbsent(key, k -> new Expected(metric.type())).add(usage, c);
                }
            }
        }

        Map<String, int[]> sizes = new HashMap<>();
        defined.forEach(d -> sizes.put(d.getId(), d.getGroupKeys().stream().mapToInt(List::size).toArray()));
        Map<List<Object>, AggregateState> actual = new HashMap<>();
        try (KeyValueIterator<Bytes, AggregateState> it = a.rows().all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, AggregateState> kv = it.next();
                String metricId = AggregateKeys.metricIdOf(kv.key.get());
                AggregateKeys.Row row = AggregateKeys.decodeRow(kv.key, sizes.get(metricId));
                assertThat(row.version()).isEqualTo(a.version(metricId));
                if (kv.value.getEventCount() > 0) {
                    actual.put(List.of(row.customerId(), metricId, row.hour(), row.slice(), row.groupValues()),
                            kv.value);
                }
            }
        }
        String context = "seed " + seed;
        assertThat(actual.keySet()).as(context).isEqualTo(expected.keySet());
        for (Map.Entry<List<Object>, Expected> e : expected.entrySet()) {
            AggregateState state = actual.get(e.getKey());
            assertThat(state.getEventCount()).as(context + " count of " + e.getKey()).isEqualTo(e.getValue().count);
            assertThat(state.getValue()).as(context + " value of " + e.getKey()).isEqualTo(e.getValue().value());
        }
        // The last record of every key on usage-aggregates is the row as stored (count 0 where no row remains).
        for (Map.Entry<UsageAggregateKey, UsageAggregate> out : a.drain().entrySet()) {
            UsageAggregateKey k = out.getKey();
            List<String> groupValues = k.getGroup().stream().map(GroupValue::getValue).toList();
            if (out.getValue().getUpdatedAt().toEpochMilli() < a.version(k.getBillableMetricId())) {
                continue; // written for a version replaced since (no tombstones are written for those)
            }
            int slice = k.getGroup().isEmpty() ? 0 : sliceOf(defined, k);
            AggregateState state = actual.get(List.of(k.getCustomerId(), k.getBillableMetricId(),
                    k.getWindowStart().toEpochMilli(), slice, groupValues));
            if (state == null) {
                assertThat(out.getValue().getEventCount()).as(context + " published " + k).isZero();
            } else {
                assertThat(out.getValue().getValue()).as(context + " published " + k).isEqualTo(state.getValue());
                assertThat(out.getValue().getEventCount()).as(context + " published " + k)
                        .isEqualTo(state.getEventCount());
            }
        }
        // ... and every row with events has been published, after the final flush, with its value.
        Map<UsageAggregateKey, UsageAggregate> published = a.drain();
        for (Map.Entry<List<Object>, AggregateState> row : actual.entrySet()) {
            List<Object> k = row.getKey();
            String metricId = (String) k.get(1);
            int slice = (Integer) k.get(3);
            @SuppressWarnings("unchecked")
            List<String> values = (List<String>) k.get(4);
            List<GroupValue> group = new ArrayList<>();
            if (slice > 0) {
                List<String> names = defined.stream().filter(d -> d.getId().equals(metricId)).findFirst()
                        .orElseThrow().getGroupKeys().get(slice - 1);
                for (int i = 0; i < names.size(); i++) {
                    group.add(new GroupValue(names.get(i), values.get(i)));
                }
            }
            UsageAggregate out = published.get(new UsageAggregateKey((String) k.get(0), metricId,
                    Instant.ofEpochMilli((Long) k.get(2)), group));
            assertThat(out).as(context + " published row " + k).isNotNull();
            assertThat(out.getValue()).as(context + " published row " + k).isEqualTo(row.getValue().getValue());
        }
        assertThat(h.count(AggregationMetrics.RECORDS, "kind", "unmatched_retract")).as(context).isZero();
        assertThat(h.count(AggregationMetrics.RECORDS, "kind", "duplicate_assign")).as(context).isZero();
    }

    /** The same metric with a different event type filter, changed now. */
    private static BillableMetric changed(BillableMetric metric, Instant now) {
        EventTypeFilter filter = metric.getEventTypeFilter() == null
                ? EventTypeFilter.newBuilder().setNotInValues(List.of("storage")).build() : null;
        Instant updated = Instant.ofEpochMilli(Math.max(now.toEpochMilli(), metric.getUpdatedAt().toEpochMilli() + 1));
        return BillableMetric.newBuilder(metric).setEventTypeFilter(filter).setUpdatedAt(updated).build();
    }

    private static int sliceOf(List<BillableMetric> defined, UsageAggregateKey key) {
        List<String> names = key.getGroup().stream().map(GroupValue::getKey).toList();
        BillableMetric metric = defined.stream().filter(d -> d.getId().equals(key.getBillableMetricId())).findFirst()
                .orElseThrow();
        return metric.getGroupKeys().indexOf(names) + 1;
    }

    private static io.meterflow.schemas.UsageEvent randomEvent(Random random, Instant now) {
        String identifier = random.nextInt(3) == 0 ? CUSTOMERS.get(random.nextInt(CUSTOMERS.size()))
                : ALIASES.get(random.nextInt(ALIASES.size()));
        Instant time = now.minus(Duration.ofHours(1 + random.nextInt(4))).plusSeconds(random.nextInt(3) * 60L);
        List<Object> props = new ArrayList<>();
        int priceKind = random.nextInt(10);
        if (priceKind < 7) {
            props.addAll(List.of("price", AggregationSupport.num(PRICES[random.nextInt(PRICES.length)])));
        } else if (priceKind == 7) {
            props.addAll(List.of("price", "12"));
        }
        if (random.nextInt(4) > 0) {
            props.addAll(List.of("region", random.nextBoolean() ? "EU" : "NA"));
        }
        if (random.nextBoolean()) {
            props.addAll(List.of("tier", random.nextBoolean() ? "gold" : new JsonValue(true)));
        }
        props.addAll(List.of("user", "u" + random.nextInt(4)));
        io.meterflow.schemas.UsageEvent event = AggregationSupport.event("t" + random.nextInt(70), identifier, time,
                props.toArray());
        event.setEventType(random.nextInt(4) == 0 ? "storage" : "api_call");
        return event;
    }

    /** A row recomputed from the events attributed at the end. */
    private static final class Expected {
        final AggregationType type;
        long count;
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal max;
        final Set<String> distinct = new HashSet<>();
        final TreeMap<String, BigDecimal> latest = new TreeMap<>();

        Expected(AggregationType type) {
            this.type = type;
        }

        void add(ResolvedUsage usage, CompiledMetric.Contribution c) {
            count++;
            if (c.number() != null) {
                sum = sum.add(c.number());
                max = max == null || c.number().compareTo(max) > 0 ? c.number() : max;
                // event time, then transaction ID, as the aggregation breaks ties
                latest.put(String.format("%020d", usage.getEventTime().toEpochMilli()) + usage.getTransactionId(),
                        c.number());
            }
            if (c.text() != null) {
                distinct.add(c.text());
            }
        }

        String value() {
            return switch (type) {
                case COUNT -> Long.toString(count);
                case SUM -> CompiledMetric.format(sum);
                case MAX -> CompiledMetric.format(max);
                case UNIQUE -> Integer.toString(distinct.size());
                case LATEST -> CompiledMetric.format(latest.lastEntry().getValue());
            };
        }
    }
}
