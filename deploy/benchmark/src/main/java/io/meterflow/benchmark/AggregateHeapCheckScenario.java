package io.meterflow.benchmark;

import io.meterflow.config.Settings;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.aggregate.AggregationMetrics;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The aggregates heap check, a separate run ({@code --heap-check-aggregates C} instead of everything else): only
 * ingest-stream runs, with the aggregation on and {@code --aggregation-metrics} billable metrics
 * ({@link BenchmarkMetrics}), and one event per customer per hour is loaded for {@code --heap-check-days} days
 * (timestamps from now − days, rounded down to the hour, to now), so every event opens rows of its own: the aggregates
 * of C customers × metrics × days of hours. Reports the peak heap in use and after collection, the RSS peak, whether
 * ingest-stream still runs, and the usage-aggregates records published against what the metric definitions give for
 * these events.
 *
 * <p>The customers are bound by writing their alias-bindings (customer ID → itself, {@code is_customer_id}) straight to
 * the topic with the contract's serde, as alias-sync would publish them; alias-sync itself does not run, so the heap
 * figures are ingest-stream's (with the broker and the benchmark's clients) and nothing else's.
 */
final class AggregateHeapCheckScenario {

    private static final long HOUR_MS = 3_600_000L;

    private final ScenarioContext context;
    private final Results results;

    AggregateHeapCheckScenario(ScenarioContext context, Results results) {
        this.context = context;
        this.results = results;
    }

