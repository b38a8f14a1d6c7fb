package io.meterflow.aliassync.customer;

import io.meterflow.aliassync.AliasSyncMetrics;
import io.meterflow.aliassync.AliasSyncMetrics.ChangeOutcome;
import io.meterflow.aliassync.intake.AliasRules;
import io.meterflow.aliassync.intake.ChangeType;
import io.meterflow.aliassync.intake.CustomerChangeReader;
import io.meterflow.aliassync.intake.SizeBudget;
import io.meterflow.aliassync.ownership.AliasPartitions;
import io.meterflow.aliassync.rejection.RefusalReason;
import io.meterflow.aliassync.rejection.Rejections;
import io.meterflow.aliassync.rejection.Rejections.Source;
import io.meterflow.schemas.CustomFieldsSet;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.IngestAliasesSet;
import io.meterflow.schemas.NameSet;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.internal.aliassync.AliasAction;
import io.meterflow.schemas.internal.aliassync.AliasCommandBatch;
import io.meterflow.schemas.internal.aliassync.ChangeOriginal;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.schemas.internal.aliassync.RecentRefusal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Stage 1 of alias-sync, partitioned by customer: reads each raw {@code customer-changes} record, refuses what it
 * cannot apply, applies the rest to the customer's state, and turns alias changes into commands for the ownership
 * stage, sent as {@link AliasCommandBatch}es keyed by alias (see {@link AliasCommands}). Whether a claimed alias is granted is not known here: the customer's effective
 * set grows only when {@link ClaimOutcomeProcessor} receives the answer.
 *
 * <p>A change ID already processed for the customer is ignored (the create's ID always, others among the last
 * {@code rememberedChangeIds}). The {@code customers} record is published when a change leaves the customer with no
 * claim in flight; otherwise the last outcome publishes it, so that the topic does not show a half-answered set.
 */
public final class CustomerChangeProcessor implements Processor<byte[], byte[], String, SpecificRecord> {

    public static final String NAME = "customer-change-processor";
    /** Child that writes {@link Customer} records to {@code customers}. */
    public static final String CUSTOMERS_SINK = "customers-sink";
    /** Child that writes {@link AliasCommandBatch}es to the alias-commands topic. */
    public static final String ALIAS_COMMANDS_SINK = "alias-commands-sink";
    /** Child that writes refusals to {@code customer-changes-rejected}. */
    public static final String REJECTIONS_SINK = "customer-rejections-sink";

    /** Refusals kept per customer for the API (see {@link CustomerClaims#getRecentRefusals()}), and their length. */
    static final int MAX_RECENT_REFUSALS = SizeBudget.MAX_RECENT_REFUSALS;
    static final int MAX_REFUSAL_DETAIL = 256;

    private final CustomerChangeReader reader;
    private final AliasSyncMetrics metrics;
    private final int rememberedChangeIds;
    private final SizeBudget budget;
    private final AliasPartitions aliasPartitions;
    private ProcessorContext<String, SpecificRecord> context;
    private CustomerStores stores;

