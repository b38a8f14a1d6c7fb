package io.meterflow.ingest.bindings;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Processor {@code bindings-fanout}: reads alias-bindings and keeps only what attribution needs ({@link BoundCustomer};
 * a tombstone stays a tombstone). Its output goes to the {@code bindings-fanout} repartition topic through
 * {@link AllPartitions}, so every task of the main sub-topology holds a full replica of the bindings and usage never
 * has to be repartitioned by identifier.
 */
public final class BindingsFanoutProcessor implements Processor<String, AliasBinding, String, BoundCustomer> {

    private ProcessorContext<String, BoundCustomer> context;

    @Override
    public void init(ProcessorContext<String, BoundCustomer> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, AliasBinding> record) {
        if (record.key() == null) {
            return; // alias-bindings is keyed by identifier; a keyless record binds nothing
        }
        AliasBinding binding = record.value();
        BoundCustomer bound = binding == null ? null
                : new BoundCustomer(binding.getCustomerId(), binding.getIsCustomerId(), binding.getArchived());
        context.forward(record.withValue(bound));
    }
}
