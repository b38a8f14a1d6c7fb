package io.meterflow.aliassync.ownership;

import io.meterflow.aliassync.AliasSyncMetrics;
import io.meterflow.aliassync.AliasSyncMetrics.CommandResult;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.internal.aliassync.AliasCommandBatch;
import io.meterflow.schemas.internal.aliassync.AliasCommandItem;
import io.meterflow.schemas.internal.aliassync.ClaimDecision;
import io.meterflow.schemas.internal.aliassync.ClaimOutcomeBatch;
import io.meterflow.schemas.internal.aliassync.ClaimOutcomeItem;
import io.meterflow.topics.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Stage 2 of alias-sync, partitioned by alias: the single place where ownership of an alias is decided. Commands for
 * one alias arrive in order on one partition, so two customers racing for a free alias are decided one after the
 * other: the first claim binds it, the second finds it held and is refused. Never both, never neither.
 *
 * <p>Commands arrive in {@link AliasCommandBatch}es: the commands of one customer change whose aliases share this
 * partition, decided one after the other in their order. Every decision is written to the
 * {@value #ALIAS_BINDING_STORE} store (and, when the binding changes, to {@code alias-bindings}, one record per
 * alias); the claims of a batch are answered with one {@link ClaimOutcomeBatch} keyed by the claiming customer. A
 * record written as an {@code AliasCommand} (one command, before batches) is read as a batch of that one command.
 *
 * <p>A customer's own ID is bound to it when it is created ({@code is_customer_id}) and is never released. An alias
 * equal to another customer's ID is refused. If an alias was bound before a customer with that ID existed, the new
 * customer's ID takes the binding over and the alias is revoked from its holder: a customer's own ID always
 * resolves to it.
 */
public final class AliasOwnershipProcessor implements Processor<String, AliasCommandBatch, String, SpecificRecord> {

    public static final String NAME = "alias-ownership-processor";
    /** Queryable: alias (or customer ID) to its {@link AliasBinding}, exactly as published on {@code alias-bindings}. */
    public static final String ALIAS_BINDING_STORE = "alias-binding-store";
    /** Child that writes bindings and tombstones to {@code alias-bindings}. */
    public static final String ALIAS_BINDINGS_SINK = "alias-bindings-sink";
    /** Child that writes {@link ClaimOutcomeBatch}es to the claim-outcomes topic. */
    public static final String CLAIM_OUTCOMES_SINK = "claim-outcomes-sink";

    private final AliasSyncMetrics metrics;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, AliasBinding> bindings;

    public AliasOwnershipProcessor(AliasSyncMetrics metrics) {
        this.metrics = metrics;
    }

