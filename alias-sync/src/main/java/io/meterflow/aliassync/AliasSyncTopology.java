package io.meterflow.aliassync;

import io.meterflow.aliassync.customer.ClaimOutcomeProcessor;
import io.meterflow.aliassync.customer.CustomerChangeProcessor;
import io.meterflow.aliassync.customer.CustomerStores;
import io.meterflow.aliassync.intake.CustomerChangeReader;
import io.meterflow.aliassync.ownership.AliasOwnershipProcessor;
import io.meterflow.aliassync.ownership.AliasPartitions;
import io.meterflow.schemas.internal.aliassync.AliasCommandBatch;
import io.meterflow.schemas.internal.aliassync.ClaimOutcomeBatch;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * alias-sync's topology, a pure function of its configuration. Two stages joined by two internal topics:
 *
 * <pre>
 *  customer-changes ──▶ customer-change-processor ──▶ customers, customer-changes-rejected
 *   (by customer)        │  customer-store, customer-claims-store, customer-alias-store, change-original-store
 *                        ▼
 *        &lt;app&gt;-alias-commands (by alias)
 *                        ▼
 *                  alias-ownership-processor ──▶ alias-bindings
 *                        │  alias-binding-store
 *                        ▼
 *        &lt;app&gt;-claim-outcomes (by customer)
 *                        ▼
 *                  claim-outcome-processor ──▶ customers, customer-changes-rejected
 *                       (shares the customer stage's stores)
 * </pre>
 *
 * The loop cannot be written in the DSL (a stream cannot consume its own downstream), so it is wired with the
 * Processor API; every node, store and topic is named here. Both internal topics carry batches: a change's commands
 * for the aliases of one partition in one record ({@link AliasCommandBatch}, routed by {@link AliasPartitions}), and
 * the answers to them in one record ({@link ClaimOutcomeBatch}).
 */
public final class AliasSyncTopology {

    public static final String CUSTOMER_CHANGES_SOURCE = "customer-changes-source";
    public static final String CLAIM_OUTCOMES_SOURCE = "claim-outcomes-source";
    public static final String ALIAS_COMMANDS_SOURCE = "alias-commands-source";

    /** Queryable store of current customers (see {@link CustomerStores#CUSTOMER_STORE}). */
    public static final String CUSTOMER_STORE = CustomerStores.CUSTOMER_STORE;
    /** Queryable store of alias bindings (see {@link AliasOwnershipProcessor#ALIAS_BINDING_STORE}). */
    public static final String ALIAS_BINDING_STORE = AliasOwnershipProcessor.ALIAS_BINDING_STORE;

    private AliasSyncTopology() {
    }

    public static Topology build(AliasSyncConfig config, Topics topics, MeterRegistry registry) {
        AliasSyncMetrics metrics = new AliasSyncMetrics(registry);
        String customerChanges = topics.customerChanges().name();
        Serde<AliasCommandBatch> commandSerde = topics.valueSerde(AliasCommandBatch.class);
        Serde<ClaimOutcomeBatch> outcomeSerde = topics.valueSerde(ClaimOutcomeBatch.class);
        AliasPartitions aliasPartitions = new AliasPartitions();
        CustomerChangeReader reader = new CustomerChangeReader(topics.customerChanges().valueSerde().deserializer());
        StringSerializer keys = new StringSerializer();

        Topology topology = new Topology();

        // Stage 1: per customer.
        topology.addSource(CUSTOMER_CHANGES_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                customerChanges);
        topology.addSource(CLAIM_OUTCOMES_SOURCE, new StringDeserializer(), outcomeSerde.deserializer(),
                config.claimOutcomesTopic());
        topology.addProcessor(CustomerChangeProcessor.NAME,
                () -> new CustomerChangeProcessor(reader, metrics, config.rememberedChangeIds(), config.sizeBudget(),
                        aliasPartitions),
                CUSTOMER_CHANGES_SOURCE);
        topology.addProcessor(ClaimOutcomeProcessor.NAME,
                () -> new ClaimOutcomeProcessor(metrics, customerChanges),
                CLAIM_OUTCOMES_SOURCE);
        for (StoreBuilder<?> store : CustomerStores.builders(topics)) {
            topology.addStateStore(store, CustomerChangeProcessor.NAME, ClaimOutcomeProcessor.NAME);
        }
        topology.addSink(CustomerChangeProcessor.CUSTOMERS_SINK, topics.customers().name(), keys,
                topics.customers().valueSerde().serializer(), CustomerChangeProcessor.NAME, ClaimOutcomeProcessor.NAME);
        topology.addSink(CustomerChangeProcessor.REJECTIONS_SINK, topics.customerChangesRejected().name(), keys,
                topics.customerChangesRejected().valueSerde().serializer(),
                CustomerChangeProcessor.NAME, ClaimOutcomeProcessor.NAME);
        topology.addSink(CustomerChangeProcessor.ALIAS_COMMANDS_SINK, config.aliasCommandsTopic(), keys,
                commandSerde.serializer(), aliasPartitions, CustomerChangeProcessor.NAME);

        // Stage 2: per alias.
        topology.addSource(ALIAS_COMMANDS_SOURCE, new StringDeserializer(), commandSerde.deserializer(),
                config.aliasCommandsTopic());
        topology.addProcessor(AliasOwnershipProcessor.NAME, () -> new AliasOwnershipProcessor(metrics),
                ALIAS_COMMANDS_SOURCE);
        topology.addStateStore(AliasOwnershipProcessor.storeBuilder(topics), AliasOwnershipProcessor.NAME);
        topology.addSink(AliasOwnershipProcessor.ALIAS_BINDINGS_SINK, topics.aliasBindings().name(), keys,
                topics.aliasBindings().valueSerde().serializer(), AliasOwnershipProcessor.NAME);
        topology.addSink(AliasOwnershipProcessor.CLAIM_OUTCOMES_SINK, config.claimOutcomesTopic(), keys,
                outcomeSerde.serializer(), AliasOwnershipProcessor.NAME);
        return topology;
    }
}
