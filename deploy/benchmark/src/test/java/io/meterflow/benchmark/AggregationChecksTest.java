package io.meterflow.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.billablemetrics.BillableMetricRules;
import io.meterflow.schemas.GroupValue;
import io.meterflow.schemas.UsageAggregate;
import io.meterflow.schemas.UsageAggregateKey;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.topics.TopicNames;
import io.meterflow.topics.Topics;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The aggregation scenario's metric definitions, its independent matcher, and the tracker's checks. */
class AggregationChecksTest {

    private final Workload workload = new Workload("t1", 10_000, 20);
    private final BenchmarkMetrics metrics = new BenchmarkMetrics("t1", 10);
    private final Topics topics = Topics.create(TopicNames.defaults(), Map.of("schema.registry.url", "mock://agg-test"));

    @Test
    void everyDefinitionIsOneIngestStreamAccepts() {
        for (int m = 0; m < metrics.size(); m++) {
            assertThat(BillableMetricRules.violation(metrics.definition(m, Instant.now()))).as(metrics.spec(m).name())
                    .isEmpty();
        }
        assertThat(new BenchmarkMetrics("t1", 25).size()).isEqualTo(25);
    }

    @Test
    void rowsPerEventFollowTheDefinitions() {
        // seed s: event type s % 3 (api_call, tokens, storage_gb_hours), model s % 3, region (s / 3) % 3.
        assertThat(metrics.rowsOf(workload.event("a", "c", 0))).isEqualTo(11); // api_call, small, eu-west-1
        assertThat(metrics.rowsOf(workload.event("a", "c", 1))).isEqualTo(11); // tokens, medium, eu-west-1
        assertThat(metrics.rowsOf(workload.event("a", "c", 2))).isEqualTo(7); // storage, large, eu-west-1
        assertThat(metrics.rowsOf(workload.event("a", "c", 5))).isEqualTo(6); // storage, large, us-east-2
        long rows = 0;
        for (long s = 0; s < 9; s++) {
            rows += metrics.rowsOf(workload.event("a", "c", s));
        }
        assertThat(rows).isEqualTo(81); // 9 per event on average
    }

    @Test
    void theTrackerIsCaughtUpAndTheCheckPassesOnlyWithEveryEventFoldedOnce() {
        AggregatesTracker tracker = new AggregatesTracker(topics, metrics);
        String customer = "cust-1";
        tracker.customer(customer);
        List<UsageEvent> events = List.of(event("tx-1", 0), event("tx-2", 1), event("tx-3", 4));
        for (UsageEvent e : events) {
            tracker.expect(customer, e.getTransactionId(), e);
        }
        tracker.start();
        assertThat(tracker.caughtUp()).isFalse();

        tracker.accept(rows(customer, events));

        assertThat(tracker.caughtUp()).isTrue();
        List<String> problems = new ArrayList<>();
        tracker.check(problems, new HashMap<>());
        assertThat(problems).isEmpty();

        // The same rows with one event folded twice: the COUNT no longer matches, nor do the other metrics.
        AggregatesTracker twice = new AggregatesTracker(topics, metrics);
        twice.customer(customer);
        for (UsageEvent e : events) {
            twice.expect(customer, e.getTransactionId(), e);
        }
        twice.start();
        List<UsageEvent> doubled = new ArrayList<>(events);
        doubled.add(events.get(0));
        twice.accept(rows(customer, doubled));
        assertThat(twice.caughtUp()).isFalse();
        List<String> twiceProblems = new ArrayList<>();
        twice.check(twiceProblems, new HashMap<>());
        assertThat(twiceProblems).hasSize(1);
        assertThat(twiceProblems.get(0)).contains("differ from the attribution");
    }

    private UsageEvent event(String transactionId, long seed) {
        UsageEvent e = workload.event(transactionId, "c", seed);
        e.setTimestamp(Instant.parse("2026-11-28T10:00:00Z").plusSeconds(seed).toString());
        return e;
    }

    /** What ingest-stream would publish at the end for these events, all in one hour: one record per row. */
    private List<ConsumerRecord<byte[], byte[]>> rows(String customer, List<UsageEvent> events) {
        Instant hour = Instant.parse("2026-11-28T10:00:00Z");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        String topic = topics.usageAggregates().name();
        for (int metric = 0; metric < metrics.size(); metric++) {
            int m = metric;
            BenchmarkMetrics.Spec spec = metrics.spec(m);
            Map<List<GroupValue>, List<UsageEvent>> slices = new HashMap<>();
            for (UsageEvent e : events) {
                if (!metrics.contributes(m, e)) {
                    continue;
                }
                slices.computeIfAbsent(List.of(), g -> new ArrayList<>()).add(e);
                for (List<String> groupKey : spec.groupKeys()) {
                    List<GroupValue> group = new ArrayList<>();
                    for (String name : groupKey) {
                        group.add(new GroupValue(name, BenchmarkMetrics.text(e.getProperties().get(name))));
                    }
                    slices.computeIfAbsent(group, g -> new ArrayList<>()).add(e);
                }
            }
            for (Map.Entry<List<GroupValue>, List<UsageEvent>> slice : slices.entrySet()) {
                List<UsageEvent> in = slice.getValue();
                String value = switch (spec.type()) {
                    case COUNT -> Integer.toString(in.size());
                    case SUM -> sum(m, in).toPlainString();
                    case MAX -> in.stream().map(e -> metrics.number(m, e)).max(BigDecimal::compareTo).orElseThrow()
                            .stripTrailingZeros().toPlainString();
                    case LATEST -> metrics.number(m, in.get(in.size() - 1)).toPlainString();
                    case UNIQUE -> Long.toString(in.stream()
                            .map(e -> BenchmarkMetrics.text(e.getProperties().get(spec.key()))).distinct().count());
                };
                UsageAggregateKey key = new UsageAggregateKey(customer, metrics.id(m), hour, slice.getKey());
                UsageAggregate row = new UsageAggregate(customer, metrics.id(m), spec.name(), spec.type().name(), hour,
                        hour.plusSeconds(3600), slice.getKey(), value, (long) in.size(), hour);
                records.add(new ConsumerRecord<>(topic, 0, records.size(),
                        topics.usageAggregates().keySerde().serializer().serialize(topic, key),
                        topics.usageAggregates().valueSerde().serializer().serialize(topic, row)));
            }
        }
        return records;
    }

    private BigDecimal sum(int m, List<UsageEvent> in) {
        return in.stream().map(e -> metrics.number(m, e)).reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
