package io.meterflow.ingest;

import io.meterflow.config.Settings;
import io.meterflow.ingest.bindings.ApplyBindingProcessor;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.metrics.PendingGauges;
import io.meterflow.ingest.route.IncomingUsage;
import io.meterflow.ingest.route.UsageParser;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.serde.SpecificAvroDeserializer;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * One ingest-stream task for processor and ledger unit tests: Kafka Streams' {@link MockProcessorContext} holding every
 * store of the topology, built by the processors' own {@code storeBuilders} on in-memory stores (same serdes, no
 * changelog, no cache), a wall clock the test moves, the meters, and usage records as {@code route} hands them on.
 *
 * @param <V> the type of the values the processor under test forwards
 */
public final class MockTask<V> {

    public static final Instant START = Instant.parse("2026-11-22T10:00:00Z");

    public final IngestConfig config;
    public final Topics topics;
    public final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    public final IngestMetrics metrics = new IngestMetrics(meters);
    public final PendingGauges gauges = new PendingGauges(meters);
    public final MockProcessorContext<String, V> context = new MockProcessorContext<>();
    private final UsageParser parser;
    private long offset;

    private MockTask(Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>();
        settings.put("application.id", "ingest-unit");
        settings.put("schema.registry.url", "mock://ingest-unit-" + UUID.randomUUID());
        // Replay steps by entries only: the share of the thread they may take is measured on the real clock, which a
        // test that drives time by hand does not control (ReplayPacerTest covers it with a clock of its own).
        settings.put("replay.max.thread.share", "100");
        settings.putAll(overrides);
        config = IngestConfig.from(Settings.of(settings));
        topics = Topics.create(config.streams().topicNames(), config.streams().serdeConfig());
        SpecificAvroDeserializer<UsageEvent> events = SpecificAvroDeserializer.strict(UsageEvent.class);
        events.configure(topics.serdeConfig(), false);
        parser = new UsageParser(events);
        List<StoreBuilder<?>> stores =
                new ArrayList<>(UsageLedger.storeBuilders(topics, Stores::inMemoryKeyValueStore));
        stores.addAll(ApplyBindingProcessor.storeBuilders(topics, Stores::inMemoryKeyValueStore));
        for (StoreBuilder<?> builder : stores) {
            StateStore store = builder.withLoggingDisabled().withCachingDisabled().build();
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
        }
        context.setCurrentSystemTimeMs(START.toEpochMilli());
    }

    /** A task with the default configuration plus {@code overrides} (configuration keys). */
    public static <V> MockTask<V> create(Map<String, String> overrides) {
        return new MockTask<>(overrides);
    }

    // ---- the wall clock -------------------------------------------------------------------------------------------

    public long now() {
        return context.currentSystemTimeMs();
    }

    public void advance(Duration d) {
        context.setCurrentSystemTimeMs(now() + d.toMillis());
    }

    /** Runs, at the current time, the wall-clock punctuation scheduled every {@code interval}. */
    public void punctuateEvery(Duration interval) {
        List<CapturedPunctuator> due = context.scheduledPunctuators().stream()
                .filter(p -> p.getInterval().equals(interval) && !p.cancelled()).toList();
        if (due.size() != 1) {
            throw new AssertionError("expected one punctuation every " + interval + ", found " + due.size());
        }
        due.get(0).getPunctuator().punctuate(now());
    }

    // ---- input --------------------------------------------------------------------------------------------------

    /** A valid event under {@code identifier} that happened an hour before now. */
    public UsageEvent event(String transactionId, String identifier) {
        return UsageEvent.newBuilder()
                .setTransactionId(transactionId)
                .setCustomerId(identifier)
                .setEventType("api_call")
                .setTimestamp(Instant.ofEpochMilli(now()).minus(1, ChronoUnit.HOURS).toString())
                .setProperties(Map.of("tokens", new JsonValue(new JsonNumber("12345678901234567890")),
                        "price", new JsonValue(new JsonNumber("0.1"))))
                .build();
    }

    /** {@code event} as {@code route} hands it to {@code resolve}: written to usage-events now, read and parsed. */
    public Record<String, IncomingUsage> incoming(UsageEvent event) {
        return incoming(topics.usageEvents().valueSerde().serializer().serialize(topics.names().usageEvents(), event));
    }

    /** A usage-events value as {@code route} hands it on, whatever it holds, written now. */
    public Record<String, IncomingUsage> incoming(byte[] value) {
        UsageParser.Parsed parsed = parser.parse(topics.names().usageEvents(), value);
        String transactionId = parsed.event() == null ? null : parsed.event().getTransactionId();
        byte[] key = transactionId == null ? null : transactionId.getBytes(StandardCharsets.UTF_8);
        return new Record<>(transactionId, new IncomingUsage(parsed.event(), parsed.refused(), key, value,
                topics.names().usageEvents(), 0, offset++, true, parsed.binary()), now());
    }

    /** The binding {@code bindings-fanout} passes on for {@code customerId}. */
    public static BoundCustomer bound(String customerId, boolean isCustomerId, boolean archived) {
        return BoundCustomer.newBuilder().setCustomerId(customerId).setIsCustomerId(isCustomerId)
                .setArchived(archived).build();
    }

    // ---- outcomes -----------------------------------------------------------------------------------------------

    /** What the processor forwarded since the last call, in order; forgets it. */
    public List<Record<String, V>> forwarded() {
        List<Record<String, V>> records = new ArrayList<>();
        for (MockProcessorContext.CapturedForward<? extends String, ? extends V> f : context.forwarded()) {
            records.add(new Record<>(f.record().key(), f.record().value(), f.record().timestamp()));
        }
        context.resetForwards();
        return records;
    }

    public <K, W> KeyValueStore<K, W> store(String name) {
        return context.getStateStore(name);
    }

    /** Every entry of store {@code name}, in key order. */
    public <K, W> List<KeyValue<K, W>> entries(String name) {
        List<KeyValue<K, W>> entries = new ArrayList<>();
        try (KeyValueIterator<K, W> it = this.<K, W>store(name).all()) {
            it.forEachRemaining(entries::add);
        }
        return entries;
    }

    public double count(String name, String... tags) {
        Counter counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    public double gauge(String name) {
        return meters.get(name).gauge().value();
    }
}
