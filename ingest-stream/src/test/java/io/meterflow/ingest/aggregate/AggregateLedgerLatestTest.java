package io.meterflow.ingest.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.billablemetrics.SampleMetrics;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.internal.ingest.AggregateEvent;
import io.meterflow.schemas.internal.ingest.AggregateState;
import io.meterflow.schemas.internal.ingest.MetricProgress;
import io.meterflow.serde.SpecificAvroSerde;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.InMemoryKeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * LATEST's retraction against what Kafka Streams' caching store (4.3.1) really returns. Its merge of cache and store
 * skips entries deleted in the cache correctly going forward, but in reverse it returns such an entry, with a null
 * value, when its key is above the next key of the store beneath: exactly the case of an event retracted in the same
 * commit as it was added (a move right after the usage arrived), whose older neighbour was already flushed. A
 * benchmark run stopped ingest-stream on it (a NullPointerException in the fold). The store below replays that
 * behaviour over an in-memory store.
 */
class AggregateLedgerLatestTest {

    private static final String CUSTOMER = "cust-a";
    private static final long T1 = SampleMetrics.T0.toEpochMilli() + 60_000;
    private static final long T2 = T1 + 60_000;

    private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    private final List<Bytes> deletedInCache = new ArrayList<>();

    private <V> KeyValueStore<Bytes, V> store(String name, Serde<V> values) {
        KeyValueStore<Bytes, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
                Serdes.Bytes(), values).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    private static <V extends org.apache.avro.specific.SpecificRecord> Serde<V> avro(Class<V> type) {
        return SpecificAvroSerde.of(type, Map.of("schema.registry.url", "mock://aggregate-ledger-latest"), false);
    }

    @Test
    void theRetractedLatestEventFallsBackToTheEarlierOneWhenTheReverseScanReturnsItDeleted() {
        DeletedInCacheStore values = new DeletedInCacheStore();
        values.init(context.getStateStoreContext(), values);
        AggregateLedger ledger = new AggregateLedger(store("aggregates", avro(AggregateState.class)), values,
                store("aggregate-events", avro(AggregateEvent.class)), progressStore(),
                store("aggregates-dirty", Serdes.ByteArray()));
        BillableMetric definition = BillableMetric.newBuilder().setId("latest").setName("latest")
                .setAggregationType(AggregationType.LATEST).setAggregationKey("seats")
                .setPropertyFilters(List.of(SampleMetrics.filter("seats").setExists(true).build()))
                .setGroupKeys(List.of()).setCreatedAt(SampleMetrics.T0).setUpdatedAt(SampleMetrics.T0).build();
        CompiledMetric metric = CompiledMetric.of(definition);
        AggregateEvent older = event(T1, "10");
        AggregateEvent newer = event(T2, "20");

        ledger.fold(CUSTOMER, "tx-1", older, metric, 1, 1, T1);
        ledger.fold(CUSTOMER, "tx-2", newer, metric, 1, 1, T2);
        // The retraction deletes tx-2's entry; the reverse scan that follows returns it first, with a null value.
        ledger.fold(CUSTOMER, "tx-2", newer, metric, 1, -1, T2);

        AggregateState total = ledger.row(AggregateKeys.row(CUSTOMER, "latest", 1, AggregateLedger.hourOf(T1), 0,
                List.of()));
        assertThat(deletedInCache).hasSize(1);
        assertThat(total.getValue()).isEqualTo("10");
        assertThat(total.getLatestEventTime()).isEqualTo(T1);
        assertThat(total.getEventCount()).isEqualTo(1);
    }

    private static AggregateEvent event(long time, String seats) {
        return new AggregateEvent("seats", time, time, time, Map.of("seats", new JsonValue(new JsonNumber(seats))));
    }

    private KeyValueStore<String, MetricProgress> progressStore() {
        KeyValueStore<String, MetricProgress> store = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("aggregation-progress"), Serdes.String(), avro(MetricProgress.class))
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    /**
     * Deletes go through, and are remembered; a reverse range then returns each remembered key that falls in it, with
     * a null value, ahead of the store's own entries, as the caching store does for a deleted key above the store's
     * next key.
     */
    private final class DeletedInCacheStore extends InMemoryKeyValueStore {

        DeletedInCacheStore() {
            super("aggregate-values");
        }

        @Override
        public synchronized byte[] delete(Bytes key) {
            deletedInCache.add(key);
            return super.delete(key);
        }

        @Override
        public synchronized KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
            List<KeyValue<Bytes, byte[]>> entries = new ArrayList<>();
            for (Bytes deleted : deletedInCache) {
                if (deleted.compareTo(from) >= 0 && deleted.compareTo(to) <= 0) {
                    entries.add(KeyValue.pair(deleted, null));
                }
            }
            try (KeyValueIterator<Bytes, byte[]> it = super.reverseRange(from, to)) {
                it.forEachRemaining(entries::add);
            }
            return new ListIterator(entries);
        }
    }

    private static final class ListIterator implements KeyValueIterator<Bytes, byte[]> {
        private final List<KeyValue<Bytes, byte[]>> entries;
        private final Iterator<KeyValue<Bytes, byte[]>> it;
        private int position;

        ListIterator(List<KeyValue<Bytes, byte[]>> entries) {
            this.entries = entries;
            this.it = entries.iterator();
        }

        @Override
        public boolean hasNext() {
            return it.hasNext();
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
            position++;
            return it.next();
        }

        @Override
        public Bytes peekNextKey() {
            return entries.get(position).key;
        }

        @Override
        public void close() {
        }
    }
}
