package io.meterflow.ingest.route;

import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.validate.UsageValidator;
import io.meterflow.ingest.validate.Violation;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Processor {@code route}: reads usage-events as raw bytes, parses each value and decides where it is resolved.
 * Everything is partitioned by transaction ID (so de-duplication is a local key lookup): a record that already sits
 * in the partition owning its transaction ID goes straight on to {@code resolve}; any other is marked for the
 * {@code usage-rerouted} repartition topic, keyed by its transaction ID, with its original coordinates and key in
 * {@link SourceHeaders}. Unreadable records and records without a usable transaction ID stay local: {@code resolve}
 * rejects them without touching any store.
 *
 * <p>A record larger than {@code validation.max.event.bytes} (key plus value, as read) is refused first, on its
 * sizes alone: it is not parsed, not rerouted, and nothing of it is stored. That is what bounds every record
 * ingest-stream writes (see {@code RecordBudget}): the hop copies the value and the key, the ledger and the outputs
 * copy the event.
 */
public final class RouteProcessor implements Processor<byte[], byte[], String, IncomingUsage> {

    private final UsageParser parser;
    private final UsageValidator validator;
    private final int partitions;
    private final IngestMetrics metrics;
    private ProcessorContext<String, IncomingUsage> context;

    public RouteProcessor(UsageParser parser, UsageValidator validator, int partitions, IngestMetrics metrics) {
        this.parser = parser;
        this.validator = validator;
        this.partitions = partitions;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, IncomingUsage> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        int partition = source.partition();
        if (partition >= partitions) {
            // The decision below would send records to the wrong owner and break de-duplication; refuse to run.
            throw new IllegalStateException(source.topic() + " has a partition " + partition + " but ingest-stream was"
                    + " built for " + partitions + " partitions; the partition count of usage-events must not change"
                    + " under a running application ID");
        }
        Violation tooLarge = validator.sizeViolation(recordBytes(record.key(), record.value()));
        if (tooLarge != null) {
            context.forward(new Record<>(null, new IncomingUsage(null, tooLarge, record.key(), record.value(),
                    source.topic(), partition, source.offset(), true, null), record.timestamp()));
            return;
        }
        UsageParser.Parsed parsed = parser.parse(source.topic(), record.value());
        String transactionId = parsed.event() == null ? null : parsed.event().getTransactionId();
        boolean local = !UsageValidator.isUsableTransactionId(transactionId)
                || TransactionPartitioner.partitionOf(transactionId, partitions) == partition;
        IncomingUsage incoming = new IncomingUsage(parsed.event(), parsed.refused(), record.key(), record.value(),
                source.topic(), partition, source.offset(), local, parsed.binary());
        if (local) {
            context.forward(new Record<>(transactionId, incoming, record.timestamp()));
        } else {
            metrics.rerouted();
            context.forward(new Record<>(transactionId, incoming, record.timestamp(),
                    SourceHeaders.of(source.topic(), partition, source.offset(), record.key())));
        }
    }

    /** The size of a usage-events record as {@code validation.max.event.bytes} measures it: key plus value bytes. */
    static long recordBytes(byte[] key, byte[] value) {
        return (key == null ? 0L : key.length) + (value == null ? 0L : value.length);
    }
}
