package io.meterflow.aliassync.customer;

import io.meterflow.aliassync.AliasSyncMetrics;
import io.meterflow.aliassync.AliasSyncMetrics.OutcomeResult;
import io.meterflow.aliassync.rejection.RefusalReason;
import io.meterflow.aliassync.rejection.Rejections;
import io.meterflow.aliassync.rejection.Rejections.Source;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.internal.aliassync.ChangeOriginal;
import io.meterflow.schemas.internal.aliassync.ClaimDecision;
import io.meterflow.schemas.internal.aliassync.ClaimOutcome;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.schemas.internal.aliassync.RequestedAlias;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
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
 */
public final class ClaimOutcomeProcessor implements Processor<String, ClaimOutcome, String, SpecificRecord> {

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

    @Override
    public void process(Record<String, ClaimOutcome> record) {
        ClaimOutcome outcome = record.value();
        String customerId = outcome.getCustomerId();
        // Only the small bookkeeping and the alias's own entry are read here: the customer's record, which holds
        // every alias, is read and rewritten once its change's claims are all answered, not on every answer.
        CustomerClaims claims = stores.claims.get(customerId);
        if (claims == null) {
            // Only possible if the topics were tampered with: outcomes answer commands of existing customers.
            metrics.claimOutcome(outcome.getDecision(), OutcomeResult.UNKNOWN_CUSTOMER);
            LOG.warn("Ignoring {} of alias for unknown customer {}", outcome.getDecision(), customerId);
            return;
        }
        AliasHoldings.migrate(stores, customerId, claims);
        String aliasKey = CustomerStores.aliasKey(customerId, outcome.getAlias());
        RequestedAlias entry = stores.aliases.get(aliasKey);
        boolean changed;
        boolean settled = false;
        if (outcome.getDecision() == ClaimDecision.REVOKED) {
            changed = entry != null && entry.getHeld();
            if (changed) {
                entry.setHeld(false);
                stores.aliases.put(aliasKey, entry);
                Source source = new Source(customerChangesTopic, outcome.getSourcePartition(), outcome.getSourceOffset(),
                        null, null);
                reject(record, customerId, RefusalReason.ALIAS_REVOKED, "ingest alias '" + outcome.getAlias()
                        + "' is now the ID of customer " + outcome.getHolderCustomerId()
                        + ", and a customer's own ID always resolves to it", source, outcome);
            }
        } else {
            boolean granted = outcome.getDecision() == ClaimDecision.GRANTED;
            String changeId = outcome.getChangeId();
            Map<String, Integer> unanswered = new HashMap<>(claims.getUnansweredClaims());
            unanswered.computeIfPresent(changeId, (id, count) -> count <= 1 ? null : count - 1);
            claims.setUnansweredClaims(unanswered);
            // An answer to anything but the alias's latest claim is stale: the alias was dropped, or dropped and
            // asked for again, since. It settles the count above and changes nothing else.
            changed = entry != null && changeId.equals(entry.getClaimChangeId());
            if (changed) {
                entry.setClaimChangeId(null);
                entry.setHeld(granted);
                stores.aliases.put(aliasKey, entry);
                claims.setClaimsInFlight(claims.getClaimsInFlight() - 1);
            }
            String originalKey = CustomerStores.originalKey(customerId, changeId);
            if (!granted) {
                reject(record, customerId, RefusalReason.ALIAS_IN_USE, inUseDetail(outcome),
                        source(stores.originals.get(originalKey), outcome), outcome);
            }
            settled = !unanswered.containsKey(changeId);
            if (settled) {
                stores.originals.delete(originalKey);
            }
        }
        boolean publish = changed && claims.getClaimsInFlight() == 0;
        if (publish || settled || changed && outcome.getDecision() == ClaimDecision.REVOKED) {
            // The customer record is written before its bookkeeping: a reader that sees the change settled in the
            // bookkeeping (read first) then finds the aliases it settled in the record.
            Customer customer = stores.customers.get(customerId);
            if (customer == null) {
                metrics.claimOutcome(outcome.getDecision(), OutcomeResult.CUSTOMER_MISSING);
                LOG.warn("Customer {} has bookkeeping but no record; answer to {} kept only there", customerId,
                        outcome.getAlias());
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
        metrics.claimOutcome(outcome.getDecision(), changed ? OutcomeResult.APPLIED : OutcomeResult.STALE);
    }

    private static String inUseDetail(ClaimOutcome outcome) {
        return outcome.getHolderIsCustomerId()
                ? "ingest alias '" + outcome.getAlias() + "' is the ID of customer " + outcome.getHolderCustomerId()
                : "ingest alias '" + outcome.getAlias() + "' is held by customer " + outcome.getHolderCustomerId();
    }

    private Source source(ChangeOriginal original, ClaimOutcome outcome) {
        if (original == null) {
            return new Source(customerChangesTopic, outcome.getSourcePartition(), outcome.getSourceOffset(), null, null);
        }
        return new Source(original.getSourceTopic(), original.getSourcePartition(), original.getSourceOffset(),
                bytes(original.getOriginalKey()), bytes(original.getOriginalValue()));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    private void reject(Record<String, ClaimOutcome> record, String customerId, RefusalReason reason, String detail,
            Source source, ClaimOutcome outcome) {
        metrics.refusal(reason);
        context.forward(new Record<>(customerId, Rejections.of(reason, detail, source, outcome.getChangeId(),
                outcome.getAlias(), Instant.ofEpochMilli(context.currentSystemTimeMs())), record.timestamp()),
                CustomerChangeProcessor.REJECTIONS_SINK);
    }
}
