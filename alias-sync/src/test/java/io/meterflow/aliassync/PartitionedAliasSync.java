package io.meterflow.aliassync;

import io.meterflow.aliassync.customer.ClaimOutcomeProcessor;
import io.meterflow.aliassync.customer.CustomerChangeProcessor;
import io.meterflow.aliassync.customer.CustomerStores;
import io.meterflow.aliassync.intake.CustomerChangeReader;
import io.meterflow.aliassync.intake.SizeBudget;
import io.meterflow.aliassync.ownership.AliasOwnershipProcessor;
import io.meterflow.aliassync.ownership.AliasPartitions;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.internal.aliassync.AliasCommandBatch;
import io.meterflow.schemas.internal.aliassync.AliasCommandItem;
import io.meterflow.schemas.internal.aliassync.ChangeOriginal;
import io.meterflow.schemas.internal.aliassync.ClaimOutcomeBatch;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.schemas.internal.aliassync.RequestedAlias;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.topics.TopicNames;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedForward;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * alias-sync's three processors spread over several partitions, with the internal topics replaced by queues the
 * test delivers by hand. Unlike the topology test driver, which runs every loop to the end before the next input,
 * this lets a test hold two customers' claims in flight at once and choose the order in which each partition of
 * each stage sees them: the situation of two instances racing on a real cluster.
 */
final class PartitionedAliasSync {

    private final Topics topics;
    private final AliasSyncMetrics metrics = new AliasSyncMetrics(new SimpleMeterRegistry());
    private final List<CustomerTask> customerTasks = new ArrayList<>();
    private final List<AliasTask> aliasTasks = new ArrayList<>();
    private final AliasPartitions aliasPartitions;
    private long offset;

    final Map<String, Customer> customers = new LinkedHashMap<>();
    final Map<String, AliasBinding> bindings = new LinkedHashMap<>();
    final List<Record<String, Rejection>> rejections = new ArrayList<>();

    PartitionedAliasSync(int customerPartitions, int aliasPartitions) {
        this(customerPartitions, aliasPartitions, aliasPartitions);
    }

