package io.meterflow.aliassync.customer;

import io.meterflow.aliassync.AliasSyncMetrics;
import io.meterflow.aliassync.AliasSyncMetrics.OutcomeResult;
import io.meterflow.aliassync.rejection.RefusalReason;
import io.meterflow.aliassync.rejection.Rejections;
import io.meterflow.aliassync.rejection.Rejections.Source;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.internal.aliassync.ChangeOriginal;
import io.meterflow.schemas.internal.aliassync.ClaimDecision;
import io.meterflow.schemas.internal.aliassync.ClaimOutcomeBatch;
import io.meterflow.schemas.internal.aliassync.ClaimOutcomeItem;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.schemas.internal.aliassync.RequestedAlias;
import io.meterflow.serde.ByteBuffers;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 1 of alias-sync, back half: applies the ownership stage's decisions to the customer they concern. A grant
 * adds the alias to the customer's effective set; a refusal writes an {@code ALIAS_IN_USE} rejection carrying the
 * original change; a revocation removes the alias and writes {@code ALIAS_REVOKED}. Each answer costs the same
 * whatever the size of the customer's alias set: the customer's record is rebuilt (one pass over its aliases) when a
 * change's claims are all answered, and published when no claim is left in flight. Every answer is counted once by
 * what became of it ({@link AliasSyncMetrics#CLAIM_OUTCOMES}): applied, stale, or dropped for an unknown customer or
 * a missing customer record.
 *
 * <p>Answers come in {@link ClaimOutcomeBatch}es (the answers to one batch of claims, or one revocation). A batch is
 * applied answer by answer with the same rules, but the customer's bookkeeping is read and written once, the
 * change's original bytes (which every {@code ALIAS_IN_USE} refusal carries) are read once, and the customer's
 * record is rebuilt once, after the last answer that calls for it. A record written as a {@code ClaimOutcome} (one
 * answer, before batches) is read as a batch of that one answer.
 */
public final class ClaimOutcomeProcessor implements Processor<String, ClaimOutcomeBatch, String, SpecificRecord> {

    public static final String NAME = "claim-outcome-processor";

    private static final Logger LOG = LoggerFactory.getLogger(ClaimOutcomeProcessor.class);

    private final AliasSyncMetrics metrics;
    private final String customerChangesTopic;
    private ProcessorContext<String, SpecificRecord> context;
    private CustomerStores stores;

    public ClaimOutcomeProcessor(AliasSyncMetrics metrics, String customerChangesTopic) {
        this.metrics = metrics;
        this.customerChangesTopic = customerChangesTopic;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.stores = CustomerStores.of(context);
    }

    /** What one answer of a batch did, for its count and for what the batch writes after its last answer. */
    private record Applied(ClaimDecision decision, boolean changed, boolean wantsRecord) {
    }

    @Override
    public void process(Record<String, ClaimOutcomeBatch> record) {
        ClaimOutcomeBatch batch = record.value();
        List<ClaimOutcomeItem> outcomes = outcomes(batch);
        String customerId = batch.getCustomerId();
        // Only the small bookkeeping and the aliases' own entries are read here: the customer's record, which holds
        // every alias, is read and rewritten once its change's claims are all answered, not on every answer.
        CustomerClaims claims = stores.claims.get(customerId);
        if (claims == null) {
            // Only possible if the topics were tampered with: outcomes answer commands of existing customers.
            for (ClaimOutcomeItem outcome : outcomes) {
                metrics.claimOutcome(outcome.getDecision(), OutcomeResult.UNKNOWN_CUSTOMER);
                LOG.warn("Ignoring {} of alias for unknown customer {}", outcome.getDecision(), customerId);
            }
            return;
        }
        AliasHoldings.migrate(stores, customerId, claims);
        Originals originals = new Originals(CustomerStores.originalKey(customerId, batch.getChangeId()));
        List<Applied> applied = new ArrayList<>(outcomes.size());
        boolean wantsRecord = false;
        boolean publish = false;
        for (ClaimOutcomeItem outcome : outcomes) {
            Applied one = apply(record, batch, outcome, claims, originals);
            applied.add(one);
            wantsRecord |= one.wantsRecord();
            publish |= one.changed() && claims.getClaimsInFlight() == 0;
        }
        if (wantsRecord) {
            // The customer record is written before its bookkeeping: a reader that sees the change settled in the
            // bookkeeping (read first) then finds the aliases it settled in the record.
            Customer customer = stores.customers.get(customerId);
            if (customer == null) {
                for (Applied one : applied) {
                    metrics.claimOutcome(one.decision(), one.wantsRecord() ? OutcomeResult.CUSTOMER_MISSING
                            : one.changed() ? OutcomeResult.APPLIED : OutcomeResult.STALE);
                }
                LOG.warn("Customer {} has bookkeeping but no record; {} answers to change {} kept only there",
                        customerId, outcomes.size(), batch.getChangeId());
                stores.claims.put(customerId, claims);
                return;
            }
            customer.setIngestAliases(AliasHoldings.load(stores, customerId, claims).effective());
            stores.customers.put(customerId, customer);
            if (publish) {
                context.forward(new Record<>(customerId, customer, record.timestamp()),
                        CustomerChangeProcessor.CUSTOMERS_SINK);
            }
        }
        stores.claims.put(customerId, claims);
        for (Applied one : applied) {
            metrics.claimOutcome(one.decision(), one.changed() ? OutcomeResult.APPLIED : OutcomeResult.STALE);
        }
    }

    /** The batch's answers; for a record written as a {@code ClaimOutcome}, its one answer. */
    static List<ClaimOutcomeItem> outcomes(ClaimOutcomeBatch batch) {
        if (!batch.getOutcomes().isEmpty() || batch.getAlias() == null || batch.getDecision() == null) {
            return batch.getOutcomes();
        }
        return List.of(new ClaimOutcomeItem(batch.getAlias(), batch.getDecision(), batch.getHolderCustomerId(),
                batch.getHolderIsCustomerId()));
    }

    /**
     * Applies one answer to the alias's entry and the bookkeeping (in memory; the caller stores it), and writes its
     * rejection if it is one. Whether the customer's record must then be rebuilt is left to the caller.
     */
    private Applied apply(Record<String, ClaimOutcomeBatch> record, ClaimOutcomeBatch batch, ClaimOutcomeItem outcome,
            CustomerClaims claims, Originals originals) {
        String customerId = batch.getCustomerId();
        String aliasKey = CustomerStores.aliasKey(customerId, outcome.getAlias());
        RequestedAlias entry = stores.aliases.get(aliasKey);
        if (outcome.getDecision() == ClaimDecision.REVOKED) {
            boolean changed = entry != null && entry.getHeld();
            if (changed) {
                entry.setHeld(false);
                stores.aliases.put(aliasKey, entry);
                Source source = new Source(customerChangesTopic, batch.getSourcePartition(), batch.getSourceOffset(),
                        null, null);
                reject(record, batch, outcome, RefusalReason.ALIAS_REVOKED, "ingest alias '" + outcome.getAlias()
                        + "' is now the ID of customer " + outcome.getHolderCustomerId()
                        + ", and a customer's own ID always resolves to it", source);
            }
            return new Applied(outcome.getDecision(), changed, changed);
        }
        boolean granted = outcome.getDecision() == ClaimDecision.GRANTED;
        String changeId = batch.getChangeId();
        Map<String, Integer> unanswered = new HashMap<>(claims.getUnansweredClaims());
        unanswered.computeIfPresent(changeId, (id, count) -> count <= 1 ? null : count - 1);
        claims.setUnansweredClaims(unanswered);
        // An answer to anything but the alias's latest claim is stale: the alias was dropped, or dropped and asked
        // for again, since. It settles the count above and changes nothing else.
        boolean changed = entry != null && changeId.equals(entry.getClaimChangeId());
        if (changed) {
            entry.setClaimChangeId(null);
            entry.setHeld(granted);
            stores.aliases.put(aliasKey, entry);
            claims.setClaimsInFlight(claims.getClaimsInFlight() - 1);
        }
        if (!granted) {
            reject(record, batch, outcome, RefusalReason.ALIAS_IN_USE, inUseDetail(outcome),
                    source(originals.get(), batch));
        }
        boolean settled = !unanswered.containsKey(changeId);
        if (settled) {
            originals.delete();
        }
        return new Applied(outcome.getDecision(), changed, settled || changed && claims.getClaimsInFlight() == 0);
    }

    /** The change's original bytes, read at most once per batch, and forgotten once deleted. */
    private final class Originals {
        private final String key;
        private boolean read;
        private ChangeOriginal original;

        Originals(String key) {
            this.key = key;
        }

        ChangeOriginal get() {
            if (!read) {
                original = stores.originals.get(key);
                read = true;
            }
            return original;
        }

        void delete() {
            stores.originals.delete(key);
            original = null;
            read = true;
        }
    }

    private static String inUseDetail(ClaimOutcomeItem outcome) {
        return outcome.getHolderIsCustomerId()
                ? "ingest alias '" + outcome.getAlias() + "' is the ID of customer " + outcome.getHolderCustomerId()
                : "ingest alias '" + outcome.getAlias() + "' is held by customer " + outcome.getHolderCustomerId();
    }

    private Source source(ChangeOriginal original, ClaimOutcomeBatch batch) {
        if (original == null) {
            return new Source(customerChangesTopic, batch.getSourcePartition(), batch.getSourceOffset(), null, null);
        }
        return new Source(original.getSourceTopic(), original.getSourcePartition(), original.getSourceOffset(),
                bytes(original.getOriginalKey()), bytes(original.getOriginalValue()));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        return buffer == null ? null : ByteBuffers.copyOf(buffer);
    }

    private void reject(Record<String, ClaimOutcomeBatch> record, ClaimOutcomeBatch batch, ClaimOutcomeItem outcome,
            RefusalReason reason, String detail, Source source) {
        metrics.refusal(reason);
        context.forward(new Record<>(batch.getCustomerId(), Rejections.of(reason, detail, source, batch.getChangeId(),
                outcome.getAlias(), Instant.ofEpochMilli(context.currentSystemTimeMs())), record.timestamp()),
                CustomerChangeProcessor.REJECTIONS_SINK);
    }
}
