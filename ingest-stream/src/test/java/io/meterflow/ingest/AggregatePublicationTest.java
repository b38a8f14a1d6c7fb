package io.meterflow.ingest;

import static io.meterflow.ingest.AggregationSupport.event;
import static io.meterflow.ingest.AggregationSupport.metric;
import static io.meterflow.ingest.AggregationSupport.num;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.aggregate.AggregateLedger;
import io.meterflow.ingest.aggregate.AggregationMetrics;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.GroupValue;
import io.meterflow.schemas.UsageAggregate;
import io.meterflow.schemas.UsageAggregateKey;
import io.meterflow.ingest.aggregate.AggregateProcessor;
import io.meterflow.ingest.billablemetrics.BillableMetricsStore;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.serde.SpecificAvroDeserializer;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coalesced publication: a fold marks the rows it changes in aggregates-dirty, and every
 * {@code aggregation.publish.interval} the current value of each marked row is published once.
 */
class AggregatePublicationTest {

    static final String A = "c0a8e3b2-0000-4000-8000-00000000000a";
    static final Instant HOUR = Instant.parse("2026-11-22T09:00:00Z");

    @TempDir
    Path stateDir;

    private static BillableMetric sumByRegion() {
        return metric("sum", AggregationType.SUM, "cpu", List.of(List.of("region"))).build();
    }

    private static KeyValueStore<Bytes, byte[]> dirty(IngestHarness h) {
        return h.driver.getKeyValueStore(AggregateLedger.DIRTY);
    }

