package io.meterflow.ingest.api;

import io.meterflow.ingest.billablemetrics.BillableMetricsQuery;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.PropertyFilter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Billable metric definitions in memory, read through the real {@link BillableMetricsQuery}. */
final class MetricDefinitions implements ReadOnlyKeyValueStore<String, BillableMetric> {

    private final ConcurrentSkipListMap<String, BillableMetric> metrics = new ConcurrentSkipListMap<>();

    BillableMetricsQuery query() {
        return new BillableMetricsQuery(this);
    }

    /** A metric with property filters for its group keys' names. */
    BillableMetric add(String id, String name, AggregationType type, List<List<String>> groupKeys) {
        Set<String> names = new LinkedHashSet<>();
        groupKeys.forEach(names::addAll);
        List<PropertyFilter> filters = new ArrayList<>();
        names.forEach(n -> filters.add(new PropertyFilter(n, true, null, null)));
        if (type != AggregationType.COUNT) {
            filters.add(new PropertyFilter("amount", true, null, null));
        }
        BillableMetric metric = BillableMetric.newBuilder().setId(id).setName(name).setAggregationType(type)
                .setAggregationKey(type == AggregationType.COUNT ? null : "amount").setEventTypeFilter(null)
                .setPropertyFilters(filters).setGroupKeys(groupKeys).setCustomFields(Map.of()).setArchivedAt(null)
                .setCreatedAt(Instant.EPOCH).setUpdatedAt(Instant.EPOCH).build();
        metrics.put(id, metric);
        return metric;
    }

    void archive(String id) {
        metrics.put(id, BillableMetric.newBuilder(metrics.get(id)).setArchivedAt(Instant.EPOCH).build());
    }

    @Override
    public BillableMetric get(String key) {
        return metrics.get(key);
    }

    @Override
    public KeyValueIterator<String, BillableMetric> range(String from, String to) {
        NavigableMap<String, BillableMetric> view = from == null ? metrics : metrics.tailMap(from, true);
        if (to != null) {
            view = view.headMap(to, true);
        }
        return iterator(view.entrySet().iterator());
    }

    @Override
    public KeyValueIterator<String, BillableMetric> all() {
        return range(null, null);
    }

    @Override
    public long approximateNumEntries() {
        return metrics.size();
    }

    private static KeyValueIterator<String, BillableMetric> iterator(
            Iterator<Map.Entry<String, BillableMetric>> entries) {
        return new KeyValueIterator<>() {
            @Override
            public boolean hasNext() {
                return entries.hasNext();
            }

            @Override
            public KeyValue<String, BillableMetric> next() {
                Map.Entry<String, BillableMetric> e = entries.next();
                return KeyValue.pair(e.getKey(), e.getValue());
            }

            @Override
            public String peekNextKey() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {
            }
        };
    }
}
