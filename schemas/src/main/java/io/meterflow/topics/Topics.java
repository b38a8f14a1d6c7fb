package io.meterflow.topics;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageAggregate;
import io.meterflow.schemas.UsageAggregateKey;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.SpecificAvroSerde;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed topic registry: every topic of the data contract with its key and value serdes. Keys that are plain
 * identifiers (customer IDs, aliases, transaction IDs) are UTF-8 strings; values are Confluent-framed Avro.
 */
public final class Topics {

    private final TopicNames names;
    private final Map<String, ?> serdeConfig;

    private final Topic<String, UsageEvent> usageEvents;
    private final Topic<String, CustomerChange> customerChanges;
    private final Topic<String, Customer> customers;
    private final Topic<String, AliasBinding> aliasBindings;
    private final Topic<String, Rejection> customerChangesRejected;
    private final Topic<String, ResolvedUsage> usageResolved;
    private final Topic<String, Rejection> usageRejected;
    private final Topic<String, ExpiredUsage> usageExpired;
    private final Topic<String, BillableMetric> billableMetrics;
    private final Topic<UsageAggregateKey, UsageAggregate> usageAggregates;

    private Topics(TopicNames names, Map<String, ?> serdeConfig) {
        this.names = names;
        this.serdeConfig = Map.copyOf(serdeConfig);
        this.usageEvents = topic(names.usageEvents(), UsageEvent.class);
        this.customerChanges = topic(names.customerChanges(), CustomerChange.class);
        this.customers = topic(names.customers(), Customer.class);
        this.aliasBindings = topic(names.aliasBindings(), AliasBinding.class);
        this.customerChangesRejected = topic(names.customerChangesRejected(), Rejection.class);
        this.usageResolved = topic(names.usageResolved(), ResolvedUsage.class);
        this.usageRejected = topic(names.usageRejected(), Rejection.class);
        this.usageExpired = topic(names.usageExpired(), ExpiredUsage.class);
        this.billableMetrics = topic(names.billableMetrics(), BillableMetric.class);
        this.usageAggregates = new Topic<>(names.usageAggregates(),
                SpecificAvroSerde.of(UsageAggregateKey.class, serdeConfig, true), valueSerde(UsageAggregate.class));
    }

    /**
     * @param names       the topic names
     * @param serdeConfig serde settings, at least {@code schema.registry.url}
     */
    public static Topics create(TopicNames names, Map<String, ?> serdeConfig) {
        return new Topics(names, serdeConfig);
    }

    private <V extends SpecificRecord> Topic<String, V> topic(String name, Class<V> type) {
        return new Topic<>(name, Serdes.String(), valueSerde(type));
    }

    /** A configured value serde for any generated record type (internal topics and stores use this too). */
    public <V extends SpecificRecord> Serde<V> valueSerde(Class<V> type) {
        return SpecificAvroSerde.of(type, serdeConfig, false);
    }

    public TopicNames names() {
        return names;
    }

    public Map<String, ?> serdeConfig() {
        return serdeConfig;
    }

    /** Raw usage, any key; ingest-stream reads it as bytes and parses it itself so poison records are data. */
    public Topic<String, UsageEvent> usageEvents() {
        return usageEvents;
    }

    /** Customer changes keyed by customer ID. */
    public Topic<String, CustomerChange> customerChanges() {
        return customerChanges;
    }

    /** Compacted current customer state keyed by customer ID. */
    public Topic<String, Customer> customers() {
        return customers;
    }

    /** Compacted alias (or customer ID) to customer bindings; tombstone on release. */
    public Topic<String, AliasBinding> aliasBindings() {
        return aliasBindings;
    }

    /** Customer changes alias-sync refused, keyed by customer ID. */
    public Topic<String, Rejection> customerChangesRejected() {
        return customerChangesRejected;
    }

    /** Attributed usage keyed by customer ID. */
    public Topic<String, ResolvedUsage> usageResolved() {
        return usageResolved;
    }

    /** Usage ingest-stream refused. */
    public Topic<String, Rejection> usageRejected() {
        return usageRejected;
    }

    /** Parked usage that outlived the pending horizon, keyed by identifier. */
    public Topic<String, ExpiredUsage> usageExpired() {
        return usageExpired;
    }

    /** Compacted billable metric definitions keyed by metric ID; each change writes the whole definition. */
    public Topic<String, BillableMetric> billableMetrics() {
        return billableMetrics;
    }

    /**
     * Compacted aggregated usage: one record per customer, billable metric, UTC hour and group, written again on each
     * change. The key is Avro (subject {@code <topic>-key}), written with one schema so equal keys are equal bytes.
     */
    public Topic<UsageAggregateKey, UsageAggregate> usageAggregates() {
        return usageAggregates;
    }
}
