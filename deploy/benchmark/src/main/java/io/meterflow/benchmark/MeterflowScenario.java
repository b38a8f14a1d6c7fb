package io.meterflow.benchmark;

import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncConfig;
import io.meterflow.config.Settings;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Meterflow: the real alias-sync and ingest-stream (the classes the launcher runs) with a Micrometer registry. The
 * customers are created through customer-changes and the run waits until alias-sync has published their bindings
 * and every ingest-stream task has applied them (steady state); half-way through, the late aliases are attached and
 * the moving aliases moved ({@link MidRunChanges}). Timed until usage-resolved nets exactly one ASSIGN for every
 * distinct transaction ID with moved usage at its new customer, and the count check accounts for every input. On the
 * last round the latency and replay phases run on the same apps before they stop.
 *
 * <p>This scenario runs ingest-stream with {@code aggregation.enabled=false} (the attribution pipeline alone, as in
 * the runs recorded before the aggregation existed). {@link AggregationScenario} runs the same machinery with the
 * aggregation on, through an {@link Extension}: billable metrics defined before the input is resumed, usage-aggregates
 * read beside usage-resolved, and a timed condition and count check of its own.
 */
final class MeterflowScenario {

    static final String NAME = "meterflow";

    /**
     * What a variant of the scenario adds: its settings, setup before the input is loaded, the further topics the
     * timed reader follows, a further completion condition and count check. The plain scenario uses {@link #NONE}.
     */
    interface Extension {
        /** Settings for ingest-stream on top of the scenario's (before the {@code --meterflow-set} ones). */
        default void ingestSettings(Map<String, String> settings) {
            settings.put(IngestConfig.AGGREGATION_ENABLED, "false");
        }

        /** Once ingest-stream runs with complete binding replicas, before it is paused and the input loaded. */
        default void beforeLoad(IngestApp ingest, Topics topics) throws InterruptedException {
        }

        /** Further topics the timed read_committed reader follows. */
        default List<String> topics(Topics topics) {
            return List.of();
        }

        /** Records of the further topics; returns how many. */
        default int accept(ConsumerRecords<byte[], byte[]> batch) {
            return 0;
        }

        /** Whether the further completion condition holds (the clock stops when it and usage-resolved's hold). */
        default boolean complete() {
            return true;
        }

        /** Progress beside usage-resolved's, or empty. */
        default String progress() {
            return "";
        }

        /** Further checks (problems added) and figures, after the run has settled. */
        default String check(MeterRegistry registry, UsageTracker tracker, List<String> problems,
                             Map<String, Object> details) {
            return "";
        }
    }

    /** The plain scenario: aggregation off, nothing further. */
    static final Extension NONE = new Extension() {
    };

    private final ScenarioContext context;
    private final Results results;
    private final String name;
    private final Extension extension;

    MeterflowScenario(ScenarioContext context, Results results) {
        this(context, results, NAME, NONE);
    }

    MeterflowScenario(ScenarioContext context, Results results, String name, Extension extension) {
        this.context = context;
        this.results = results;
        this.name = name;
        this.extension = extension;
    }

