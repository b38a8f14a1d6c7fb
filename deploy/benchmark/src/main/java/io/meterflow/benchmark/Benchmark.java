package io.meterflow.benchmark;

import io.meterflow.kafka.embedded.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs the scenarios side by side on one broker: a pass-through (the limit), a naive KStream–KTable join (the peer),
 * Meterflow (alias-sync + ingest-stream, the classes the launcher runs, aggregation off) and Meterflow with the
 * aggregation on and billable metrics defined ({@link AggregationScenario}), each on fresh topics and application
 * IDs, with identical Kafka Streams settings (exactly-once v2, default commit interval and caches, one stream
 * thread). Each scenario's input is loaded while its topology is started and paused, so the measured interval is
 * processing only: from {@code resume()} to the last expected record a read_committed consumer sees.
 *
 * <p>Each scenario is a class of its own ({@link PassThroughScenario}, {@link NaiveJoinScenario},
 * {@link MeterflowScenario} with {@link LatencyScenario} and {@link ReplayScenario} on its last round,
 * {@link AggregationScenario}, {@link HttpIngestScenario}, and the separate {@link HeapCheckScenario} and
 * {@link AggregateHeapCheckScenario}), sharing a {@link ScenarioContext}; this one
 * starts the broker, runs the warm-up and the rounds in order, and records the results as they come, so that an
 * interrupted run still leaves what it measured.
 */
final class Benchmark {

    private final BenchmarkOptions options;
    private final PrintStream out;
    private final ScenarioContext context;
    private final PassThroughScenario passThrough;
    private final NaiveJoinScenario naiveJoin;
    private final MeterflowScenario meterflow;
    private final AggregationScenario aggregation;

    /** Everything measured, for the results files. */
    final Results results;

    Benchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.context = new ScenarioContext(options, out);
        this.results = new Results(options);
        this.passThrough = new PassThroughScenario(context);
        this.naiveJoin = new NaiveJoinScenario(context);
        this.meterflow = new MeterflowScenario(context, results);
        this.aggregation = options.aggregationMetrics() > 0 ? new AggregationScenario(context, results) : null;
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
            if (options.heapCheckAggregates() > 0) {
                return new AggregateHeapCheckScenario(context, results).run();
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
                ok &= record(meterflow.run(round, last));
                if (aggregation != null) {
                    ok &= record(aggregation.run(round));
                }
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
        List<ScenarioResult> warmed = new java.util.ArrayList<>(
                List.of(passThrough.run(0), naiveJoin.run(0), meterflow.run(0, false)));
        if (aggregation != null) {
            warmed.add(aggregation.run(0));
        }
        for (ScenarioResult warm : warmed) {
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
        // The attribution pipeline alone, as in the runs recorded before the aggregation existed.
        settings.put(io.meterflow.ingest.IngestConfig.AGGREGATION_ENABLED, "false");
        settings.putAll(options.meterflowSettings());
        results.httpIngest = new HttpIngestScenario(settings, options.httpDuration(), context.workload.run(), out)
                .measure(1, 16);
        writePartial();
        return results.httpIngest.checkPassed();
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // a temporary folder; the OS cleans it up eventually
        }
    }
}
