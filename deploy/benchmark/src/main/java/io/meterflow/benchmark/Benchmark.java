package io.meterflow.benchmark;

import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncConfig;
import io.meterflow.config.Settings;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.kafka.embedded.EmbeddedKafkaBroker;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageKind;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Runs the scenarios side by side on one broker: a pass-through (the limit), a naive KStream–KTable join (the peer)
 * and Meterflow (alias-sync + ingest-stream, the classes the launcher runs), each on fresh topics and application
 * IDs, with identical Kafka Streams settings (exactly-once v2, default commit interval and caches, one stream
 * thread). Each scenario's input is loaded while its topology is started and paused, so the measured interval is
 * processing only: from {@code resume()} to the last expected record a read_committed consumer sees.
 */
final class Benchmark {

    static final String METERFLOW = "meterflow";

    private final BenchmarkOptions options;
    private final PrintStream out;
    private final ScenarioContext context;
    private final PassThroughScenario passThrough;
    private final NaiveJoinScenario naiveJoin;

    /** Everything measured, for the results files. */
    final Results results;

    Benchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.context = new ScenarioContext(options, out);
        this.results = new Results(options);
        this.passThrough = new PassThroughScenario(context);
        this.naiveJoin = new NaiveJoinScenario(context);
    }

    /** Runs everything the options ask for; returns whether every count check held. */
    boolean run() throws InterruptedException {
        EmbeddedKafkaBroker broker = null;
        try {
            String bootstrap = options.bootstrapServers();
            if (bootstrap == null) {
                out.println("Starting the in-process Kafka broker (temporary folder)...");
                broker = EmbeddedKafkaBroker.builder().build().start();
                bootstrap = broker.bootstrapServers();
                results.broker = "in-process KRaft broker (same JVM as the apps and the benchmark's clients)";
            } else {
                results.broker = "external: " + bootstrap;
            }
            context.kafka = new Kafka(bootstrap);
            context.workload = new Workload(context.run, options.events(), options.customerCount());
            if (options.heapCheck() > 0) {
                return new HeapCheckScenario(context, results).run();
            }
            if (options.warmup() > 0) {
                warmUp();
            }
            context.workload = new Workload(context.run, options.events(), options.customerCount());
            context.expected = context.workload.expected();
            results.expected = context.expected;
            out.printf("Workload: %,d records (%,d duplicates), %d customers, %d late aliases, %d moving aliases,"
                            + " %d partitions, keyed by transaction ID%n", context.expected.records(),
                    context.expected.duplicates(), context.workload.customers(), context.workload.lateAliases(),
                    context.workload.movingAliases(), options.partitions());
            boolean ok = true;
            if (options.httpOnly()) {
                return httpIngest();
            }
            for (int round = 1; round <= options.rounds(); round++) {
                boolean last = round == options.rounds();
                ok &= record(passThrough.run(round));
                ok &= record(naiveJoin.run(round));
                ok &= record(meterflow(round, last));
            }
            if (!options.httpDuration().isZero()) {
                ok &= httpIngest();
            }
            return ok;
        } finally {
            context.memory.close();
            results.rssPeakBytes = MemorySampler.procStatus("VmHWM");
            if (broker != null) {
                broker.close();
            }
            deleteQuietly(context.stateRoot);
        }
    }

    /**
     * One untimed round of every scenario on a smaller workload of its own (own topics, own run tag), so that the
     * first measured scenario does not pay for JIT compilation the later ones get for free.
     */
    private void warmUp() throws InterruptedException {
        out.printf("%nWarm-up (not measured): %,d records through each scenario%n", options.warmup());
        context.workload = new Workload(context.run + "w", Math.max(options.warmup(), 1000),
                (int) Math.max(20, Math.min(1000, options.warmup() / 1000)));
        context.expected = context.workload.expected();
        for (ScenarioResult warm : List.of(passThrough.run(0), naiveJoin.run(0), meterflow(0, false))) {
            out.printf("  warm-up %s: %,.0f events/s, check %s%n", warm.scenario(), warm.eventsPerSecond(),
                    warm.checkPassed() ? "passed" : "FAILED: " + warm.check());
        }
    }

    private boolean record(ScenarioResult result) {
        results.scenarios.add(result);
        writePartial();
        out.printf("  => %s round %d: %,.0f events/s (%.2f s); check %s: %s%n", result.scenario(), result.round(),
                result.eventsPerSecond(), result.seconds(), result.checkPassed() ? "PASSED" : "FAILED", result.check());
        return result.checkPassed();
    }

    /** Results so far, so that an interrupted run still leaves what it measured (marked as partial). */
    private void writePartial() {
        if (options.out() == null) {
            return;
        }
        try {
            results.rssPeakBytes = MemorySampler.procStatus("VmHWM");
            results.loadAverageAtEnd = Results.loadAverage() + " (partial: written after " + results.scenarios.size()
                    + " scenarios)";
            results.write(options.out());
        } catch (IOException | RuntimeException e) {
            out.println("  (could not write partial results: " + e.getMessage() + ")");
        }
    }

    /** HTTP ingest with 1 and 16 kept-alive clients, on its own topics, ingest-stream running behind it. */
    private boolean httpIngest() throws InterruptedException {
        String prefix = context.prefix(HttpIngestScenario.NAME, 0);
        Map<String, String> settings = context.scenarioSettings(prefix, prefix + "ingest");
        settings.putAll(options.meterflowSettings());
        results.httpIngest = new HttpIngestScenario(settings, options.httpDuration(), context.workload.run(), out)
                .measure(1, 16);
        writePartial();
        return results.httpIngest.checkPassed();
    }

    // ---- 3. Meterflow --------------------------------------------------------------------------------------------------

    private ScenarioResult meterflow(int round, boolean withLatencyAndReplay) throws InterruptedException {
        out.printf("%n[round %d] meterflow: alias-sync + ingest-stream; late aliases attached and aliases moved"
                + " mid-run%n", round);
        String prefix = context.prefix(METERFLOW, round);
        Map<String, String> shared = context.scenarioSettings(prefix, prefix + "alias-sync");
        shared.putAll(options.meterflowSettings());
        AliasSyncConfig aliasConfig = AliasSyncConfig.from(Settings.of(shared));
        Map<String, String> ingestSettings = context.scenarioSettings(prefix, prefix + "ingest");
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
                for (int k = 0; k < context.workload.customers(); k++) {
                    context.send(producer, topics, context.workload.created(k));
                }
                producer.flush();
            }
            long bindingCount = 2L * context.workload.customers();
            try (BindingsWatcher watcher = new BindingsWatcher(topics)) {
                watcher.await(w -> w.bound() >= bindingCount, "alias-sync to bind " + bindingCount + " identifiers");
            }
            ingest = context.startIngest(ingestConfig, registry);
            // Every task holds its own copy of each binding: wait until the replicas are complete, as in steady state.
            ScenarioContext.await(() -> ScenarioContext.sum(registry, IngestMetrics.BINDING_CHANGES, "change", "bound")
                    >= bindingCount * options.partitions(), Duration.ofMinutes(1), "ingest-stream's binding replicas");
            ingest.streams().pause();
            context.memory.reset();
            context.loadUsage(topics, METERFLOW + " " + round);
            UsageTracker tracker = new UsageTracker(topics);
            MidRunChanges changes = new MidRunChanges(topics);
            long started;
            long lastAt;
            try (KafkaConsumer<byte[], byte[]> reader =
                         context.kafka.committedReader(List.of(topics.usageResolved().name()))) {
                started = System.nanoTime();
                lastAt = started;
                ingest.streams().resume();
                long deadline = started + context.processingTimeout().toNanos();
                long halfOfBound = (context.expected.unique() - context.expected.lateUnique()) / 2;
                while (!tracker.complete() && System.nanoTime() < deadline && ingest.isRunning()) {
                    int n = tracker.accept(reader.poll(Duration.ofMillis(50)));
                    if (n > 0) {
                        lastAt = System.nanoTime();
                    }
                    if (!changes.started() && tracker.netOne() >= halfOfBound) {
                        changes.start(started);
                    }
                    context.progress(METERFLOW, tracker.netOne(), context.expected.unique(), started);
                }
                double seconds = (lastAt - started) / 1e9;
                changes.join();
                long peakHeap = context.memory.peakUsed();
                long peakAfterGc = context.memory.peakAfterGc();
                // Settle: read anything committed after completion, so that an excess record would be seen.
                long quietUntil = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < quietUntil) {
                    tracker.accept(reader.poll(Duration.ofMillis(100)));
                }
                String check = countCheck(registry, tracker, details);
                boolean passed = check.startsWith("OK");
                details.put("mid_run_changes", changes.describe());
                details.put("peak_heap_used_bytes", peakHeap);
                details.put("peak_heap_after_gc_bytes", peakAfterGc);
                details.put("rss_bytes_after_scenario", MemorySampler.procStatus("VmRSS"));
                ScenarioResult result = new ScenarioResult(METERFLOW, round, context.expected.records(),
                        tracker.records(), seconds, context.loadRate(METERFLOW + " " + round), passed, check, details);
                if (withLatencyAndReplay) {
                    if (!options.latencyDuration().isZero()) {
                        results.latency = new LatencyScenario(context).measure(reader, topics, options.latencyRate() > 0
                                ? options.latencyRate() : result.eventsPerSecond() / 2);
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
        if (read != context.expected.records()) {
            problems.add("outcomes add up to " + read + ", not " + context.expected.records());
        }
        if (duplicate != context.expected.duplicates()) {
            problems.add(duplicate + " duplicates counted, " + context.expected.duplicates() + " sent");
        }
        if (tracker.netOne() != context.expected.unique()) {
            problems.add(tracker.netOne() + " of " + context.expected.unique() + " transaction IDs net one ASSIGN");
        }
        if (tracker.netOther() != 0) {
            problems.add(tracker.netOther() + " transaction IDs net other than one");
        }
        if (tracker.movedAtTarget() != context.expected.movingUnique()) {
            problems.add(tracker.movedAtTarget() + " of " + context.expected.movingUnique()
                    + " moved events at the new customer");
        }
        if (tracker.unexpected() != 0) {
            problems.add(tracker.unexpected() + " records for unknown transaction IDs");
        }
        String figures = String.format("%d records = %d attributed + %d replayed + %d expired + %d still parked"
                        + " + %d duplicates + %d rejected; %d of %d transaction IDs net exactly one ASSIGN"
                        + " (%d moved events at their new customer)", context.expected.records(), attributed, replayed,
                expired, stillParked, duplicate, rejected, tracker.netOne(), context.expected.unique(),
                tracker.movedAtTarget());
        return (problems.isEmpty() ? "OK: " : "MISMATCH (" + String.join("; ", problems) + "): ") + figures;
    }

    /** Follows usage-resolved for the throughput records: net ASSIGN − RETRACT per transaction ID. */
    private final class UsageTracker {
        private final Deserializer<ResolvedUsage> reader;
        private final byte[] net;
        private final BitSet movedAtTarget = new BitSet();
        private final Map<String, Long> resolutions = new LinkedHashMap<>();
        private final Map<Resolution, Long> assigns = new EnumMap<>(Resolution.class);
        private long netOne;
        private long records;
        private long unexpected;

        UsageTracker(Topics topics) {
            this.reader = topics.usageResolved().valueSerde().deserializer();
            this.net = new byte[Math.toIntExact(context.expected.records())];
        }

        int accept(Iterable<ConsumerRecord<byte[], byte[]>> batch) {
            int n = 0;
            for (ConsumerRecord<byte[], byte[]> record : batch) {
                n++;
                accept(reader.deserialize(record.topic(), record.value()));
            }
            return n;
        }

        void accept(ResolvedUsage usage) {
            long i = context.workload.indexOf(usage.getTransactionId());
            if (i < 0) {
                return; // latency and replay records are counted by their phases
            }
            records++;
            if (i >= net.length || Workload.isDuplicate(i)) {
                unexpected++;
                return;
            }
            int idx = (int) i;
            boolean assign = usage.getKind() == UsageKind.ASSIGN;
            resolutions.merge(assign ? "ASSIGN " + usage.getResolution() : "RETRACT", 1L, Long::sum);
            if (net[idx] == 1) {
                netOne--;
            }
            net[idx] += assign ? 1 : -1;
            if (net[idx] == 1) {
                netOne++;
            }
            if (assign && context.workload.underMovingAlias(i)
                    && usage.getCustomerId().equals(context.workload.finalCustomer(i))) {
                movedAtTarget.set(idx);
            }
        }

        boolean complete() {
            return netOne == context.expected.unique()
                    && movedAtTarget.cardinality() == context.expected.movingUnique();
        }

        long netOne() {
            return netOne;
        }

        long netOther() {
            long other = 0;
            for (int i = 0; i < net.length; i++) {
                if (!Workload.isDuplicate(i) && net[i] != 1) {
                    other++;
                }
            }
            return other;
        }

        long movedAtTarget() {
            return movedAtTarget.cardinality();
        }

        long records() {
            return records;
        }

        long unexpected() {
            return unexpected;
        }

        Map<String, Long> resolutions() {
            return resolutions;
        }
    }

    /** Reads alias-bindings (read_committed) and keeps the latest binding of each identifier. */
    private final class BindingsWatcher implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Deserializer<AliasBinding> reader;
        private final Map<String, AliasBinding> latest = new HashMap<>();

        BindingsWatcher(Topics topics) {
            consumer = context.kafka.committedReader(List.of(topics.aliasBindings().name()));
            reader = topics.aliasBindings().valueSerde().deserializer();
        }

        long bound() {
            return latest.values().stream().filter(b -> b != null).count();
        }

        AliasBinding get(String identifier) {
            return latest.get(identifier);
        }

        void await(java.util.function.Predicate<BindingsWatcher> condition, String what) {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!condition.test(this)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out waiting for " + what);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    latest.put(new String(record.key(), StandardCharsets.UTF_8),
                            record.value() == null ? null : reader.deserialize(record.topic(), record.value()));
                }
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /**
     * The mid-run customer changes, on their own thread while usage is consumed: late aliases attached (their parked
     * usage is replayed), then the moving aliases released by their customers and, once alias-sync has released
     * them, claimed by their new customers (a claim before the release would be refused as ALIAS_IN_USE).
     */
    private final class MidRunChanges implements AutoCloseable {
        private final Topics topics;
        private Thread thread;
        private final AtomicReference<String> outcome = new AtomicReference<>("not started");
        private volatile long startedAfterNanos;
        private volatile long attachSentNanos;
        private volatile long movesClaimedNanos;

        MidRunChanges(Topics topics) {
            this.topics = topics;
        }

        boolean started() {
            return thread != null;
        }

        void start(long scenarioStart) {
            startedAfterNanos = System.nanoTime() - scenarioStart;
            thread = new Thread(() -> {
                try (KafkaProducer<byte[], byte[]> producer = context.kafka.prompt();
                     BindingsWatcher watcher = new BindingsWatcher(topics)) {
                    long t0 = System.nanoTime();
                    for (int l = 0; l < context.workload.lateAliases(); l++) {
                        context.send(producer, topics, context.workload.aliasesSet(l, false));
                    }
                    int c = context.workload.customers();
                    int m = context.workload.movingAliases();
                    for (int k = c - m; k < c; k++) {
                        context.send(producer, topics, context.workload.aliasesSet(k, true));
                    }
                    producer.flush();
                    attachSentNanos = System.nanoTime() - t0;
                    watcher.await(w -> {
                        for (int k = c - m; k < c; k++) {
                            String alias = context.workload.alias(k);
                            if (w.get(alias) != null || !w.latest.containsKey(alias)) {
                                return false;
                            }
                        }
                        return true;
                    }, "alias-sync to release the moving aliases");
                    for (int k = c - 2 * m; k < c - m; k++) {
                        context.send(producer, topics, context.workload.aliasesSet(k, true));
                    }
                    producer.flush();
                    movesClaimedNanos = System.nanoTime() - t0;
                    outcome.set("sent");
                } catch (RuntimeException e) {
                    outcome.set("failed: " + e);
                }
            }, "benchmark-mid-run-changes");
            thread.setDaemon(true);
            thread.start();
        }

        void join() throws InterruptedException {
            if (thread != null) {
                thread.join(Duration.ofMinutes(2).toMillis());
            }
        }

        String describe() {
            return String.format("%s: %d late aliases attached and %d aliases released %.1f s after the start;"
                            + " their new customers claimed them %.1f s later", outcome.get(),
                    context.workload.lateAliases(), context.workload.movingAliases(), startedAfterNanos / 1e9,
                    movesClaimedNanos / 1e9);
        }

        @Override
        public void close() {
            if (thread != null) {
                thread.interrupt();
            }
        }
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // a temporary folder; the OS cleans it up eventually
        }
    }
}
