package io.meterflow.ingest;

import io.meterflow.config.Settings;
import io.meterflow.ingest.emit.StoredUsage;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.UsageAggregate;
import io.meterflow.schemas.UsageAggregateKey;
import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/** The real topology in a TopologyTestDriver, with typed topics, a controlled wall clock and the meters. */
final class IngestHarness implements AutoCloseable {

    static final Instant START = Instant.parse("2026-11-22T10:00:00Z");

    final IngestConfig config;
    final Topics topics;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final TopologyTestDriver driver;
    final TestInputTopic<String, UsageEvent> usage;
    final TestInputTopic<byte[], byte[]> usageRaw;
    final TestInputTopic<String, AliasBinding> bindings;
    final TestInputTopic<byte[], byte[]> bindingsRaw;
    final TestOutputTopic<String, ResolvedUsage> resolved;
    final TestOutputTopic<String, Rejection> rejected;
    final TestOutputTopic<String, ExpiredUsage> expired;
    final TestInputTopic<String, BillableMetric> billableMetrics;
    final TestInputTopic<byte[], byte[]> resolvedRaw;
    final TestOutputTopic<UsageAggregateKey, UsageAggregate> aggregates;
    private Instant now = START;

    IngestHarness(Path stateDir) {
        this(stateDir, Map.of());
    }

    IngestHarness(Path stateDir, Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>();
        settings.put("application.id", "ingest-test");
        settings.put("schema.registry.url", "mock://ingest-test-" + UUID.randomUUID());
        settings.put("state.dir", stateDir.toString());
        settings.put("topic.partitions", "1");
        // Replay steps by entries only: the share of the thread they may take is measured on the real clock, which a
        // test that drives time by hand does not control (ReplayPacerTest covers it with a clock of its own).
        settings.put("replay.max.thread.share", "100");
        settings.putAll(overrides);
        config = IngestConfig.from(Settings.of(settings));
        topics = Topics.create(config.streams().topicNames(), config.streams().serdeConfig());
        Properties props = config.streams().streamsProperties();
        driver = new TopologyTestDriver(IngestTopology.build(config, topics, meters), props, START);
        usage = driver.createInputTopic(topics.names().usageEvents(), Serdes.String().serializer(),
                topics.usageEvents().valueSerde().serializer());
        usageRaw = driver.createInputTopic(topics.names().usageEvents(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer());
        bindings = driver.createInputTopic(topics.names().aliasBindings(), Serdes.String().serializer(),
                topics.aliasBindings().valueSerde().serializer());
        bindingsRaw = driver.createInputTopic(topics.names().aliasBindings(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer());
        resolved = driver.createOutputTopic(topics.names().usageResolved(), Serdes.String().deserializer(),
                topics.usageResolved().valueSerde().deserializer());
        rejected = driver.createOutputTopic(topics.names().usageRejected(), Serdes.String().deserializer(),
                topics.usageRejected().valueSerde().deserializer());
        expired = driver.createOutputTopic(topics.names().usageExpired(), Serdes.String().deserializer(),
                topics.usageExpired().valueSerde().deserializer());
        billableMetrics = driver.createInputTopic(topics.names().billableMetrics(), Serdes.String().serializer(),
                topics.billableMetrics().valueSerde().serializer());
        resolvedRaw = driver.createInputTopic(topics.names().usageResolved(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer());
        aggregates = driver.createOutputTopic(topics.names().usageAggregates(),
                topics.usageAggregates().keySerde().deserializer(), topics.usageAggregates().valueSerde().deserializer());
    }

    /** Publishes a billable metric definition (the global store applies it at once; the tasks at their next check). */
    void define(BillableMetric metric) {
        billableMetrics.pipeInput(metric.getId(), metric, now);
    }

    Instant now() {
        return now;
    }

    /** Advances the stream's wall clock (fires due punctuations). */
    void advance(Duration d) {
        now = now.plus(d);
        driver.advanceWallClockTime(d);
    }

    /** A valid event under {@code identifier}, happened an hour ago. */
    UsageEvent event(String transactionId, String identifier) {
        return UsageEvent.newBuilder()
                .setTransactionId(transactionId)
                .setCustomerId(identifier)
                .setEventType("api_call")
                .setTimestamp(now.minus(1, ChronoUnit.HOURS).toString())
                .setProperties(Map.of("tokens", new JsonValue(new JsonNumber("12345678901234567890")),
                        "price", new JsonValue(new JsonNumber("0.1"))))
                .build();
    }

    /** Sends {@code event} keyed by its transaction ID, timestamped now. */
    void send(UsageEvent event) {
        usage.pipeInput(event.getTransactionId(), event, now);
    }

    /** Sends {@code event} with the given record key, timestamped now. */
    void sendKeyed(String key, UsageEvent event) {
        usage.pipeInput(key, event, now);
    }

    void send(String transactionId, String identifier) {
        send(event(transactionId, identifier));
    }

    void bind(String alias, String customerId) {
        bindings.pipeInput(alias, binding(alias, customerId, false, false), now);
    }

    void bindArchived(String alias, String customerId) {
        bindings.pipeInput(alias, binding(alias, customerId, false, true), now);
    }

    /** The binding alias-sync writes for a customer's own ID. */
    void bindCustomer(String customerId) {
        bindings.pipeInput(customerId, binding(customerId, customerId, true, false), now);
    }

    void release(String alias) {
        bindings.pipeInput(alias, null, now);
    }

    private AliasBinding binding(String alias, String customerId, boolean isCustomerId, boolean archived) {
        return new AliasBinding(alias, customerId, isCustomerId, archived, "change-" + UUID.randomUUID(), now);
    }

    List<TestRecord<String, ResolvedUsage>> resolvedRecords() {
        return resolved.readRecordsToList();
    }

    List<KeyValue<String, ResolvedUsage>> resolvedKeyValues() {
        return resolved.readKeyValuesToList();
    }

    KeyValueStore<String, StoredUsage> statusStore() {
        return driver.getKeyValueStore(UsageLedger.USAGE_BY_TRANSACTION);
    }

    UsageState status(String transactionId) {
        StoredUsage stored = statusStore().get(transactionId);
        return stored == null ? null : stored.state();
    }

    double count(String name, String... tags) {
        Counter counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    double gauge(String name) {
        return meters.get(name).gauge().value();
    }

    @Override
    public void close() {
        driver.close();
    }
}
