package io.meterflow.aliassync.customer;

import io.meterflow.aliassync.AliasSyncMetrics;
import io.meterflow.aliassync.rejection.RefusalReason;
import io.meterflow.aliassync.rejection.Rejections;
import io.meterflow.aliassync.rejection.Rejections.Source;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.internal.aliassync.ChangeOriginal;
import io.meterflow.schemas.internal.aliassync.ClaimDecision;
import io.meterflow.schemas.internal.aliassync.ClaimOutcome;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 1 of alias-sync, back half: applies the ownership stage's decisions to the customer they concern. A grant
 * adds the alias to the customer's effective set; a refusal writes an {@code ALIAS_IN_USE} rejection carrying the
 * original change; a revocation removes the alias and writes {@code ALIAS_REVOKED}. When the last claim in flight
 * is answered, the customer's record is published.
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
        Customer customer = stores.customers.get(customerId);
        CustomerClaims claims = stores.claims.get(customerId);
        if (customer == null || claims == null) {
            // Only possible if the topics were tampered with: outcomes answer commands of existing customers.
            LOG.warn("Ignoring {} of alias for unknown customer {}", outcome.getDecision(), customerId);
            return;
        }
        AliasHoldings holdings = new AliasHoldings(customer.getIngestAliases(), claims);
        boolean changed;
        if (outcome.getDecision() == ClaimDecision.REVOKED) {
            changed = holdings.revoke(outcome.getAlias());
            if (changed) {
                Source source = new Source(customerChangesTopic, outcome.getSourcePartition(), outcome.getSourceOffset(),
                        null, null);
                reject(record, customerId, RefusalReason.ALIAS_REVOKED, "ingest alias '" + outcome.getAlias()
                        + "' is now the ID of customer " + outcome.getHolderCustomerId()
                        + ", and a customer's own ID always resolves to it", source, outcome);
            }
        } else {
            boolean granted = outcome.getDecision() == ClaimDecision.GRANTED;
            changed = holdings.answer(outcome.getAlias(), outcome.getChangeId(), granted);
            String originalKey = CustomerStores.originalKey(customerId, outcome.getChangeId());
            if (!granted) {
                reject(record, customerId, RefusalReason.ALIAS_IN_USE, inUseDetail(outcome),
                        source(stores.originals.get(originalKey), outcome), outcome);
            }
            if (holdings.allAnswered(outcome.getChangeId())) {
                stores.originals.delete(originalKey);
            }
        }
        holdings.writeTo(claims);
        customer.setIngestAliases(holdings.effective());
        stores.customers.put(customerId, customer);
        stores.claims.put(customerId, claims);
        if (changed && !holdings.hasPendingClaims()) {
            context.forward(new Record<>(customerId, customer, record.timestamp()), CustomerChangeProcessor.CUSTOMERS_SINK);
        }
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