    /** @param aliasPartitions what the alias-commands sink has seen of that topic's partitions (it groups commands) */
    public CustomerChangeProcessor(CustomerChangeReader reader, AliasSyncMetrics metrics, int rememberedChangeIds,
            SizeBudget budget, AliasPartitions aliasPartitions) {
        this.reader = reader;
        this.metrics = metrics;
        this.rememberedChangeIds = rememberedChangeIds;
        this.budget = budget;
        this.aliasPartitions = aliasPartitions;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.stores = CustomerStores.of(context);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata metadata = context.recordMetadata().orElseThrow();
        Source source = new Source(metadata.topic(), metadata.partition(), metadata.offset(), record.key(), record.value());
        // Measured before anything is read: a record over the limit is refused without parsing it.
        Optional<String> tooLarge = budget.changeTooLarge(SizeBudget.recordBytes(record.key(), record.value()));
        if (tooLarge.isPresent()) {
            refuse(record, rejectionKey(record.key()), ChangeType.OVERSIZED, RefusalReason.TOO_LARGE, tooLarge.get(),
                    null, source, null, null);
            return;
        }
        CustomerChangeReader.Read read = reader.read(metadata.topic(), record.key(), record.value());
        if (read instanceof CustomerChangeReader.Unreadable unreadable) {
            refuse(record, rejectionKey(record.key()), ChangeType.MALFORMED, RefusalReason.MALFORMED,
                    unreadable.detail(), null, source, unreadable.changeId(), null);
            return;
        }
        if (read instanceof CustomerChangeReader.Invalid invalid) {
            CustomerChange change = invalid.change();
            refuse(record, change.getCustomerId(), ChangeType.of(change), RefusalReason.INVALID_FIELD, invalid.detail(),
                    invalid.field(), source, change.getChangeId(), null);
            return;
        }
        CustomerChange change = ((CustomerChangeReader.Readable) read).change();
        ChangeType type = ChangeType.of(change);
        String customerId = change.getCustomerId();
        Customer customer = stores.customers.get(customerId);
        CustomerClaims claims = stores.claims.get(customerId);
        if (claims != null && AliasHoldings.migrate(stores, customerId, claims)) {
            stores.claims.put(customerId, claims);
        }
        if (claims != null && alreadyProcessed(claims, change.getChangeId())) {
            metrics.change(type, ChangeOutcome.REDELIVERED);
            return;
        }
        if (type == ChangeType.CREATED) {
            create(record, change, (CustomerCreated) change.getPayload(), customer, claims, source);
        } else if (customer == null || claims == null) {
            refuse(record, customerId, type, RefusalReason.UNKNOWN_CUSTOMER,
                    "customer " + customerId + " does not exist", null, source, change.getChangeId(), null);
        } else {
            update(record, change, type, customer, claims, source);
        }
    }

    /** The key of a rejection of an unreadable record: its key as text if it could be a customer ID, else none. */
    private static String rejectionKey(byte[] key) {
        return key == null || key.length > 4 * SizeBudget.MAX_ID_LENGTH ? null : new String(key, StandardCharsets.UTF_8);
    }

    private static boolean alreadyProcessed(CustomerClaims claims, String changeId) {
        return claims.getCreatedChangeId().equals(changeId) || claims.getRecentChangeIds().contains(changeId);
    }

    private void create(Record<byte[], byte[]> record, CustomerChange change, CustomerCreated created,
            Customer existing, CustomerClaims existingClaims, Source source) {
        String customerId = change.getCustomerId();
        if (existing != null && existingClaims != null) {
            remember(existingClaims, change.getChangeId());
            refuse(record, customerId, ChangeType.CREATED, RefusalReason.DUPLICATE_CUSTOMER,
                    "customer " + customerId + " already exists (created by change " + existingClaims.getCreatedChangeId()
                            + ")", null, source, change.getChangeId(), existingClaims);
            return;
        }
        AliasRules.Result aliases = AliasRules.check(created.getIngestAliases());
        if (aliases.violation().isPresent()) {
            AliasRules.Violation violation = aliases.violation().get();
            refuse(record, customerId, ChangeType.CREATED, violation.reason(), violation.detail(), violation.subject(),
                    source, change.getChangeId(), null);
            return;
        }
        Optional<String> tooLarge = budget.customerTooLarge(createdCustomer(change, created, aliases.aliases()));
        if (tooLarge.isPresent()) {
            refuse(record, customerId, ChangeType.CREATED, RefusalReason.TOO_LARGE, tooLarge.get(), null, source,
                    change.getChangeId(), null);
            return;
        }
        Customer customer = createdCustomer(change, created, List.of());
        CustomerClaims claims = CustomerClaims.newBuilder()
                .setCustomerId(customerId)
                .setCreatedChangeId(change.getChangeId())
                .setRecentChangeIds(new ArrayList<>())
                .setRequestedAliases(new ArrayList<>())
                .setPendingClaims(new HashMap<>())
                .setUnansweredClaims(new HashMap<>())
                .setClaimsInFlight(0)
                .setRecentRefusals(new ArrayList<>())
                .build();
        // The customer's own ID is bound before any alias it claims, so that a claim of its own ID finds it.
        AliasCommands commands = commands(change, false);
        commands.add(customerId, AliasAction.BIND_CUSTOMER_ID);
        replaceAliases(record, change, customer, claims, aliases.aliases(), source, commands);
        metrics.change(ChangeType.CREATED, ChangeOutcome.APPLIED);
    }