    ScenarioResult run(int round, boolean withLatencyAndReplay) throws InterruptedException {
        BenchmarkOptions options = context.options;
        Workload workload = context.workload;
        Workload.Expected expected = context.expected;
        context.out.printf("%n[round %d] %s: alias-sync + ingest-stream%s; late aliases attached and aliases moved"
                + " mid-run%n", round, name, extension == NONE ? " (aggregation off)" : " with the aggregation");
        String prefix = context.prefix(name.replace('+', '-'), round); // "+" is not allowed in an application ID
        Map<String, String> shared = context.scenarioSettings(prefix, prefix + "alias-sync");
        shared.putAll(options.meterflowSettings());
        AliasSyncConfig aliasConfig = AliasSyncConfig.from(Settings.of(shared));
        Map<String, String> ingestSettings = context.scenarioSettings(prefix, prefix + "ingest");
        extension.ingestSettings(ingestSettings);
        ingestSettings.putAll(options.meterflowSettings());
        IngestConfig ingestConfig = IngestConfig.from(Settings.of(ingestSettings));
        Topics topics = Topics.create(ingestConfig.streams().topicNames(), ingestConfig.streams().serdeConfig());
        MeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Object> details = new LinkedHashMap<>();
        AliasSyncApp aliasSync = null;
        IngestApp ingest = null;
        try {
            aliasSync = context.startAliasSync(aliasConfig, registry);
            try (KafkaProducer<byte[], byte[]> producer = context.kafka.prompt()) {
                for (int k = 0; k < workload.customers(); k++) {
                    context.send(producer, topics, workload.created(k));
                }
                producer.flush();
            }
            long bindingCount = 2L * workload.customers();
            try (BindingsWatcher watcher = new BindingsWatcher(context.kafka, topics)) {
                watcher.await(w -> w.bound() >= bindingCount, "alias-sync to bind " + bindingCount + " identifiers");
            }
            ingest = context.startIngest(ingestConfig, registry);
            // Every task holds its own copy of each binding: wait until the replicas are complete, as in steady state.
            ScenarioContext.await(() -> ScenarioContext.sum(registry, IngestMetrics.BINDING_CHANGES, "change", "bound")
                    >= bindingCount * options.partitions(), Duration.ofMinutes(1), "ingest-stream's binding replicas");
            extension.beforeLoad(ingest, topics);
            ingest.streams().pause();
            context.memory.reset();
            context.loadUsage(topics, name + " " + round);
            UsageTracker tracker = new UsageTracker(topics, workload, expected);
            MidRunChanges changes = new MidRunChanges(context, topics);
            long started;
            long lastAt;
            String resolvedTopic = topics.usageResolved().name();
            List<String> read = new ArrayList<>(List.of(resolvedTopic));
            read.addAll(extension.topics(topics));
            try (KafkaConsumer<byte[], byte[]> reader = context.kafka.committedReader(read)) {
                CpuClock cpu = new CpuClock(ingestConfig.streams().applicationId());
                started = System.nanoTime();
                lastAt = started;
                ingest.streams().resume();
                long deadline = started + context.processingTimeout().toNanos();
                long halfOfBound = (expected.unique() - expected.lateUnique()) / 2;
                while (!(tracker.complete() && extension.complete()) && System.nanoTime() < deadline
                        && ScenarioContext.alive(ingest)) {
                    ConsumerRecords<byte[], byte[]> batch = reader.poll(Duration.ofMillis(50));
                    int n = tracker.accept(batch.records(resolvedTopic)) + extension.accept(batch);
                    if (n > 0) {
                        lastAt = System.nanoTime();
                        cpu.mark();
                    }
                    if (!changes.started() && tracker.netOne() >= halfOfBound) {
                        changes.start(started);
                    }
                    context.progress(name + extension.progress(), tracker.netOne(), expected.unique(), started);
                }
                cpu.finish();
                double seconds = (lastAt - started) / 1e9;
                changes.join();
                long peakHeap = context.memory.peakUsed();
                long peakAfterGc = context.memory.peakAfterGc();
                // Settle: read anything committed after completion, so that an excess record would be seen.
                long quietUntil = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < quietUntil) {
                    ConsumerRecords<byte[], byte[]> batch = reader.poll(Duration.ofMillis(100));
                    tracker.accept(batch.records(resolvedTopic));
                    extension.accept(batch);
                }
                String check = countCheck(registry, tracker, details);
                boolean passed = check.startsWith("OK");
                details.put("mid_run_changes", changes.describe());
                cpu.report(expected.records(), details);
                details.put("peak_heap_used_bytes", peakHeap);
                details.put("peak_heap_after_gc_bytes", peakAfterGc);
                details.put("rss_bytes_after_scenario", MemorySampler.procStatus("VmRSS"));
                ScenarioResult result = new ScenarioResult(name, round, expected.records(), tracker.records(),
                        seconds, context.loadRate(name + " " + round), passed, check, details);
                if (withLatencyAndReplay) {
                    if (!options.latencyDuration().isZero()) {
                        results.latency = new LatencyScenario(context).measure(reader, topics,
                                options.latencyRate() > 0 ? options.latencyRate() : result.eventsPerSecond() / 2,
                                registry, ingestConfig.streams().applicationId());
                    }
                    if (options.parked() > 0) {
                        results.replay = new ReplayScenario(context).measure(reader, topics, registry,
                                options.parked());
                    }
                    results.meterflowPeakHeapUsedBytes = context.memory.peakUsed();
                    results.meterflowPeakHeapAfterGcBytes = context.memory.peakAfterGc();
                }
                return result;
            } finally {
                changes.close();
            }
        } finally {
            if (ingest != null) {
                ingest.close();
            }
            if (aliasSync != null) {
                aliasSync.close();
            }
        }
    }

    /**
     * Every input accounted for: the counters' outcomes add up to the records read, and usage-resolved nets exactly
     * one ASSIGN for every distinct transaction ID, with moved usage at its new customer.
     */
    private String countCheck(MeterRegistry registry, UsageTracker tracker, Map<String, Object> details) {
        Workload.Expected expected = context.expected;
        long attributed = Math.round(ScenarioContext.sum(registry, IngestMetrics.OUTCOMES, "outcome", "attributed"));
        long pending = Math.round(ScenarioContext.sum(registry, IngestMetrics.OUTCOMES, "outcome", "pending"));
        long duplicate = Math.round(ScenarioContext.sum(registry, IngestMetrics.OUTCOMES, "outcome", "duplicate"));
        long rejected = Math.round(ScenarioContext.sum(registry, IngestMetrics.OUTCOMES, "outcome", "rejected"));
        long replayed = Math.round(ScenarioContext.sum(registry, IngestMetrics.REPLAYED));
        long expired = Math.round(ScenarioContext.sum(registry, IngestMetrics.EXPIRED));
        long reassigned = Math.round(ScenarioContext.sum(registry, IngestMetrics.REASSIGNED));
        long stillParked = pending - replayed - expired;
        details.put("outcome_attributed", attributed);
        details.put("outcome_pending", pending);
        details.put("outcome_duplicate", duplicate);
        details.put("outcome_rejected", rejected);
        details.put("replayed", replayed);
        details.put("reassigned", reassigned);
        details.put("expired", expired);
        details.put("still_parked", stillParked);
        details.put("resolved_records", tracker.resolutions());
        details.put("transaction_ids_netting_one", tracker.netOne());
        details.put("transaction_ids_netting_other", tracker.netOther());
        details.put("moved_usage_at_new_customer", tracker.movedAtTarget());
        details.put("unexpected_records", tracker.unexpected());
        long read = attributed + pending + duplicate + rejected;
        List<String> problems = new ArrayList<>();
        if (read != expected.records()) {
            problems.add("outcomes add up to " + read + ", not " + expected.records());
        }
        if (duplicate != expected.duplicates()) {
            problems.add(duplicate + " duplicates counted, " + expected.duplicates() + " sent");
        }
        if (tracker.netOne() != expected.unique()) {
            problems.add(tracker.netOne() + " of " + expected.unique() + " transaction IDs net one ASSIGN");
        }
        if (tracker.netOther() != 0) {
            problems.add(tracker.netOther() + " transaction IDs net other than one");
        }
        if (tracker.movedAtTarget() != expected.movingUnique()) {
            problems.add(tracker.movedAtTarget() + " of " + expected.movingUnique() + " moved events at the new customer");
        }
        if (tracker.unexpected() != 0) {
            problems.add(tracker.unexpected() + " records for unknown transaction IDs");
        }
        String further = extension.check(registry, tracker, problems, details);
        String figures = String.format("%d records = %d attributed + %d replayed + %d expired + %d still parked"
                        + " + %d duplicates + %d rejected; %d of %d transaction IDs net exactly one ASSIGN"
                        + " (%d moved events at their new customer)", expected.records(), attributed, replayed,
                expired, stillParked, duplicate, rejected, tracker.netOne(), expected.unique(),
                tracker.movedAtTarget()) + (further.isEmpty() ? "" : "; " + further);
        return (problems.isEmpty() ? "OK: " : "MISMATCH (" + String.join("; ", problems) + "): ") + figures;
    }
}
