package io.meterflow.benchmark;

import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.aggregate.AggregationMetrics;
import io.meterflow.ingest.aggregate.BackfillStatus;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery;
import io.meterflow.ingest.route.TransactionPartitioner;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * {@code meterflow+aggregation}: the {@link MeterflowScenario} (same workload, same mid-run changes, same machinery)
 * with ingest-stream's aggregation on and {@code --aggregation-metrics} billable metrics ({@link BenchmarkMetrics})
 * written to billable-metrics once ingest-stream runs; the run waits until every aggregation task has set them
 * up before it pauses the topology and loads the input. Timed until usage-resolved meets meterflow's condition AND
 * usage-aggregates has caught up: for every customer, the latest values of the COUNT-of-everything metric's total rows
 * add up to the distinct transaction IDs attributed to it at the end (moved usage at the new customer). The count
 * check adds the aggregation's counters and compares every metric of every customer with the attribution
 * ({@link AggregatesTracker#check}).
 */
final class AggregationScenario implements MeterflowScenario.Extension {

    static final String NAME = "meterflow+aggregation";

    private final ScenarioContext context;
    private final MeterflowScenario scenario;
    private BenchmarkMetrics metrics;
    private AggregatesTracker tracker;
    private String aggregatesTopic;

    AggregationScenario(ScenarioContext context, Results results) {
        this.context = context;
        this.scenario = new MeterflowScenario(context, results, NAME, this);
    }

    ScenarioResult run(int round) throws InterruptedException {
        return scenario.run(round, false);
    }

    @Override
    public void ingestSettings(Map<String, String> settings) {
        settings.put(IngestConfig.AGGREGATION_ENABLED, "true");
    }

    @Override
    public void beforeLoad(IngestApp ingest, Topics topics) throws InterruptedException {
        // Written once ingest-stream runs (it creates billable-metrics), before it is paused and the input loaded.
        metrics = new BenchmarkMetrics(context.workload.run() + "/" + topics.billableMetrics().name(),
                context.options.aggregationMetrics());
        aggregatesTopic = topics.usageAggregates().name();
        try (KafkaProducer<byte[], byte[]> producer = context.kafka.prompt()) {
            metrics.publish(producer, topics);
        }
        context.out.printf("  %d billable metrics: %s%n", metrics.size(), metrics.describe());
        awaitSetUp(context, ingest, metrics, context.workload.customers(), context.workload::customerId);
        // The expectations, from the workload alone: every distinct event at the customer it ends with.
        Workload workload = context.workload;
        tracker = new AggregatesTracker(topics, metrics);
        for (int k = 0; k < workload.customers(); k++) {
            tracker.customer(workload.customerId(k));
        }
        for (long i = 0; i < workload.events(); i++) {
            if (!Workload.isDuplicate(i)) {
                tracker.expect(workload.finalCustomer(i), workload.transactionId(i), workload.event(i));
            }
        }
        tracker.start();
    }

    /**
     * Waits until every aggregation task has set up every metric and finished its (empty) backfill: asked of one
     * customer per usage-resolved partition ({@code customerId(k)} for {@code k < customers}; a partition without a
     * customer has nothing to aggregate).
     */
    static void awaitSetUp(ScenarioContext context, IngestApp ingest, BenchmarkMetrics metrics, int customers,
                           java.util.function.IntFunction<String> customerId) throws InterruptedException {
        int partitions = context.options.partitions();
        Map<Integer, String> perPartition = new TreeMap<>();
        for (int k = 0; k < customers && perPartition.size() < partitions; k++) {
            String id = customerId.apply(k);
            perPartition.putIfAbsent(TransactionPartitioner.partitionOf(id, partitions), id);
        }
        ScenarioContext.await(() -> {
            for (String customer : perPartition.values()) {
                for (String metric : metrics.ids()) {
                    try {
                        BackfillStatus status = ingest.aggregates().backfill(customer, metric);
                        if (status == null || status.running()) {
                            return false;
                        }
                    } catch (UsageAggregatesQuery.NotHostedHere | org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                        return false;
                    }
                }
            }
            return true;
        }, Duration.ofMinutes(2), "the aggregation tasks to set up " + metrics.size() + " billable metrics");
    }

    @Override
    public List<String> topics(Topics topics) {
        return List.of(topics.usageAggregates().name());
    }

    @Override
    public int accept(ConsumerRecords<byte[], byte[]> batch) {
        return tracker.accept(batch.records(aggregatesTopic));
    }

    @Override
    public boolean complete() {
        return tracker.caughtUp();
    }

    @Override
    public String progress() {
        return String.format(" (aggregates caught up for %d of %d customers)", tracker.customersCaughtUp(),
                tracker.customers());
    }

    @Override
    public String check(MeterRegistry registry, UsageTracker usage, List<String> problems,
                        Map<String, Object> details) {
        long assign = count(registry, AggregationMetrics.RECORDS, "kind", "assign");
        long retract = count(registry, AggregationMetrics.RECORDS, "kind", "retract");
        long unreadable = count(registry, AggregationMetrics.RECORDS, "kind", "unreadable");
        long unmatched = count(registry, AggregationMetrics.RECORDS, "kind", "unmatched_retract");
        long duplicateAssign = count(registry, AggregationMetrics.RECORDS, "kind", "duplicate_assign");
        long updates = Math.round(ScenarioContext.sum(registry, AggregationMetrics.UPDATES));
        long published = Math.round(ScenarioContext.sum(registry, AggregationMetrics.PUBLISHED));
        long valueErrors = Math.round(ScenarioContext.sum(registry, AggregationMetrics.VALUE_ERRORS));
        long backfilled = Math.round(ScenarioContext.sum(registry, AggregationMetrics.BACKFILL_EVENTS));
        long resolvedAssigns = usage.resolutions().entrySet().stream().filter(e -> e.getKey().startsWith("ASSIGN"))
                .mapToLong(Map.Entry::getValue).sum();
        long resolvedRetracts = usage.resolutions().getOrDefault("RETRACT", 0L);
        details.put("aggregation_metrics", metrics.size());
        details.put("aggregation_metric_definitions", metrics.describe());
        details.put("aggregation_records_assign", assign);
        details.put("aggregation_records_retract", retract);
        details.put("aggregation_records_unreadable", unreadable);
        details.put("aggregation_records_unmatched_retract", unmatched);
        details.put("aggregation_records_duplicate_assign", duplicateAssign);
        details.put("aggregation_updates", updates);
        details.put("aggregation_published", published);
        details.put("aggregation_value_errors", valueErrors);
        details.put("aggregation_backfill_events", backfilled);
        List<String> own = new ArrayList<>();
        if (assign != resolvedAssigns || retract != resolvedRetracts) {
            own.add("the aggregation read " + assign + " ASSIGN and " + retract + " RETRACT, usage-resolved holds "
                    + resolvedAssigns + " and " + resolvedRetracts);
        }
        if (assign - retract != context.expected.unique()) {
            own.add("the aggregation nets " + (assign - retract) + " events, not " + context.expected.unique());
        }
        if (unreadable + unmatched + duplicateAssign + valueErrors != 0) {
            own.add(unreadable + " unreadable, " + unmatched + " unmatched retractions, " + duplicateAssign
                    + " duplicate assigns, " + valueErrors + " value errors");
        }
        problems.addAll(own);
        String figures = tracker.check(problems, details);
        return String.format("aggregation: %,d ASSIGN − %,d RETRACT folded = %,d events, %,d metric updates, %,d rows"
                + " published; %s", assign, retract, assign - retract, updates, published, figures);
    }

    private static long count(MeterRegistry registry, String name, String tag, String value) {
        return Math.round(ScenarioContext.sum(registry, name, tag, value));
    }
}