    /** @param knownAliasPartitions what the customer stage knows of the alias partitions (0: nothing yet) */
    PartitionedAliasSync(int customerPartitions, int aliasPartitions, int knownAliasPartitions) {
        topics = Topics.create(TopicNames.defaults(),
                Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://partitioned-" + UUID.randomUUID()));
        // The count the real sink would teach the customer stage.
        this.aliasPartitions = new AliasPartitions(knownAliasPartitions);
        for (int p = 0; p < customerPartitions; p++) {
            customerTasks.add(new CustomerTask(p));
        }
        for (int p = 0; p < aliasPartitions; p++) {
            aliasTasks.add(new AliasTask());
        }
    }

    static int partition(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    int customerPartition(String customerId) {
        return partition(customerId, customerTasks.size());
    }

    int aliasPartition(String alias) {
        return partition(alias, aliasTasks.size());
    }

    /** The customer stage processes a change at once; its alias commands wait in their partitions' queues. */
    void send(CustomerChange change) {
        CustomerTask task = customerTasks.get(customerPartition(change.getCustomerId()));
        byte[] value = topics.customerChanges().valueSerde().serializer().serialize("customer-changes", change);
        task.changes.setRecordMetadata("customer-changes", task.partition, offset++);
        task.changeProcessor.process(new Record<>(change.getCustomerId().getBytes(StandardCharsets.UTF_8), value, 0L));
        collect(task.changes);
    }

    /** Alias command records (batches) waiting in one partition of the alias-commands topic. */
    int commandsWaiting(int aliasPartition) {
        return aliasTasks.get(aliasPartition).queue.size();
    }

    /**
     * The ownership stage decides the next command record (a batch) of one partition; its outcomes wait in a customer
     * partition.
     */
    void decideNext(int aliasPartition) {
        AliasTask task = aliasTasks.get(aliasPartition);
        Record<String, AliasCommandBatch> command = task.queue.removeFirst();
        task.context.setRecordMetadata("alias-commands", aliasPartition, 0);
        task.processor.process(command);
        collect(task.context);
    }

    int outcomesWaiting(int customerPartition) {
        return customerTasks.get(customerPartition).queue.size();
    }

    /** The customer stage applies the next outcome waiting in one of its partitions. */
    void applyNextOutcome(int customerPartition) {
        CustomerTask task = customerTasks.get(customerPartition);
        Record<String, ClaimOutcomeBatch> outcome = task.queue.removeFirst();
        task.outcomes.setRecordMetadata("claim-outcomes", customerPartition, 0);
        task.outcomeProcessor.process(outcome);
        collect(task.outcomes);
    }

    /** Delivers everything still in flight, partition by partition, until nothing is left. */
    void settle() {
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int p = 0; p < aliasTasks.size(); p++) {
                while (commandsWaiting(p) > 0) {
                    decideNext(p);
                    progress = true;
                }
            }
            for (int p = 0; p < customerTasks.size(); p++) {
                while (outcomesWaiting(p) > 0) {
                    applyNextOutcome(p);
                    progress = true;
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void collect(MockProcessorContext<String, SpecificRecord> context) {
        for (CapturedForward<? extends String, ? extends SpecificRecord> forward : context.forwarded()) {
            Record<String, SpecificRecord> record = (Record<String, SpecificRecord>) forward.record();
            switch (forward.childName().orElseThrow()) {
                case CustomerChangeProcessor.CUSTOMERS_SINK -> customers.put(record.key(), (Customer) record.value());
                case CustomerChangeProcessor.REJECTIONS_SINK -> rejections.add(
                        new Record<>(record.key(), (Rejection) record.value(), record.timestamp()));
                case CustomerChangeProcessor.ALIAS_COMMANDS_SINK -> {
                    AliasCommandBatch batch = (AliasCommandBatch) record.value();
                    int partition = aliasPartition(record.key());
                    for (AliasCommandItem command : batch.getCommands()) {
                        if (aliasPartition(command.getAlias()) != partition) {
                            throw new IllegalStateException("batch keyed " + record.key() + " holds "
                                    + command.getAlias() + " of another partition");
                        }
                    }
                    aliasTasks.get(partition).queue.addLast(new Record<>(record.key(), batch, record.timestamp()));
                }
                case AliasOwnershipProcessor.ALIAS_BINDINGS_SINK -> {
                    if (record.value() == null) {
                        bindings.remove(record.key());
                    } else {
                        bindings.put(record.key(), (AliasBinding) record.value());
                    }
                }
                case AliasOwnershipProcessor.CLAIM_OUTCOMES_SINK -> customerTasks.get(customerPartition(record.key()))
                        .queue.addLast(new Record<>(record.key(), (ClaimOutcomeBatch) record.value(),
                                record.timestamp()));
                default -> throw new IllegalStateException("Unknown child " + forward.childName());
            }
        }
        context.resetForwards();
    }

    private <V extends SpecificRecord> KeyValueStore<String, V> store(String name, Class<V> type,
            MockProcessorContext<?, ?> context) {
        Serde<V> serde = topics.valueSerde(type);
        KeyValueStore<String, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
                Serdes.String(), serde).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    private static MockProcessorContext<String, SpecificRecord> context() {
        MockProcessorContext<String, SpecificRecord> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(1_700_000_000_000L);
        return context;
    }

    private final class CustomerTask {
        final int partition;
        final MockProcessorContext<String, SpecificRecord> changes = context();
        final MockProcessorContext<String, SpecificRecord> outcomes = context();
        final CustomerChangeProcessor changeProcessor;
        final ClaimOutcomeProcessor outcomeProcessor;
        final Deque<Record<String, ClaimOutcomeBatch>> queue = new ArrayDeque<>();

        CustomerTask(int partition) {
            this.partition = partition;
            List<StateStore> stores = List.of(
                    store(CustomerStores.CUSTOMER_STORE, Customer.class, changes),
                    store(CustomerStores.CUSTOMER_CLAIMS_STORE, CustomerClaims.class, changes),
                    store(CustomerStores.CHANGE_ORIGINAL_STORE, ChangeOriginal.class, changes),
                    store(CustomerStores.CUSTOMER_ALIAS_STORE, RequestedAlias.class, changes));
            stores.forEach(s -> {
                changes.addStateStore(s);
                outcomes.addStateStore(s);
            });
            changeProcessor = new CustomerChangeProcessor(
                    new CustomerChangeReader(topics.customerChanges().valueSerde().deserializer()), metrics, 100,
                    new SizeBudget(SizeBudget.DEFAULT_MAX_CHANGE_BYTES, 100), aliasPartitions);
            changeProcessor.init(changes);
            outcomeProcessor = new ClaimOutcomeProcessor(metrics, "customer-changes");
            outcomeProcessor.init(outcomes);
        }
    }

    private final class AliasTask {
        final MockProcessorContext<String, SpecificRecord> context = context();
        final AliasOwnershipProcessor processor;
        final Deque<Record<String, AliasCommandBatch>> queue = new ArrayDeque<>();

        AliasTask() {
            context.addStateStore(store(AliasOwnershipProcessor.ALIAS_BINDING_STORE, AliasBinding.class, context));
            processor = new AliasOwnershipProcessor(metrics);
            processor.init(context);
        }
    }
}
