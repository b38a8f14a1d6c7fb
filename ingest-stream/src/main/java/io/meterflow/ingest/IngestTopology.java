package io.meterflow.ingest;

import io.meterflow.ingest.aggregate.AggregateLedger;
import io.meterflow.ingest.aggregate.AggregateProcessor;
import io.meterflow.ingest.aggregate.AggregationMetrics;
import io.meterflow.ingest.aggregate.ByCustomer;
import io.meterflow.ingest.billablemetrics.BillableMetricsStore;
import io.meterflow.ingest.bindings.AllPartitions;
import io.meterflow.ingest.bindings.ApplyBindingProcessor;
import io.meterflow.ingest.bindings.BindingsFanoutProcessor;
import io.meterflow.ingest.bindings.ReplayPacer;
import io.meterflow.ingest.emit.OutgoingUsage;
import io.meterflow.ingest.emit.UsageCodec;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.metrics.PendingGauges;
import io.meterflow.ingest.resolve.ResolveProcessor;
import io.meterflow.ingest.route.IncomingUsage;
import io.meterflow.ingest.route.LenientTimestamps;
import io.meterflow.ingest.route.ReroutedUsageProcessor;
import io.meterflow.ingest.route.RouteProcessor;
import io.meterflow.ingest.route.UsageParser;
import io.meterflow.ingest.validate.UsageValidator;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.serde.SpecificAvroDeserializer;
import io.meterflow.topics.Topic;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * ingest-stream's topology, a pure function of its configuration. Usage is partitioned by transaction ID (so
 * de-duplication, which is account-wide, is a local key lookup), and every task holds a replica of the bindings (so
 * attribution needs no repartition of usage). See docs/ingest-stream.md for the picture and the cost per event.
 *
 * <pre>
 * bindings:  alias-bindings ─► bindings-fanout ─► [bindings-fanout-repartition, multicast to ALL partitions]
 *
 * usage:     usage-events ─► route ─┬─ local ──────────────────────────────────────────┐
 *                                   └─ reroute ─► reroute-value ─► [usage-rerouted-repartition]
 *            [usage-rerouted-repartition] ─► parse-rerouted ────────────────────────────┤ usage-in
 *                                                                                       ▼
 *                                      resolve ─┬─► usage-resolved / usage-rejected / usage-expired
 *            [bindings-fanout-repartition] ─► apply-binding ─► usage-resolved (replays, moves)
 *
 * aggregation (unless aggregation.enabled=false):
 *            usage-resolved ─► aggregate ─► usage-aggregates (compacted; per customer × metric × hour × group)
 *
 * global:    billable-metrics ─► billable-metrics-update ─► global store billable-metrics (every instance)
 * </pre>
 * Stores (all in the usage sub-topology): usage-by-transaction, usage-by-identifier, pending-by-time,
 * ingest-bookkeeping ({@link UsageLedger}); bindings-replica, replay-jobs ({@link ApplyBindingProcessor}). In the
 * aggregation sub-topology: aggregates, aggregate-values, aggregate-events, aggregation-progress
 * ({@link AggregateLedger}). The aggregation is built after the two older sub-topologies, so they keep their numbers
 * (and task IDs and state directories).
 */
public final class IngestTopology {

    public static final String USAGE_SOURCE = "usage-events-source";
    public static final String ROUTE = "route";
    public static final String ROUTE_SPLIT = "route-";
    public static final String ROUTE_LOCAL = "local";
    public static final String ROUTE_REROUTE = "reroute";
    public static final String REROUTE_VALUE = "reroute-value";
    /** Repartition name; the topic is {@code <application.id>-usage-rerouted-repartition}. */
    public static final String USAGE_REROUTED = "usage-rerouted";
    public static final String PARSE_REROUTED = "parse-rerouted";
    public static final String USAGE_IN = "usage-in";
    public static final String RESOLVE = "resolve";
    public static final String RESOLVE_SPLIT = "resolve-";
    public static final String USAGE_RESOLVED_SINK = "usage-resolved-sink";
    public static final String USAGE_REJECTED_SINK = "usage-rejected-sink";
    public static final String USAGE_EXPIRED_SINK = "usage-expired-sink";
    public static final String BINDINGS_SOURCE = "alias-bindings-source";
    public static final String BINDINGS_FANOUT = "bindings-fanout";
    /** Repartition name; the topic is {@code <application.id>-bindings-fanout-repartition}. */
    public static final String BINDINGS_FANOUT_TOPIC = "bindings-fanout";
    public static final String APPLY_BINDING = "apply-binding";
    public static final String REPLAY_SINK = "replay-sink";
    public static final String USAGE_RESOLVED_SOURCE = "usage-resolved-source";
    public static final String AGGREGATE = "aggregate";
    public static final String USAGE_AGGREGATES_SINK = "usage-aggregates-sink";

