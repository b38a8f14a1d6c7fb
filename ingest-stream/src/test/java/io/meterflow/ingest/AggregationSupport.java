package io.meterflow.ingest;

import io.meterflow.ingest.aggregate.AggregateKeys;
import io.meterflow.ingest.aggregate.AggregateLedger;
import io.meterflow.ingest.aggregate.HostedAggregates;
import io.meterflow.ingest.billablemetrics.SampleMetrics;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.GroupValue;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.PropertyFilter;
import io.meterflow.schemas.UsageAggregate;
import io.meterflow.schemas.UsageAggregateKey;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.AggregateState;
import io.meterflow.schemas.internal.ingest.MetricProgress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;

/** Building blocks of the aggregation tests: definitions, events with properties, reads of rows and output. */
final class AggregationSupport {

    private final IngestHarness h;
    /** The last value published for each key of usage-aggregates. */
    final Map<UsageAggregateKey, UsageAggregate> published = new HashMap<>();

    AggregationSupport(IngestHarness h) {
        this.h = h;
    }

    /** A metric of {@code type} over {@code key} (a filter with exists: true, or none for COUNT), grouped by each of {@code groups}. */
    static BillableMetric.Builder metric(String id, AggregationType type, String key, List<List<String>> groups) {
        List<PropertyFilter> filters = new ArrayList<>();
        if (key != null) {
            filters.add(SampleMetrics.filter(key).setExists(true).build());
        }
        for (List<String> group : groups) {
            for (String name : group) {
                if (filters.stream().noneMatch(f -> f.getName().equals(name))) {
                    filters.add(SampleMetrics.filter(name).build());
                }
            }
        }
        return BillableMetric.newBuilder().setId(id).setName("metric " + id).setAggregationType(type)
                .setAggregationKey(key).setPropertyFilters(filters).setGroupKeys(groups)
                .setCreatedAt(SampleMetrics.T0).setUpdatedAt(SampleMetrics.T0);
    }

    /** Defines the metric and lets the tasks see it (and run their backfill steps). */
    void define(BillableMetric metric) {
        h.define(metric);
        h.advance(Duration.ofSeconds(1));
    }

    static JsonValue num(String text) {
        return new JsonValue(new JsonNumber(text));
    }

    static JsonValue str(String text) {
        return new JsonValue(text);
    }

    /** An event of type api_call at {@code time} with properties given as name, value pairs (JsonValue or String). */
    static UsageEvent event(String txn, String identifier, Instant time, Object... properties) {
        Map<String, JsonValue> props = new LinkedHashMap<>();
        for (int i = 0; i < properties.length; i += 2) {
            Object v = properties[i + 1];
            props.put((String) properties[i], v instanceof JsonValue j ? j : str((String) v));
        }
        return UsageEvent.newBuilder().setTransactionId(txn).setCustomerId(identifier).setEventType("api_call")
                .setTimestamp(time.toString()).setProperties(props).build();
    }

    KeyValueStore<Bytes, AggregateState> rows() {
        return h.driver.getKeyValueStore(AggregateLedger.AGGREGATES);
    }

    /** The version of the metric the task folds into now (0 when it has not set it up). */
    long version(String metricId) {
        KeyValueStore<String, MetricProgress> progress = h.driver.getKeyValueStore(AggregateLedger.PROGRESS);
        MetricProgress p = progress.get(metricId);
        return p == null ? 0 : p.getSetUpAt();
    }

    AggregateState total(String customer, String metricId, Instant hour) {
        return rows().get(AggregateKeys.row(customer, metricId, version(metricId), hour.toEpochMilli(), 0,
                List.of()));
    }

    AggregateState slice(String customer, String metricId, Instant hour, int slice, String... values) {
        return rows().get(AggregateKeys.row(customer, metricId, version(metricId), hour.toEpochMilli(), slice,
                Arrays.asList(values)));
    }

    /** The total's value, or null when there is no row. */
    String value(String customer, String metricId, Instant hour) {
        AggregateState s = total(customer, metricId, hour);
        return s == null ? null : s.getValue();
    }

    HostedAggregates hosted() {
        return hosted(HostedAggregates.UNION_PASS_BYTES);
    }

    /** @param unionPassBytes what one pass of a UNIQUE union may hold */
    HostedAggregates hosted(long unionPassBytes) {
        return hosted(new Semaphore(1), unionPassBytes);
    }

    HostedAggregates hosted(Semaphore unions, long unionPassBytes) {
        return new HostedAggregates(rows(), h.driver.getKeyValueStore(AggregateLedger.VALUES),
                h.driver.getKeyValueStore(AggregateLedger.PROGRESS), unions, unionPassBytes);
    }

    /** Advances the wall clock by one publish interval: every row changed since the last publication is published. */
    void flush() {
        h.advance(h.config.aggregationPublishInterval());
    }

    /** Publishes the changed rows ({@link #flush}) and reads what was published since the last call into {@link #published}. */
    Map<UsageAggregateKey, UsageAggregate> drain() {
        flush();
        for (KeyValue<UsageAggregateKey, UsageAggregate> kv : h.aggregates.readKeyValuesToList()) {
            published.put(kv.key, kv.value);
        }
        return published;
    }

    UsageAggregate publishedTotal(String customer, String metricId, Instant hour) {
        drain();
        return published.get(new UsageAggregateKey(customer, metricId, hour, List.of()));
    }

    UsageAggregate publishedGroup(String customer, String metricId, Instant hour, String key, String value) {
        drain();
        return published.get(new UsageAggregateKey(customer, metricId, hour, List.of(new GroupValue(key, value))));
    }
}
