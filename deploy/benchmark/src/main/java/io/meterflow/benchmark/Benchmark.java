package io.meterflow.benchmark;

import io.meterflow.aliassync.CustomerChanges;
import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncConfig;
import io.meterflow.config.Settings;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.metrics.PendingGauges;
import io.meterflow.kafka.embedded.EmbeddedKafkaBroker;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageKind;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

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
                return heapCheck();
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
                        results.latency = latency(reader, topics, options.latencyRate() > 0
                                ? options.latencyRate() : result.eventsPerSecond() / 2);
                    }
                    if (options.parked() > 0) {
                        results.replay = replay(reader, topics, registry, options.parked());
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

    // ---- latency at half load ------------------------------------------------------------------------------------------

    private LatencyResult latency(KafkaConsumer<byte[], byte[]> reader, Topics topics, double rate)
            throws InterruptedException {
        Duration duration = options.latencyDuration();
        out.printf("%n  latency: paced producer at %,.0f events/s (" + (options.latencyRate() > 0 ? "--latency-rate"
                : "half the measured rate") + ") for %d s, bound"
                + " identifiers, keyed by transaction ID%n", rate, duration.toSeconds());
        String latencyPrefix = context.run + "-lat-";
        AtomicLong sent = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producerThread = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = context.kafka.prompt()) {
                Serializer<io.meterflow.schemas.UsageEvent> serializer = topics.usageEvents().valueSerde().serializer();
                String topic = topics.usageEvents().name();
                long intervalNanos = (long) (1e9 / rate);
                long start = System.nanoTime();
                long end = start + duration.toNanos();
                for (long j = 0; ; j++) {
                    long due = start + j * intervalNanos;
                    if (due >= end) {
                        break;
                    }
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    int k = (int) (j % context.workload.customers());
                    String identifier = j % 3 == 0 ? context.workload.customerId(k) : context.workload.alias(k);
                    String id = latencyPrefix + j;
                    producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8),
                            serializer.serialize(topic, context.workload.event(id, identifier, j))));
                    sent.incrementAndGet();
                }
                producer.flush();
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, "benchmark-paced-producer");
        context.memory.reset();
        producerThread.start();
        Deserializer<ResolvedUsage> deserializer = topics.usageResolved().valueSerde().deserializer();
        long[] endToEnd = new long[(int) Math.min(Integer.MAX_VALUE - 8, rate * duration.toSeconds() + 1000)];
        long[] toResolved = new long[endToEnd.length];
        int received = 0;
        long deadline = Long.MAX_VALUE;
        while (System.nanoTime() < deadline) {
            var batch = reader.poll(Duration.ofMillis(5));
            long now = System.currentTimeMillis();
            for (ConsumerRecord<byte[], byte[]> record : batch) {
                ResolvedUsage usage = deserializer.deserialize(record.topic(), record.value());
                if (usage.getTransactionId().startsWith(latencyPrefix) && received < endToEnd.length) {
                    endToEnd[received] = now - usage.getIngestedAt().toEpochMilli();
                    toResolved[received] = usage.getResolvedAt().toEpochMilli() - usage.getIngestedAt().toEpochMilli();
                    received++;
                }
            }
            if (!producerThread.isAlive()) {
                if (deadline == Long.MAX_VALUE) {
                    deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                }
                if (received >= sent.get()) {
                    break;
                }
            }
        }
        producerThread.join();
        if (failure.get() != null) {
            throw new IllegalStateException("the paced producer failed", failure.get());
        }
        LatencyResult result = new LatencyResult(rate, sent.get() / (double) duration.toSeconds(), sent.get(), received,
                ScenarioContext.Percentiles.of(Arrays.copyOf(endToEnd, received)),
                ScenarioContext.Percentiles.of(Arrays.copyOf(toResolved, received)), context.memory.peakUsed());
        out.printf("  latency: %d sent, %d attributed; commit-visible p50 %d ms, p99 %d ms, max %d ms%n",
                result.sent(), result.received(), result.endToEnd().p50(), result.endToEnd().p99(),
                result.endToEnd().max());
        return result;
    }

    record LatencyResult(double offeredRate, double achievedRate, long sent, long received,
                         ScenarioContext.Percentiles endToEnd, ScenarioContext.Percentiles toResolvedAt,
                         long peakHeapUsedBytes) {
    }

    // ---- replay rate ---------------------------------------------------------------------------------------------------

    private ReplayResult replay(KafkaConsumer<byte[], byte[]> reader, Topics topics, MeterRegistry registry, long parked)
            throws InterruptedException {
        String alias = "parked." + context.run + "@example.com";
        out.printf("%n  replay: %,d events parked under %s, then the alias is attached%n", parked, alias);
        context.memory.reset();
        long parkStart = System.nanoTime();
        double pendingBefore = ScenarioContext.sum(registry, IngestMetrics.OUTCOMES, "outcome", "pending");
        context.parkUnder(topics, alias, parked, "parked");
        ScenarioContext.await(() -> {
            double now = ScenarioContext.sum(registry, IngestMetrics.OUTCOMES, "outcome", "pending") - pendingBefore;
            context.progress("parked", (long) now, parked, parkStart);
            return now >= parked;
        }, Duration.ofSeconds(300 + parked / 1000), parked + " events to be parked");
        double parkSeconds = (System.nanoTime() - parkStart) / 1e9;
        // Let the last parking transaction commit before the alias is attached.
        Thread.sleep(500);
        String customer = UUID.nameUUIDFromBytes((context.run + "/replay").getBytes(StandardCharsets.UTF_8)).toString();
        Deserializer<ResolvedUsage> deserializer = topics.usageResolved().valueSerde().deserializer();
        long replayed = 0;
        long attachAt;
        long firstAt = 0;
        long lastAt = 0;
        try (KafkaProducer<byte[], byte[]> producer = context.kafka.prompt()) {
            attachAt = System.nanoTime();
            context.send(producer, topics, CustomerChanges.created(customer, "Replay customer", List.of(alias)));
            producer.flush();
        }
        long deadline = attachAt + Duration.ofSeconds(120 + parked / 2_000).toNanos();
        while (replayed < parked && System.nanoTime() < deadline) {
            var batch = reader.poll(Duration.ofMillis(20));
            long now = System.nanoTime();
            for (ConsumerRecord<byte[], byte[]> record : batch) {
                ResolvedUsage usage = deserializer.deserialize(record.topic(), record.value());
                if (usage.getResolution() == Resolution.REPLAYED && alias.equals(usage.getIdentifier())) {
                    if (replayed++ == 0) {
                        firstAt = now;
                    }
                    lastAt = now;
                }
            }
            context.progress("replayed", replayed, parked, attachAt);
        }
        ReplayResult result = new ReplayResult(parked, parkSeconds, replayed, (lastAt - attachAt) / 1e9,
                (lastAt - firstAt) / 1e9, context.memory.peakUsed(), context.memory.peakAfterGc(),
                (double) registry.find(PendingGauges.PENDING).gauges().stream().mapToDouble(Gauge::value).sum());
        out.printf("  replay: %,d of %,d replayed in %.2f s from the attach (%,.0f events/s)%n", replayed, parked,
                result.secondsFromAttach(), result.ratePerSecond());
        return result;
    }

    /**
     * @param parked             events parked under the alias
     * @param parkSeconds        from the start of loading until ingest-stream had parked them all
     * @param replayed           REPLAYED records seen
     * @param secondsFromAttach  from sending the customer change that attaches the alias to the last REPLAYED record
     * @param secondsFirstToLast from the first to the last REPLAYED record
     */
    record ReplayResult(long parked, double parkSeconds, long replayed, double secondsFromAttach,
                        double secondsFirstToLast, long peakHeapUsedBytes, long peakHeapAfterGcBytes,
                        double pendingGaugeAtEnd) {
        double ratePerSecond() {
            return secondsFromAttach > 0 ? replayed / secondsFromAttach : 0;
        }
    }

    // ---- heap check ----------------------------------------------------------------------------------------------------

    /** The separate run: park {@code --heap-check} events under one alias and report the heap it took. */
    private boolean heapCheck() throws InterruptedException {
        long count = options.heapCheck();
        out.printf("Heap check: %,d events parked under one alias (max heap %,d MB)%n", count,
                MemorySampler.maxHeap() >> 20);
        String prefix = context.prefix("heap", 1);
        IngestConfig ingestConfig = IngestConfig.from(Settings.of(context.scenarioSettings(prefix, prefix + "ingest")));
        Topics topics = Topics.create(ingestConfig.streams().topicNames(), ingestConfig.streams().serdeConfig());
        MeterRegistry registry = new SimpleMeterRegistry();
        context.memory.reset();
        try (IngestApp ingest = context.startIngest(ingestConfig, registry)) {
            long start = System.nanoTime();
            context.parkUnder(topics, "heap-check." + context.run + "@example.com", count, "heap");
            ScenarioContext.await(() -> {
                double now = ScenarioContext.sum(registry, IngestMetrics.OUTCOMES, "outcome", "pending");
                context.progress(String.format("parked (peak heap in use %d MB, after GC %d MB, RSS %d MB)",
                        context.memory.peakUsed() >> 20, context.memory.peakAfterGc() >> 20,
                        MemorySampler.procStatus("VmRSS") >> 20), (long) now, count, start);
                return now >= count;
            }, Duration.ofSeconds(600 + count / 1000), count + " events to be parked");
            results.heapCheck = new HeapCheckResult(count, (System.nanoTime() - start) / 1e9, MemorySampler.maxHeap(),
                    context.memory.peakUsed(), context.memory.peakAfterGc(), MemorySampler.procStatus("VmHWM"),
                    ingest.isRunning());
            out.println("  " + results.heapCheck);
            return ingest.isRunning();
        }
    }

    record HeapCheckResult(long parked, double seconds, long maxHeapBytes, long peakHeapUsedBytes,
                           long peakHeapAfterGcBytes, long rssPeakBytes, boolean stillRunning) {
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // a temporary folder; the OS cleans it up eventually
        }
    }
}