    /** The binding store: persistent, logged, cached. */
    public static StoreBuilder<KeyValueStore<String, AliasBinding>> storeBuilder(Topics topics) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALIAS_BINDING_STORE),
                Serdes.String(), topics.valueSerde(AliasBinding.class)).withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.bindings = context.getStateStore(ALIAS_BINDING_STORE);
        countBindings();
    }

    /**
     * Counts the restored store once per task start, for the bindings gauge; every change after that adjusts the
     * count. One pass over the store, the same order of work as restoring it, and never on a scrape.
     */
    private void countBindings() {
        long aliases = 0;
        long customerIds = 0;
        try (KeyValueIterator<String, AliasBinding> all = bindings.all()) {
            while (all.hasNext()) {
                if (all.next().value.getIsCustomerId()) {
                    customerIds++;
                } else {
                    aliases++;
                }
            }
        }
        metrics.bindingsCounted(context.taskId(), aliases, customerIds);
    }

    @Override
    public void close() {
        metrics.forgetBindings(context.taskId());
    }

    @Override
    public void process(Record<String, AliasCommandBatch> record) {
        AliasCommandBatch batch = record.value();
        List<ClaimOutcomeItem> answers = new ArrayList<>();
        for (AliasCommandItem command : commands(batch)) {
            AliasBinding current = bindings.get(command.getAlias());
            CommandResult result = switch (command.getAction()) {
                case CLAIM -> claim(record, batch, command, current, answers);
                case RELEASE -> release(record, batch, command, current);
                case ARCHIVE -> archive(record, batch, command, current);
                case BIND_CUSTOMER_ID -> bindCustomerId(record, batch, command, current);
            };
            metrics.aliasCommand(command.getAction(), result);
        }
        if (!answers.isEmpty()) {
            context.forward(new Record<>(batch.getCustomerId(), outcomes(batch.getCustomerId(), batch.getChangeId(),
                    batch, answers), record.timestamp()), CLAIM_OUTCOMES_SINK);
            // The customer stage reads committed answers only, and a customer (and an API call) waits for them:
            // commit when this loop of the stream thread ends, not at the next commit interval.
            context.commit();
        }
    }

    /** The batch's commands; for a record written as an {@code AliasCommand}, its one command. */
    static List<AliasCommandItem> commands(AliasCommandBatch batch) {
        if (!batch.getCommands().isEmpty() || batch.getAlias() == null || batch.getAction() == null) {
            return batch.getCommands();
        }
        return List.of(new AliasCommandItem(batch.getAlias(), batch.getAction()));
    }

    private CommandResult claim(Record<String, AliasCommandBatch> record, AliasCommandBatch batch,
            AliasCommandItem command, AliasBinding current, List<ClaimOutcomeItem> answers) {
        if (current == null) {
            bind(record, current, binding(batch, command, false, batch.getArchived()));
            answers.add(answer(command, ClaimDecision.GRANTED, null));
            return CommandResult.GRANTED;
        }
        if (current.getCustomerId().equals(batch.getCustomerId())) {
            // Already this customer's (its own ID, or a claim repeated after a lost outcome): nothing to write.
            answers.add(answer(command, ClaimDecision.GRANTED, null));
            return CommandResult.GRANTED;
        }
        answers.add(answer(command, ClaimDecision.REFUSED, current));
        return CommandResult.REFUSED;
    }

    private CommandResult release(Record<String, AliasCommandBatch> record, AliasCommandBatch batch,
            AliasCommandItem command, AliasBinding current) {
        if (current == null || current.getIsCustomerId() || !current.getCustomerId().equals(batch.getCustomerId())) {
            // Not held by this customer (its claim was refused), or its own ID, which is never released.
            return CommandResult.IGNORED;
        }
        bindings.delete(command.getAlias());
        metrics.bindingChanged(context.taskId(), current, null);
        context.forward(new Record<>(command.getAlias(), null, record.timestamp()), ALIAS_BINDINGS_SINK);
        return CommandResult.RELEASED;
    }

    private CommandResult archive(Record<String, AliasCommandBatch> record, AliasCommandBatch batch,
            AliasCommandItem command, AliasBinding current) {
        if (current == null || current.getArchived() || !current.getCustomerId().equals(batch.getCustomerId())) {
            return CommandResult.IGNORED;
        }
        AliasBinding archived = AliasBinding.newBuilder(current)
                .setArchived(true)
                .setChangeId(batch.getChangeId())
                .setUpdatedAt(now())
                .build();
        bind(record, current, archived);
        return CommandResult.MARKED_ARCHIVED;
    }

    private CommandResult bindCustomerId(Record<String, AliasCommandBatch> record, AliasCommandBatch batch,
            AliasCommandItem command, AliasBinding current) {
        if (current != null && current.getIsCustomerId()) {
            return CommandResult.IGNORED;
        }
        bind(record, current, binding(batch, command, true, false));
        if (current != null && !current.getCustomerId().equals(batch.getCustomerId())) {
            // The holder loses the alias: one answer of its own, keyed by the holder.
            ClaimOutcomeItem revoked = ClaimOutcomeItem.newBuilder()
                    .setAlias(command.getAlias())
                    .setDecision(ClaimDecision.REVOKED)
                    .setHolderCustomerId(batch.getCustomerId())
                    .setHolderIsCustomerId(true)
                    .build();
            context.forward(new Record<>(current.getCustomerId(), outcomes(current.getCustomerId(),
                    batch.getChangeId(), batch, List.of(revoked)), record.timestamp()), CLAIM_OUTCOMES_SINK);
        }
        return CommandResult.BOUND;
    }

    private AliasBinding binding(AliasCommandBatch batch, AliasCommandItem command, boolean isCustomerId,
            boolean archived) {
        return AliasBinding.newBuilder()
                .setAlias(command.getAlias())
                .setCustomerId(batch.getCustomerId())
                .setIsCustomerId(isCustomerId)
                .setArchived(archived)
                .setChangeId(batch.getChangeId())
                .setUpdatedAt(now())
                .build();
    }

    private void bind(Record<String, AliasCommandBatch> record, AliasBinding current, AliasBinding binding) {
        bindings.put(binding.getAlias(), binding);
        metrics.bindingChanged(context.taskId(), current, binding);
        context.forward(new Record<>(binding.getAlias(), binding, record.timestamp()), ALIAS_BINDINGS_SINK);
    }

    private static ClaimOutcomeItem answer(AliasCommandItem command, ClaimDecision decision, AliasBinding holder) {
        return ClaimOutcomeItem.newBuilder()
                .setAlias(command.getAlias())
                .setDecision(decision)
                .setHolderCustomerId(holder == null ? null : holder.getCustomerId())
                .setHolderIsCustomerId(holder != null && holder.getIsCustomerId())
                .build();
    }

    private static ClaimOutcomeBatch outcomes(String customerId, String changeId, AliasCommandBatch batch,
            List<ClaimOutcomeItem> outcomes) {
        return ClaimOutcomeBatch.newBuilder()
                .setCustomerId(customerId)
                .setChangeId(changeId)
                .setSourcePartition(batch.getSourcePartition())
                .setSourceOffset(batch.getSourceOffset())
                .setOutcomes(outcomes)
                .setAlias(null)
                .setDecision(null)
                .setHolderCustomerId(null)
                .setHolderIsCustomerId(false)
                .build();
    }

    private Instant now() {
        return Instant.ofEpochMilli(context.currentSystemTimeMs());
    }
}
