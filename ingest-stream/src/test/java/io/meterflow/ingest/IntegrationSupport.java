package io.meterflow.ingest;

import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncService;
import io.meterflow.aliassync.api.CustomerStoreQuery;
import io.meterflow.config.Settings;
import io.meterflow.http.HttpConfig;
import io.meterflow.ingest.api.CustomerNames;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.runtime.Runner;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.topics.TopicNames;
import io.meterflow.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;

/** Settings, producers and a read_committed reader for integration tests on a real broker. */
final class IntegrationSupport implements AutoCloseable {

    final KafkaCluster kafka;
    final String suffix = UUID.randomUUID().toString().substring(0, 8);
    final String applicationId = "ingest-it-" + suffix;
    final String registry = "mock://ingest-it-" + suffix;
    final TopicNames names;
    final Topics topics;
    private final KafkaProducer<byte[], byte[]> producer;

    IntegrationSupport(KafkaCluster kafka) {
        this.kafka = kafka;
        TopicNames d = TopicNames.defaults();
        this.names = new TopicNames(d.usageEvents() + "-" + suffix, d.customerChanges() + "-" + suffix,
                d.customers() + "-" + suffix, d.aliasBindings() + "-" + suffix,
                d.customerChangesRejected() + "-" + suffix, d.usageResolved() + "-" + suffix,
                d.usageRejected() + "-" + suffix, d.usageExpired() + "-" + suffix,
                d.billableMetrics() + "-" + suffix, d.usageAggregates() + "-" + suffix);
        this.topics = Topics.create(names, Map.of("schema.registry.url", registry));
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Settings of one ingest-stream instance of this test. */
    Map<String, String> settings(Path stateDir) {
        Map<String, String> s = new HashMap<>();
        s.put("bootstrap.servers", kafka.bootstrapServers());
        s.put("application.id", applicationId);
        s.put("schema.registry.url", registry);
        s.put("state.dir", stateDir.toString());
        s.put("topic.partitions", "4");
        TopicNames d = TopicNames.defaults();
        s.put("topic." + d.usageEvents(), names.usageEvents());
        s.put("topic." + d.customerChanges(), names.customerChanges());
        s.put("topic." + d.customers(), names.customers());
        s.put("topic." + d.aliasBindings(), names.aliasBindings());
        s.put("topic." + d.customerChangesRejected(), names.customerChangesRejected());
        s.put("topic." + d.usageResolved(), names.usageResolved());
        s.put("topic." + d.usageRejected(), names.usageRejected());
        s.put("topic." + d.usageExpired(), names.usageExpired());
        s.put("topic." + d.billableMetrics(), names.billableMetrics());
        s.put("topic." + d.usageAggregates(), names.usageAggregates());
        s.put("replay.interval", "50ms");
        // A crashed member leaves the group fast, and restarts rebalance quickly.
        s.put("kafka.consumer.session.timeout.ms", "6000");
        s.put("kafka.consumer.heartbeat.interval.ms", "500");
        s.put("kafka.commit.interval.ms", "100");
        return s;
    }

    IngestConfig config(Path stateDir) {
        return IngestConfig.from(Settings.of(settings(stateDir)));
    }

    UsageEvent event(String transactionId, String identifier) {
        return UsageEvent.newBuilder().setTransactionId(transactionId).setCustomerId(identifier)
                .setEventType("api_call").setTimestamp(Instant.now().minusSeconds(60).toString())
                .setProperties(Map.of()).build();
    }

    void sendUsage(String key, UsageEvent event) {
        byte[] value = topics.usageEvents().valueSerde().serializer().serialize(names.usageEvents(), event);
        producer.send(new ProducerRecord<>(names.usageEvents(), key == null ? null : Serdes.String().serializer()
                .serialize(names.usageEvents(), key), value));
    }

    void sendRawUsage(byte[] key, byte[] value) {
        producer.send(new ProducerRecord<>(names.usageEvents(), key, value));
    }

    void bind(String identifier, String customerId, boolean isCustomerId) {
        AliasBinding binding = new AliasBinding(identifier, customerId, isCustomerId, false, "c-" + UUID.randomUUID(),
                Instant.now());
        producer.send(new ProducerRecord<>(names.aliasBindings(), bytes(identifier),
                topics.aliasBindings().valueSerde().serializer().serialize(names.aliasBindings(), binding)));
    }

    void define(io.meterflow.schemas.BillableMetric metric) {
        producer.send(new ProducerRecord<>(names.billableMetrics(), bytes(metric.getId()),
                topics.billableMetrics().valueSerde().serializer().serialize(names.billableMetrics(), metric)));
    }

    void release(String identifier) {
        producer.send(new ProducerRecord<>(names.aliasBindings(), bytes(identifier), null));
    }

    void flush() {
        producer.flush();
    }

    private byte[] bytes(String s) {
        return Serdes.String().serializer().serialize(null, s);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    static void awaitRunning(IngestApp app) throws InterruptedException {
        await("ingest-stream to run", Duration.ofSeconds(60), () -> {
            if (app.state() == KafkaStreams.State.ERROR) {
                throw new AssertionError("ingest-stream failed");
            }
            return app.isRunning();
        });
    }

    /**
     * Both apps behind one HTTP port on 127.0.0.1, wired as the standalone launcher wires them (alias-sync's keys as
     * {@code alias-sync.*}, customers named and checked from alias-sync's store in process), started and RUNNING;
     * {@code http} adds or overrides settings (tokens, limits, timeouts). Every setting given must be read.
     */
    Runner bothApps(Path dir, Map<String, String> http) throws InterruptedException {
        Map<String, String> settings = new HashMap<>(settings(dir.resolve("ingest")));
        settings.put("alias-sync.application.id", "alias-sync-" + applicationId);
        settings.put("alias-sync.state.dir", dir.resolve("alias-sync").toString());
        settings.putAll(Map.of(HttpConfig.HOST, "127.0.0.1", HttpConfig.PORT, "0"));
        settings.putAll(http);
        AtomicReference<CustomerStoreQuery> customers = new AtomicReference<>();
        Runner runner = Runner.builder(Settings.of(settings))
                .appSettings((app, given) -> given.forApp(app, Map.of()))
                .app(AliasSyncApp.NAME, AliasSyncService.definition(customers::set))
                .app(IngestApp.NAME, IngestService.definition(CustomerNames.of(id -> customers.get().name(id))))
                .build();
        try {
            if (!runner.unknownKeys().isEmpty()) {
                throw new AssertionError("settings no app read: " + runner.unknownKeys());
            }
            runner.start();
            AliasSyncApp aliasSync = (AliasSyncApp) runner.app(AliasSyncApp.NAME);
            await("alias-sync to run", Duration.ofSeconds(60), () -> aliasSync.state() == KafkaStreams.State.RUNNING);
            awaitRunning((IngestApp) runner.app(IngestApp.NAME));
            return runner;
        } catch (RuntimeException | Error | InterruptedException e) {
            runner.close();
            throw e;
        }
    }

    /** Reads a topic from the beginning, read_committed, on all its partitions. */
    <V> Reader<V> reader(String topic, Deserializer<V> values) {
        return new Reader<>(kafka, topic, values);
    }

    static final class Reader<V> implements AutoCloseable {
        private final KafkaConsumer<String, V> consumer;
        final List<ConsumerRecord<String, V>> records = new ArrayList<>();

        Reader(KafkaCluster kafka, String topic, Deserializer<V> values) {
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            consumer = new KafkaConsumer<>(config, Serdes.String().deserializer(), values);
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Polls once (up to {@code wait}) and returns everything read so far. */
        List<ConsumerRecord<String, V>> poll(Duration wait) {
            consumer.poll(wait).forEach(records::add);
            return records;
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    Reader<ResolvedUsage> resolvedReader() {
        return reader(names.usageResolved(), topics.usageResolved().valueSerde().deserializer());
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    static long seconds(long nanos) {
        return TimeUnit.NANOSECONDS.toSeconds(nanos);
    }
}
