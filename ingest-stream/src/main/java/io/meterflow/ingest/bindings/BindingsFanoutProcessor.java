package io.meterflow.ingest.bindings;

import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.validate.UsageValidator;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.serde.SchemaRegistryException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
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
 *
 * <p>alias-bindings is read as bytes and decoded here, not by the source: anyone who can write to the topic could
 * write a record that is not an AliasBinding, and a deserialization error in a source node stops the stream thread.
 * Such a record binds nothing: it is logged with its coordinates and counted as
 * {@code binding.changes{change=unreadable}}; a record without a key binds nothing either, counted as
 * {@code binding.changes{change=keyless}}. So every record read here is forwarded or counted as a drop. A schema
 * registry that fails is not the record's fault unless it answered that the schema does not exist or is not Avro
 * ({@link SchemaRegistryException#isRecordsFault()}, as for usage and customer changes): otherwise its error is
 * rethrown, and the binding is read again once the app restarts instead of being lost.
 */
public final class BindingsFanoutProcessor implements Processor<byte[], byte[], String, BoundCustomer> {

    private static final Logger LOG = LoggerFactory.getLogger(BindingsFanoutProcessor.class);

    private final IngestMetrics metrics;
    private final Deserializer<AliasBinding> bindings;
    private ProcessorContext<String, BoundCustomer> context;

    /** @param bindings reads alias-bindings values; it should read strings strictly (identifiers must not collide) */
    public BindingsFanoutProcessor(IngestMetrics metrics, Deserializer<AliasBinding> bindings) {
        this.metrics = metrics;
        this.bindings = bindings;
    }

    @Override
    public void init(ProcessorContext<String, BoundCustomer> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> raw) {
        if (raw.key() == null) {
            // alias-bindings is keyed by identifier: a keyless record binds nothing (alias-sync never writes one).
            metrics.bindingKeyless();
            return;
        }
        String identifier;
        AliasBinding binding;
        try {
            identifier = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw.key())).toString();
            RecordMetadata source = context.recordMetadata().orElseThrow();
            binding = raw.value() == null ? null : bindings.deserialize(source.topic(), raw.value());
        } catch (SchemaRegistryException e) {
            if (!e.isRecordsFault()) {
                // A registry outage says nothing about the binding: dropping it would park its usage for good.
                throw e;
            }
            ignoreUnreadable(e);
            return;
        } catch (CharacterCodingException | RuntimeException | StackOverflowError e) {
            ignoreUnreadable(e);
            return;
        }
        if (!UsageValidator.fitsIdLength(identifier)) {
            metrics.bindingIgnored();
            LOG.warn("Ignored a binding of an identifier of {} characters: no usage can be sent under it",
                    identifier.codePointCount(0, identifier.length()));
            return;
        }
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
        context.forward(new Record<>(identifier, bound, raw.timestamp(), raw.headers()));
    }

    private void ignoreUnreadable(Throwable e) {
        metrics.bindingUnreadable();
        RecordMetadata source = context.recordMetadata().orElse(null);
        LOG.warn("Ignored an unreadable record on alias-bindings ({}): {}", source == null ? "?"
                : source.topic() + "-" + source.partition() + "@" + source.offset(), e.toString());
    }
}
