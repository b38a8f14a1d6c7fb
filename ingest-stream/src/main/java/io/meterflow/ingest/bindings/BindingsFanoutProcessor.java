package io.meterflow.ingest.bindings;

import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.validate.UsageValidator;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processor {@code bindings-fanout}: reads alias-bindings and keeps only what attribution needs ({@link BoundCustomer};
 * a tombstone stays a tombstone). Its output goes to the {@code bindings-fanout} repartition topic through
 * {@link AllPartitions}, so every task of the main sub-topology holds a full replica of the bindings and usage never
 * has to be repartitioned by identifier.
 *
 * <p>Identifiers and customer IDs are keys of ingest-stream's stores and outputs, so their size is part of every
 * record's budget ({@code RecordBudget}): a binding whose identifier has more than 128 characters is ignored (no usage
 * can be sent under it: such usage is rejected {@code CUSTOMER_ID_TOO_LONG}), and one to a customer ID of more than
 * 128 characters is applied as a release (usage under the identifier is parked rather than attributed to an ID no
 * customer can have). alias-sync writes neither; both are counted as {@code binding.changes{change=ignored}}.
 */
public final class BindingsFanoutProcessor implements Processor<String, AliasBinding, String, BoundCustomer> {

    private static final Logger LOG = LoggerFactory.getLogger(BindingsFanoutProcessor.class);

    private final IngestMetrics metrics;
    private ProcessorContext<String, BoundCustomer> context;

    public BindingsFanoutProcessor(IngestMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, BoundCustomer> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, AliasBinding> record) {
        String identifier = record.key();
        if (identifier == null) {
            return; // alias-bindings is keyed by identifier; a keyless record binds nothing
        }
        if (!UsageValidator.fitsIdLength(identifier)) {
            metrics.bindingIgnored();
            LOG.warn("Ignored a binding of an identifier of {} characters: no usage can be sent under it",
                    identifier.codePointCount(0, identifier.length()));
            return;
        }
        AliasBinding binding = record.value();
        BoundCustomer bound = null;
        if (binding != null) {
            if (UsageValidator.fitsIdLength(binding.getCustomerId())) {
                bound = new BoundCustomer(binding.getCustomerId(), binding.getIsCustomerId(), binding.getArchived());
            } else {
                metrics.bindingIgnored();
                LOG.warn("Applied a binding of {} to a customer ID of {} characters as a release: no customer ID is "
                        + "longer than {}", identifier, binding.getCustomerId().length(), UsageValidator.MAX_ID_LENGTH);
            }
        }
        context.forward(record.withValue(bound));
    }
}
