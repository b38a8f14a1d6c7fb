package io.meterflow.ingest.billablemetrics;

import io.meterflow.schemas.BillableMetric;
import io.meterflow.serde.SpecificAvroDeserializer;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The billable metric definitions every ingest-stream instance holds: the global store {@value #STORE}, metric ID →
 * {@link BillableMetric}, filled from the compacted billable-metrics topic by {@link BillableMetricsUpdater}. A
 * global store because every instance answers reads of it without asking another, and every usage task (the
 * aggregation, next) can read every definition, whatever partition its usage is in.
 *
 * <p>In memory, without a changelog (a global store's topic is its changelog): it is rebuilt from billable-metrics
 * each time the app starts, before the app is RUNNING. Definitions are small (at most
 * {@value BillableMetricRules#MAX_RECORD_BYTES} bytes each, a few hundred in practice) and few.
 */
public final class BillableMetricsStore {

    /** The global store. */
    public static final String STORE = "billable-metrics";
    /** The source node that reads the billable-metrics topic for it. */
    public static final String SOURCE = "billable-metrics-source";
    /** The processor that applies each record to the store. */
    public static final String UPDATE = "billable-metrics-update";

    private BillableMetricsStore() {
    }

    /** Adds the global store, its source and its processor to {@code topology}. */
    public static void addTo(Topology topology, Topics topics, MeterRegistry meterRegistry) {
        SpecificAvroDeserializer<BillableMetric> values = SpecificAvroDeserializer.strict(BillableMetric.class);
        values.configure(topics.serdeConfig(), false);
        BillableMetricsUpdater.Changes changes = new BillableMetricsUpdater.Changes(meterRegistry);
        topology.addGlobalStore(storeBuilder(topics), SOURCE, Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer(), topics.names().billableMetrics(), UPDATE,
                () -> new BillableMetricsUpdater(values, changes));
    }

    static StoreBuilder<KeyValueStore<String, BillableMetric>> storeBuilder(Topics topics) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(STORE), Serdes.String(),
                topics.valueSerde(BillableMetric.class)).withLoggingDisabled();
    }
}