    private String customerId(int c) {
        return UUID.nameUUIDFromBytes((context.run + "/heap-customer/" + c).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    boolean run() throws InterruptedException {
        BenchmarkOptions options = context.options;
        int customers = Math.toIntExact(options.heapCheckAggregates());
        int hours = options.heapCheckDays() * 24;
        long events = (long) customers * hours;
        String prefix = context.prefix("heapagg", 1);
        Map<String, String> settings = context.scenarioSettings(prefix, prefix + "ingest");
        settings.put(IngestConfig.AGGREGATION_ENABLED, "true");
        IngestConfig ingestConfig = IngestConfig.from(Settings.of(settings));
        Topics topics = Topics.create(ingestConfig.streams().topicNames(), ingestConfig.streams().serdeConfig());
        BenchmarkMetrics metrics = new BenchmarkMetrics(context.run + "/heap", options.aggregationMetrics());
        context.out.printf("Aggregates heap check: %,d customers × %,d hours (%d days) = %,d events, one per customer"
                        + " per hour, %d billable metrics (max heap %,d MB)%n  metrics: %s%n", customers, hours,
                options.heapCheckDays(), events, metrics.size(), MemorySampler.maxHeap() >> 20, metrics.describe());
        MeterRegistry registry = new SimpleMeterRegistry();
        context.memory.reset();
        try (IngestApp ingest = context.startIngest(ingestConfig, registry)) {
            try (KafkaProducer<byte[], byte[]> producer = context.kafka.prompt()) {
                String topic = topics.aliasBindings().name();
                Instant now = Instant.now();
                for (int c = 0; c < customers; c++) {
                    String id = customerId(c);
                    AliasBinding binding = new AliasBinding(id, id, true, false, "benchmark-heap-check-" + c, now);
                    producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8),
                            topics.aliasBindings().valueSerde().serializer().serialize(topic, binding)));
                }
                producer.flush();
                metrics.publish(producer, topics);
            }
            long bindings = (long) customers * options.partitions();
            ScenarioContext.await(() -> ScenarioContext.sum(registry, IngestMetrics.BINDING_CHANGES, "change", "bound")
                    >= bindings, Duration.ofMinutes(5), "ingest-stream's binding replicas");
            AggregationScenario.awaitSetUp(context, ingest, metrics, customers, this::customerId);
            context.out.println("  customers bound and metrics set up in every aggregation task");

            // Every event in an hour of its own: base is now − days rounded down to the hour, so the last event is
            // before now and the first within the validator's 34 days.
            long base = Math.floorDiv(System.currentTimeMillis() - hours * HOUR_MS, HOUR_MS) * HOUR_MS;
            String idPrefix = context.run + "-agg-";
            long[] expectedRows = {0};
            long start = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = context.kafka.loader()) {
                Kafka.load(producer, topics.usageEvents(), events, i -> idPrefix + i, i -> {
                    int c = (int) (i % customers);
                    long hour = i / customers;
                    UsageEvent event = context.workload.event(idPrefix + i, customerId(c), i);
                    event.setTimestamp(Instant.ofEpochMilli(base + hour * HOUR_MS + (c % 3600) * 1000L).toString());
                    expectedRows[0] += metrics.rowsOf(event);
                    return event;
                }, "aggregates heap-check events", context.out);
            }
            long expectedPublished = expectedRows[0];
            context.out.printf("  expected: %,d events attributed and aggregated, %,d usage-aggregates records"
                    + " (each event in its own customer-hour: per metric it contributes to, a total row and one row"
                    + " per group key)%n", events, expectedPublished);
            ScenarioContext.await(() -> {
                long folded = Math.round(ScenarioContext.sum(registry, AggregationMetrics.RECORDS, "kind", "assign"));
                context.progress(String.format("aggregated (%,d rows published; peak heap in use %d MB, after GC %d"
                                + " MB, RSS %d MB)", Math.round(ScenarioContext.sum(registry, AggregationMetrics.PUBLISHED)),
                        context.memory.peakUsed() >> 20, context.memory.peakAfterGc() >> 20,
                        MemorySampler.procStatus("VmRSS") >> 20), folded, events, start);
                if (!ScenarioContext.alive(ingest)) {
                    return true;
                }
                return folded >= events
                        && ScenarioContext.sum(registry, AggregationMetrics.PUBLISHED) >= expectedPublished;
            }, Duration.ofSeconds(600 + events / 500), events + " events to be aggregated");
            double seconds = (System.nanoTime() - start) / 1e9;
            // Anything counted after the expected figures were reached would be an excess.
            Thread.sleep(2_000);
            long attributed = Math.round(ScenarioContext.sum(registry, IngestMetrics.OUTCOMES, "outcome", "attributed"));
            long folded = Math.round(ScenarioContext.sum(registry, AggregationMetrics.RECORDS, "kind", "assign"));
            long otherRecords = Math.round(ScenarioContext.sum(registry, AggregationMetrics.RECORDS)) - folded;
            long published = Math.round(ScenarioContext.sum(registry, AggregationMetrics.PUBLISHED));
            long valueErrors = Math.round(ScenarioContext.sum(registry, AggregationMetrics.VALUE_ERRORS));
            boolean running = ScenarioContext.alive(ingest);
            List<String> problems = new ArrayList<>();
            if (!running) {
                problems.add("ingest-stream stopped: " + ingest.state());
            }
            if (attributed != events) {
                problems.add(attributed + " events attributed, not " + events);
            }
            if (folded != events || otherRecords != 0) {
                problems.add("the aggregation folded " + folded + " ASSIGNs (and read " + otherRecords
                        + " other records), not " + events);
            }
            if (published != expectedPublished) {
                problems.add(published + " usage-aggregates records published, not " + expectedPublished);
            }
            if (valueErrors != 0) {
                problems.add(valueErrors + " value errors");
            }
            String check = (problems.isEmpty() ? "OK: " : "MISMATCH (" + String.join("; ", problems) + "): ")
                    + String.format("%,d events attributed and folded; %,d usage-aggregates records published, %,d"
                    + " expected", attributed, published, expectedPublished);
            results.aggregateHeapCheck = new AggregateHeapCheckResult(customers, options.heapCheckDays(), events,
                    metrics.size(), metrics.describe(), seconds, MemorySampler.maxHeap(), context.memory.peakUsed(),
                    context.memory.peakAfterGc(), MemorySampler.procStatus("VmHWM"), running, attributed, folded,
                    published, expectedPublished, problems.isEmpty(), check);
            context.out.println("  " + results.aggregateHeapCheck);
            return problems.isEmpty();
        }
    }

    /**
     * @param seconds           from the start of loading until the aggregation had folded every event and published
     *                          the expected records
     * @param published         records written to usage-aggregates ({@code meterflow.aggregation.published})
     * @param expectedPublished what the metric definitions give for the loaded events
     */
    record AggregateHeapCheckResult(int customers, int days, long events, int metrics, String metricDefinitions,
                                    double seconds, long maxHeapBytes, long peakHeapUsedBytes,
                                    long peakHeapAfterGcBytes, long rssPeakBytes, boolean stillRunning,
                                    long attributed, long folded, long published, long expectedPublished,
                                    boolean checkPassed, String check) {
    }
}
