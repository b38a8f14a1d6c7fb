package io.meterflow.ingest.billablemetrics;

import io.meterflow.schemas.BillableMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads of the billable metric definitions this instance holds ({@link BillableMetricsStore}): every instance holds
 * all of them, so nothing is asked of another instance. Pages are in metric ID order (UTF-8 byte order, the store's).
 */
public final class BillableMetricsQuery {

    private final ReadOnlyKeyValueStore<String, BillableMetric> store;

    public BillableMetricsQuery(ReadOnlyKeyValueStore<String, BillableMetric> store) {
        this.store = store;
    }

    /**
     * The global store of a running client.
     *
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException when it is not queryable now (starting,
     *         stopping)
     */
    public static BillableMetricsQuery of(KafkaStreams streams) {
        return new BillableMetricsQuery(streams.store(StoreQueryParameters.fromNameAndType(BillableMetricsStore.STORE,
                QueryableStoreTypes.<String, BillableMetric>keyValueStore())));
    }

    public Optional<BillableMetric> get(String id) {
        return Optional.ofNullable(store.get(id));
    }

    /**
     * Up to {@code limit} metrics whose IDs sort after {@code after} (from the first when null), archived ones only
     * with {@code includeArchived}.
     */
    public List<BillableMetric> page(String after, boolean includeArchived, int limit) {
        List<BillableMetric> page = new ArrayList<>();
        try (KeyValueIterator<String, BillableMetric> metrics = store.range(after, null)) {
            while (metrics.hasNext() && page.size() < limit) {
                KeyValue<String, BillableMetric> next = metrics.next();
                if (next.key.equals(after) || (!includeArchived && next.value.getArchivedAt() != null)) {
                    continue;
                }
                page.add(next.value);
            }
        }
        return page;
    }
}
