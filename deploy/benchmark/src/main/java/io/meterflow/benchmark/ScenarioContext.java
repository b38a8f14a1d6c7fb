package io.meterflow.benchmark;

import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncConfig;
import io.meterflow.config.StreamsAppConfig;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.topics.TopicNames;
import io.meterflow.runtime.TopicProvisioner;
import io.meterflow.runtime.TopicProvisioner.TopicSpec;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What the scenarios share within one run: the options and the console, the run tag, the state folder, the memory
 * sampler, the benchmark's Kafka clients, the current workload with its expected counts, and the plumbing every
 * scenario uses to name and create its topics, load its input, start the apps and wait for them. {@link Benchmark}
 * sets the clients once the broker is up and the workload per phase (the warm-up has its own).
 */
final class ScenarioContext {

    private static final String REGISTRY = "mock://meterflow-benchmark";

    final BenchmarkOptions options;
    final PrintStream out;
    final String run = "r" + UUID.randomUUID().toString().substring(0, 6);
    final Path stateRoot;
    final MemorySampler memory = new MemorySampler();
    Kafka kafka;
    Workload workload;
    Workload.Expected expected;
    private final Map<String, Double> loadRates = new HashMap<>();
    private long lastProgress;

    ScenarioContext(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        try {
            this.stateRoot = Files.createTempDirectory("meterflow-benchmark-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary state folder", e);
        }
    }

    /** Topic names of one scenario: every default name with the scenario's prefix. */
    Map<String, String> scenarioSettings(String prefix, String applicationId) {
        Map<String, String> values = new HashMap<>();
        values.put(StreamsAppConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        values.put(StreamsAppConfig.APPLICATION_ID, applicationId);
        values.put(StreamsAppConfig.STATE_DIR, stateRoot.resolve(applicationId).toString());
        values.put(StreamsAppConfig.TOPIC_PARTITIONS, Integer.toString(options.partitions()));
        values.put("schema.registry.url", REGISTRY);
        TopicNames defaults = TopicNames.defaults();
        for (String name : List.of(defaults.usageEvents(), defaults.customerChanges(), defaults.customers(),
                defaults.aliasBindings(), defaults.customerChangesRejected(), defaults.usageResolved(),
                defaults.usageRejected(), defaults.usageExpired(), defaults.billableMetrics(),
                defaults.usageAggregates())) {
            values.put(StreamsAppConfig.TOPIC_PREFIX + name, prefix + name);
        }
        return values;
    }

    String prefix(String scenario, int round) {
        return "bench-" + workload.run() + "-" + round + "-" + scenario + ".";
    }

    void ensureTopics(List<TopicSpec> specs) {
        try (Admin admin = kafka.admin()) {
            TopicProvisioner.ensure(admin, specs.stream().filter(s -> !s.compacted()).toList(), options.partitions(),
                    (short) -1);
            TopicProvisioner.ensure(admin, specs.stream().filter(TopicSpec::compacted).toList(), options.partitions(),
                    (short) -1);
        }
    }

    void loadUsage(Topics topics, String label) {
        try (KafkaProducer<byte[], byte[]> producer = kafka.loader()) {
            double rate = Kafka.load(producer, topics.usageEvents(), expected.records(), workload::transactionId,
                    workload::event, label, out);
            loadRates.put(label, rate);
        }
    }

    double loadRate(String label) {
        return loadRates.getOrDefault(label, 0.0);
    }

    /** Loads {@code count} events under {@code alias}, which nobody holds, so that ingest-stream parks them. */
    void parkUnder(Topics topics, String alias, long count, String label) {
        String idPrefix = run + "-" + label + "-";
        try (KafkaProducer<byte[], byte[]> producer = kafka.loader()) {
            Kafka.load(producer, topics.usageEvents(), count, i -> idPrefix + i,
                    i -> workload.event(idPrefix + i, alias, i), label + " events", out);
        }
    }

    void send(KafkaProducer<byte[], byte[]> producer, Topics topics, CustomerChange change) {
        String topic = topics.customerChanges().name();
        producer.send(new ProducerRecord<>(topic, change.getCustomerId().getBytes(StandardCharsets.UTF_8),
                topics.customerChanges().valueSerde().serializer().serialize(topic, change)));
    }

    static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Whether {@code app} is still processing: RUNNING, or REBALANCING (a rebalance, such as the one after a producer
     * was fenced on a starved machine, is recovered from, not a stop).
     */
    static boolean alive(io.meterflow.ingest.IngestApp app) {
        return app.state().isRunningOrRebalancing();
    }

    static void awaitRunning(KafkaStreams streams, String what) throws InterruptedException {
        await(() -> {
            KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
                throw new IllegalStateException(what + " stopped: " + state);
            }
            return state == KafkaStreams.State.RUNNING;
        }, Duration.ofMinutes(2), what + " to be RUNNING");
    }

    Duration processingTimeout() {
        return Duration.ofSeconds(120 + expected.records() / 2_000);
    }

    void progress(String what, long done, long of, long startedNanos) {
        long now = System.nanoTime();
        if (now - lastProgress > 1_000_000_000L) {
            lastProgress = now;
            out.printf("  %s: %,d / %,d outputs after %.1f s%n", what, done, of, (now - startedNanos) / 1e9);
        }
    }

    /**
     * Starts alias-sync and waits until it runs. (Both apps wait for the topics they create to be visible before
     * they start, so a first rebalance no longer meets a missing source topic and no retry is needed here.)
     */
    AliasSyncApp startAliasSync(AliasSyncConfig config, MeterRegistry registry) throws InterruptedException {
        AliasSyncApp app = new AliasSyncApp(config, registry);
        try {
            app.start();
            awaitRunning(app.streams(), "alias-sync");
            return app;
        } catch (RuntimeException | InterruptedException e) {
            app.close();
            throw e;
        }
    }

    IngestApp startIngest(IngestConfig config, MeterRegistry registry) throws InterruptedException {
        IngestApp app = new IngestApp(config, registry);
        try {
            app.start();
            awaitRunning(app.streams(), "ingest-stream");
            return app;
        } catch (RuntimeException | InterruptedException e) {
            app.close();
            throw e;
        }
    }

    static double sum(MeterRegistry registry, String name, String tag, String value) {
        return registry.find(name).tag(tag, value).counters().stream().mapToDouble(Counter::count).sum();
    }

    static double sum(MeterRegistry registry, String name) {
        return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    record Percentiles(long p50, long p99, long max) {
        static Percentiles of(long[] values) {
            if (values.length == 0) {
                return new Percentiles(-1, -1, -1);
            }
            Arrays.sort(values);
            return new Percentiles(values[(int) Math.floor(0.50 * (values.length - 1))],
                    values[(int) Math.floor(0.99 * (values.length - 1))], values[values.length - 1]);
        }
    }
}