    private static long markers(IngestHarness h) {
        long n = 0;
        try (KeyValueIterator<Bytes, byte[]> it = dirty(h).all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    @Test
    void manyEventsToOneRowWithinAnIntervalArePublishedOnceWithTheLastValue() {
        try (IngestHarness h = new IngestHarness(stateDir)) {
            AggregationSupport a = new AggregationSupport(h);
            h.bindCustomer(A);
            a.define(sumByRegion());
            for (int i = 1; i <= 20; i++) {
                h.send(event("t" + i, A, HOUR.plusSeconds(i), "cpu", num(Integer.toString(i)), "region", "EU"));
            }
            assertThat(h.aggregates.isEmpty()).as("nothing published before the interval ends").isTrue();
            assertThat(markers(h)).as("the total and the EU row are marked").isEqualTo(2);

            a.flush();

            List<KeyValue<UsageAggregateKey, UsageAggregate>> out = h.aggregates.readKeyValuesToList();
            assertThat(out).hasSize(2);
            UsageAggregateKey total = new UsageAggregateKey(A, "sum", HOUR, List.of());
            UsageAggregateKey eu = new UsageAggregateKey(A, "sum", HOUR, List.of(new GroupValue("region", "EU")));
            assertThat(out).extracting(kv -> kv.key).containsExactlyInAnyOrder(total, eu);
            for (KeyValue<UsageAggregateKey, UsageAggregate> kv : out) {
                assertThat(kv.value.getValue()).isEqualTo("210");
                assertThat(kv.value.getEventCount()).isEqualTo(20);
                assertThat(kv.value.getAggregationType()).isEqualTo("SUM");
                assertThat(kv.value.getWindowEnd()).isEqualTo(HOUR.plusSeconds(3600));
            }
            assertThat(h.count(AggregationMetrics.PUBLISHED)).isEqualTo(2);
            assertThat(markers(h)).isZero();

            a.flush();
            assertThat(h.aggregates.isEmpty()).as("an unchanged row is not published again").isTrue();

            h.send(event("t21", A, HOUR.plusSeconds(30), "cpu", num("1"), "region", "EU"));
            a.flush();
            assertThat(h.aggregates.readKeyValuesToList()).hasSize(2)
                    .allSatisfy(kv -> assertThat(kv.value.getValue()).isEqualTo("211"));
            assertThat(h.count(AggregationMetrics.PUBLISHED)).isEqualTo(4);
        }
    }

    @Test
    void aRowOfAVersionReplacedBeforeItsPublicationIsUnmarkedWithoutARecord() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of("aggregation.publish.interval", "10s"))) {
            AggregationSupport a = new AggregationSupport(h);
            h.bindCustomer(A);
            BillableMetric first = metric("count", AggregationType.COUNT, null, List.of()).build();
            a.define(first);
            h.send(event("t1", A, HOUR.plusSeconds(1), "cpu", num("1")));
            h.send(event("t2", A, HOUR.plusSeconds(2), "cpu", num("2")));
            long oldVersion = a.version("count");
            // Changed in place (a direct write): the task sets it up again as a new version, rebuilt by the backfill.
            h.define(BillableMetric.newBuilder(first).setUpdatedAt(first.getUpdatedAt().plusSeconds(1)).build());
            h.advance(Duration.ofSeconds(2));
            assertThat(a.version("count")).isNotEqualTo(oldVersion);
            assertThat(markers(h)).as("the old version's row and the new one's").isEqualTo(2);

            h.advance(Duration.ofSeconds(10));

            List<KeyValue<UsageAggregateKey, UsageAggregate>> out = h.aggregates.readKeyValuesToList();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).value.getValue()).isEqualTo("2");
            assertThat(out.get(0).value.getUpdatedAt().toEpochMilli()).isGreaterThanOrEqualTo(a.version("count"));
            assertThat(markers(h)).isZero();
            assertThat(h.count(AggregationMetrics.PUBLISHED)).isEqualTo(1);
        }
    }

    /**
     * The markers are state, not memory: rows changed and not yet published when the task stops (a crash, a
     * rebalance) are published by the task's next owner, which starts from the task's changelogs.
     * {@code TopologyTestDriver} cannot be reopened on its state: {@code close()} deletes the state directory, and
     * before that RocksDB holds the committed writes in memory (no SST file, no checkpoint: a copy of the directory
     * opens empty). So the next owner is built as Kafka Streams builds it: fresh stores restored from the changelog
     * records the first run wrote, a new processor, its publish punctuation — here even with the definitions reaching
     * the global store only after the processor started.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aRowMarkedButNotPublishedWhenTheTaskStopsIsPublishedByItsNextOwner() {
        BillableMetric count = metric("count", AggregationType.COUNT, null, List.of()).build();
        Map<String, List<KeyValue<byte[], byte[]>>> changelogs = new HashMap<>();
        IngestConfig config;
        Topics topics;
        try (IngestHarness h = new IngestHarness(stateDir, Map.of("aggregation.publish.interval", "10s"))) {
            AggregationSupport a = new AggregationSupport(h);
            h.bindCustomer(A);
            a.define(count);
            h.send(event("t1", A, HOUR.plusSeconds(1)));
            h.send(event("t2", A, HOUR.plusSeconds(2)));
            h.send(event("t3", A, HOUR.plusSeconds(3)));
            assertThat(h.aggregates.isEmpty()).isTrue();
            assertThat(markers(h)).isEqualTo(1);
            for (String store : AggregateLedger.storeNames()) {
                changelogs.put(store, h.driver.createOutputTopic(h.config.streams().applicationId() + "-" + store
                        + "-changelog", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer())
                        .readKeyValuesToList());
            }
            config = h.config;
            topics = h.topics;
        }
        assertThat(changelogs.get(AggregateLedger.DIRTY)).as("the marker is in the changelog").hasSize(1);

        MockProcessorContext<UsageAggregateKey, UsageAggregate> next = new MockProcessorContext<>();
        List<StoreBuilder<?>> builders = new ArrayList<>(
                AggregateLedger.storeBuilders(topics, Stores::inMemoryKeyValueStore));
        builders.add(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BillableMetricsStore.STORE),
                Serdes.String(), topics.valueSerde(BillableMetric.class)));
        for (StoreBuilder<?> builder : builders) {
            StateStore store = builder.withLoggingDisabled().withCachingDisabled().build();
            store.init(next.getStateStoreContext(), store);
            next.addStateStore(store);
            List<KeyValue<byte[], byte[]>> changelog = changelogs.getOrDefault(store.name(), List.of());
            KeyValueStore<Bytes, byte[]> bytes = (KeyValueStore<Bytes, byte[]>) ((WrappedStateStore<?, ?, ?>) store)
                    .wrapped();
            changelog.forEach(kv -> bytes.put(Bytes.wrap(kv.key), kv.value)); // a null value deletes
        }
        next.setCurrentSystemTimeMs(IngestHarness.START.plusSeconds(60).toEpochMilli());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        SpecificAvroDeserializer<ResolvedUsage> resolved = SpecificAvroDeserializer.strict(ResolvedUsage.class);
        resolved.configure(topics.serdeConfig(), false);
        AggregateProcessor processor = new AggregateProcessor(config, resolved, new AggregationMetrics(meters));
        processor.init(next);
        KeyValueStore<Bytes, byte[]> dirty = next.getStateStore(AggregateLedger.DIRTY);
        // Before the definitions are read again (the global store is in memory) the row cannot be described: it stays
        // marked.
        punctuate(next, config.aggregationPublishInterval());
        assertThat(next.forwarded()).isEmpty();
        assertThat(dirty.get(Bytes.wrap(changelogs.get(AggregateLedger.DIRTY).get(0).key))).isNotNull();
        KeyValueStore<String, BillableMetric> definitions = next.getStateStore(BillableMetricsStore.STORE);
        definitions.put(count.getId(), count);
        punctuate(next, config.backfillInterval());
        punctuate(next, config.aggregationPublishInterval());

        List<MockProcessorContext.CapturedForward<? extends UsageAggregateKey, ? extends UsageAggregate>> out =
                next.forwarded();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).record().key()).isEqualTo(new UsageAggregateKey(A, "count", HOUR, List.of()));
        assertThat(out.get(0).record().value().getValue()).isEqualTo("3");
        assertThat(out.get(0).record().value().getEventCount()).isEqualTo(3);
        try (KeyValueIterator<Bytes, byte[]> it = dirty.all()) {
            assertThat(it.hasNext()).as("unmarked once published").isFalse();
        }
    }

    private static void punctuate(MockProcessorContext<?, ?> context, Duration interval) {
        context.scheduledPunctuators().stream().filter(p -> p.getInterval().equals(interval)).findFirst().orElseThrow()
                .getPunctuator().punctuate(context.currentSystemTimeMs());
    }
}