    private void update(Record<byte[], byte[]> record, CustomerChange change, ChangeType type, Customer customer,
            CustomerClaims claims, Source source) {
        String customerId = customer.getId();
        Object payload = change.getPayload();
        remember(claims, change.getChangeId());
        if (payload instanceof IngestAliasesSet set) {
            AliasRules.Result aliases = AliasRules.check(set.getIngestAliases());
            if (aliases.violation().isPresent()) {
                AliasRules.Violation violation = aliases.violation().get();
                refuse(record, customerId, type, violation.reason(), violation.detail(), violation.subject(), source,
                        change.getChangeId(), claims);
                return;
            }
            // Every alias asked for will be held or in flight: the largest the customer's record can become.
            Map<String, Integer> unanswered = new HashMap<>(claims.getUnansweredClaims());
            unanswered.put(change.getChangeId(), aliases.aliases().size());
            Optional<String> tooLarge = budget.customerTooLarge(withAliases(customer, aliases.aliases(), change))
                    .or(() -> budget.claimsTooLarge(CustomerClaims.newBuilder(claims)
                            .setUnansweredClaims(unanswered).build()));
            if (tooLarge.isPresent()) {
                refuse(record, customerId, type, RefusalReason.TOO_LARGE, tooLarge.get(), null, source,
                        change.getChangeId(), claims);
                return;
            }
            touch(customer, change);
            replaceAliases(record, change, customer, claims, aliases.aliases(), source,
                    commands(change, customer.getArchivedAt() != null));
        } else if (payload instanceof NameSet || payload instanceof CustomFieldsSet) {
            Customer updated = Customer.newBuilder(customer).build();
            if (payload instanceof NameSet name) {
                updated.setName(AliasRules.truncateName(name.getName()));
            } else {
                CustomFieldsSet fields = (CustomFieldsSet) payload;
                Map<String, String> merged = new HashMap<>(customer.getCustomFields());
                merged.putAll(fields.getCustomFields());
                fields.getRemovedKeys().forEach(merged::remove);
                updated.setCustomFields(merged);
            }
            List<String> held = AliasHoldings.load(stores, customerId, claims).held();
            Optional<String> tooLarge = budget.customerTooLarge(withAliases(updated, held, change));
            if (tooLarge.isPresent()) {
                refuse(record, customerId, type, RefusalReason.TOO_LARGE, tooLarge.get(), null, source,
                        change.getChangeId(), claims);
                return;
            }
            touch(updated, change);
            save(record, updated, claims);
        } else if (customer.getArchivedAt() != null) {
            // Archiving an archived customer changes nothing; its first archive time stands.
            stores.claims.put(customerId, claims);
        } else {
            customer.setArchivedAt(change.getOccurredAt());
            touch(customer, change);
            // Archiving frees nothing: every binding of the customer, its own ID included, is marked archived.
            AliasCommands commands = commands(change, true);
            commands.add(customerId, AliasAction.ARCHIVE);
            for (String alias : AliasHoldings.load(stores, customerId, claims).held()) {
                if (!alias.equals(customerId)) {
                    commands.add(alias, AliasAction.ARCHIVE);
                }
            }
            commands.send(context, ALIAS_COMMANDS_SINK, record.timestamp(), aliasPartitions);
            save(record, customer, claims);
        }
        metrics.change(type, ChangeOutcome.APPLIED);
    }

    /**
     * The record a create starts the customer with, holding {@code ingestAliases}: none when it is stored (aliases
     * join as their claims are granted), all those asked for when its size is checked. The customer API checks a
     * create with the same record before publishing it.
     */
    public static Customer createdCustomer(CustomerChange change, CustomerCreated created, List<String> ingestAliases) {
        Instant at = change.getOccurredAt();
        return Customer.newBuilder()
                .setId(change.getCustomerId())
                .setName(AliasRules.truncateName(created.getName()))
                .setIngestAliases(ingestAliases)
                .setCustomFields(new HashMap<>(created.getCustomFields()))
                .setExternalId(created.getExternalId())
                .setCustomerConfig(new HashMap<>(created.getCustomerConfig()))
                .setBillingConfig(created.getBillingConfig() == null ? null : new HashMap<>(created.getBillingConfig()))
                .setCreatedAt(at)
                .setUpdatedAt(at)
                .setArchivedAt(null)
                .setLastChangeId(change.getChangeId())
                .build();
    }