    /** Suffix Kafka Streams appends to a repartition name to form the topic name. */
    public static final String REPARTITION_SUFFIX = "-repartition";

    private IngestTopology() {
    }

    /** The internal topics Kafka Streams creates for this topology, by full name. */
    public static List<String> repartitionTopics(String applicationId) {
        return List.of(applicationId + "-" + USAGE_REROUTED + REPARTITION_SUFFIX,
                applicationId + "-" + BINDINGS_FANOUT_TOPIC + REPARTITION_SUFFIX);
    }

    /** Every state store of the default topology (aggregation on), by name. */
    public static List<String> storeNames() {
        List<String> names = usageStoreNames();
        names.addAll(List.of(AggregateLedger.storeNames()));
        return names;
    }

    /** The stores of the usage sub-topology. */
    private static List<String> usageStoreNames() {
        List<String> names = new ArrayList<>(List.of(UsageLedger.storeNames()));
        names.add(ApplyBindingProcessor.BINDINGS_REPLICA);
        names.add(ApplyBindingProcessor.REPLAY_JOBS);
        return names;
    }

    public static Topology build(IngestConfig config, Topics topics, MeterRegistry meterRegistry) {
        IngestMetrics metrics = new IngestMetrics(meterRegistry);
        PendingGauges gauges = new PendingGauges(meterRegistry);
        // One per topology: a stream thread's replay share is one, whichever of its tasks replays.
        ReplayPacer pacer = ReplayPacer.of(config);
        // Strict strings: two producers' different bytes must never read as the same transaction ID or alias.
        SpecificAvroDeserializer<UsageEvent> events = SpecificAvroDeserializer.strict(UsageEvent.class);
        events.configure(topics.serdeConfig(), false);
        UsageParser parser = new UsageParser(events);
        SpecificAvroDeserializer<AliasBinding> bindingValues = SpecificAvroDeserializer.strict(AliasBinding.class);
        bindingValues.configure(topics.serdeConfig(), false);
        UsageValidator validator = config.validator();
        int partitions = config.usagePartitions();
        StreamsBuilder builder = new StreamsBuilder();

        List<StoreBuilder<?>> stores = new ArrayList<>(UsageLedger.storeBuilders(topics));
        stores.addAll(ApplyBindingProcessor.storeBuilders(topics));
        stores.forEach(builder::addStateStore);
        String[] resolveStores = {UsageLedger.USAGE_BY_TRANSACTION, UsageLedger.USAGE_BY_IDENTIFIER,
                UsageLedger.PENDING_BY_TIME, UsageLedger.BOOKKEEPING, ApplyBindingProcessor.BINDINGS_REPLICA};
        String[] applyBindingStores = usageStoreNames().toArray(String[]::new);

        // Usage: route by transaction ID, then resolve.
        KStream<String, IncomingUsage> routed = builder
                .stream(topics.names().usageEvents(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName(USAGE_SOURCE).withTimestampExtractor(new LenientTimestamps()))
                .process(() -> new RouteProcessor(parser, validator, partitions, metrics), Named.as(ROUTE));
        Map<String, KStream<String, IncomingUsage>> routes = routed.split(Named.as(ROUTE_SPLIT))
                .branch((txn, usage) -> usage.local(), Branched.as(ROUTE_LOCAL))
                .defaultBranch(Branched.as(ROUTE_REROUTE));
        KStream<String, IncomingUsage> rerouted = routes.get(ROUTE_SPLIT + ROUTE_REROUTE)
                .mapValues(IncomingUsage::originalValue, Named.as(REROUTE_VALUE))
                .repartition(Repartitioned.<String, byte[]>as(USAGE_REROUTED)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.ByteArray())
                        .withNumberOfPartitions(partitions))
                .process(() -> new ReroutedUsageProcessor(parser, validator), Named.as(PARSE_REROUTED));
        // usage-resolved values copy the properties' encoding from the event instead of encoding them again.
        Serde<OutgoingUsage> resolvedValues = UsageCodec.resolvedSerde(topics.serdeConfig());
        KStream<String, Object> outcomes = routes.get(ROUTE_SPLIT + ROUTE_LOCAL)
                .merge(rerouted, Named.as(USAGE_IN))
                .process(() -> new ResolveProcessor(config, metrics, gauges, pacer), Named.as(RESOLVE), resolveStores);
        outcomes.split(Named.as(RESOLVE_SPLIT))
                .branch((key, value) -> value instanceof OutgoingUsage,
                        Branched.withConsumer(s -> s.to(topics.names().usageResolved(),
                                produced(topics.usageResolved().keySerde(), resolvedValues, USAGE_RESOLVED_SINK)),
                                "resolved"))
                .branch((key, value) -> value instanceof Rejection,
                        Branched.withConsumer(s -> s.to(topics.names().usageRejected(),
                                produced(topics.usageRejected(), USAGE_REJECTED_SINK)), "rejected"))
                .branch((key, value) -> value instanceof ExpiredUsage,
                        Branched.withConsumer(s -> s.to(topics.names().usageExpired(),
                                produced(topics.usageExpired(), USAGE_EXPIRED_SINK)), "expired"))
                .noDefaultBranch();

        // Bindings: copy every change to every partition, apply it to that task's replica, replay and move.
        builder.stream(topics.names().aliasBindings(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName(BINDINGS_SOURCE))
                .process(() -> new BindingsFanoutProcessor(metrics, bindingValues), Named.as(BINDINGS_FANOUT))
                .repartition(Repartitioned.<String, BoundCustomer>as(BINDINGS_FANOUT_TOPIC)
                        .withKeySerde(Serdes.String()).withValueSerde(topics.valueSerde(BoundCustomer.class))
                        .withStreamPartitioner(new AllPartitions<>())
                        .withNumberOfPartitions(partitions))
                .process(() -> new ApplyBindingProcessor(config, metrics, gauges, pacer), Named.as(APPLY_BINDING),
                        applyBindingStores)
                .to(topics.names().usageResolved(), Produced.with(topics.usageResolved().keySerde(),
                        resolvedValues).withName(REPLAY_SINK));

        // Aggregation: usage-resolved (keyed by customer) folded into per-hour aggregates of every billable metric.
        // Built after the two streams above so that their sub-topologies keep their numbers.
        if (config.aggregationEnabled()) {
            SpecificAvroDeserializer<ResolvedUsage> resolvedUsage = SpecificAvroDeserializer.strict(ResolvedUsage.class);
            resolvedUsage.configure(topics.serdeConfig(), false);
            AggregationMetrics aggregationMetrics = new AggregationMetrics(meterRegistry);
            AggregateLedger.storeBuilders(topics).forEach(builder::addStateStore);
            builder.stream(topics.names().usageResolved(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                            .withName(USAGE_RESOLVED_SOURCE))
                    .process(() -> new AggregateProcessor(config, resolvedUsage, aggregationMetrics),
                            Named.as(AGGREGATE), AggregateLedger.storeNames())
                    .to(topics.names().usageAggregates(), Produced.with(topics.usageAggregates().keySerde(),
                            topics.usageAggregates().valueSerde()).withStreamPartitioner(new ByCustomer())
                            .withName(USAGE_AGGREGATES_SINK));
        }

        // Billable metric definitions: a global store, so every task and every instance holds all of them.
        Topology topology = builder.build();
        BillableMetricsStore.addTo(topology, topics, meterRegistry);
        return topology;
    }

    /** Produced for one branch of {@code resolve}'s output; the branch predicate guarantees the value type. */
    private static <V> Produced<String, Object> produced(Topic<String, V> topic, String name) {
        return produced(topic.keySerde(), topic.valueSerde(), name);
    }

    @SuppressWarnings("unchecked")
    private static <V> Produced<String, Object> produced(Serde<String> keys, Serde<V> values, String name) {
        return Produced.with(keys, (Serde<Object>) (Serde<?>) values).withName(name);
    }
}