    /** {@code customer} as {@code change} would leave it, holding {@code aliases}: for the size check. */
    private static Customer withAliases(Customer customer, List<String> aliases, CustomerChange change) {
        return Customer.newBuilder(customer).setIngestAliases(aliases).setUpdatedAt(change.getOccurredAt())
                .setLastChangeId(change.getChangeId()).build();
    }

    private void replaceAliases(Record<byte[], byte[]> record, CustomerChange change, Customer customer,
            CustomerClaims claims, List<String> aliases, Source source, AliasCommands commands) {
        AliasHoldings holdings = AliasHoldings.load(stores, customer.getId(), claims);
        AliasHoldings.Replacement replacement = holdings.replace(aliases, change.getChangeId());
        for (String alias : replacement.releases()) {
            commands.add(alias, AliasAction.RELEASE);
        }
        for (String alias : replacement.claims()) {
            commands.add(alias, AliasAction.CLAIM);
        }
        commands.send(context, ALIAS_COMMANDS_SINK, record.timestamp(), aliasPartitions);
        if (!replacement.claims().isEmpty()) {
            stores.originals.put(CustomerStores.originalKey(customer.getId(), change.getChangeId()),
                    ChangeOriginal.newBuilder()
                            .setSourceTopic(source.topic())
                            .setSourcePartition(source.partition())
                            .setSourceOffset(source.offset())
                            .setOriginalKey(source.key() == null ? null : ByteBuffer.wrap(source.key()))
                            .setOriginalValue(source.value() == null ? null : ByteBuffer.wrap(source.value()))
                            .build());
        }
        holdings.write(stores);
        customer.setIngestAliases(holdings.effective());
        save(record, customer, claims);
    }

    private void save(Record<byte[], byte[]> record, Customer customer, CustomerClaims claims) {
        stores.customers.put(customer.getId(), customer);
        stores.claims.put(customer.getId(), claims);
        if (claims.getClaimsInFlight() == 0) {
            context.forward(new Record<>(customer.getId(), customer, record.timestamp()), CUSTOMERS_SINK);
        }
    }

    private static void touch(Customer customer, CustomerChange change) {
        customer.setUpdatedAt(change.getOccurredAt());
        customer.setLastChangeId(change.getChangeId());
    }

    private void remember(CustomerClaims claims, String changeId) {
        List<String> recent = new ArrayList<>(claims.getRecentChangeIds());
        recent.add(changeId);
        if (recent.size() > rememberedChangeIds) {
            recent = new ArrayList<>(recent.subList(recent.size() - rememberedChangeIds, recent.size()));
        }
        claims.setRecentChangeIds(recent);
    }

    /** The commands {@code change} issues, sent together once it has issued them all. */
    private AliasCommands commands(CustomerChange change, boolean archived) {
        RecordMetadata metadata = context.recordMetadata().orElseThrow();
        return new AliasCommands(change.getCustomerId(), change.getChangeId(), archived, metadata.partition(),
                metadata.offset());
    }

    /**
     * Refuses a whole change. For an existing customer ({@code claims} not null, the change ID already remembered)
     * the refusal is also kept in its bookkeeping, so that a writer waiting for the change learns why.
     */
    private void refuse(Record<byte[], byte[]> record, String key, ChangeType type, RefusalReason reason, String detail,
            String subject, Source source, String changeId, CustomerClaims claims) {
        metrics.change(type, ChangeOutcome.REFUSED);
        metrics.refusal(reason);
        Rejection rejection = Rejections.of(reason, detail, source, changeId, subject,
                Instant.ofEpochMilli(context.currentSystemTimeMs()));
        if (claims != null) {
            List<RecentRefusal> refusals = new ArrayList<>(claims.getRecentRefusals());
            refusals.add(new RecentRefusal(changeId, reason.name(), Rejections.shorten(rejection.getDetail(),
                    MAX_REFUSAL_DETAIL)));
            if (refusals.size() > MAX_RECENT_REFUSALS) {
                refusals = new ArrayList<>(refusals.subList(refusals.size() - MAX_RECENT_REFUSALS, refusals.size()));
            }
            claims.setRecentRefusals(refusals);
            stores.claims.put(claims.getCustomerId(), claims);
        }
        context.forward(new Record<>(key, rejection, record.timestamp()), REJECTIONS_SINK);
    }
}
