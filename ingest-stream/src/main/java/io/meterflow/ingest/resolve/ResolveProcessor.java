package io.meterflow.ingest.resolve;

import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.bindings.ApplyBindingProcessor;
import io.meterflow.ingest.bindings.ReplayPacer;
import io.meterflow.ingest.emit.RecordBudget;
import io.meterflow.ingest.emit.StoredUsage;
import io.meterflow.ingest.emit.UsageCodec;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.metrics.IngestMetrics.Outcome;
import io.meterflow.ingest.metrics.PendingGauges;
import io.meterflow.ingest.route.IncomingUsage;
import io.meterflow.ingest.validate.UsageValidator;
import io.meterflow.ingest.validate.Violation;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Processor {@code resolve}: every usage record ends here, in the task that owns its transaction ID, in exactly one
 * outcome: validate → de-duplicate → attribute or park.
 *
 * <ol>
 *   <li>Validate (against the stream's wall clock): a record refused before it could be read (too large, unreadable)
 *       or a broken rule sends a Rejection to usage-rejected. A rejection never reserves the transaction ID; a rule
 *       broken by a readable event is recorded for search (without the event's properties) only when no accepted
 *       event holds the ID.</li>
 *   <li>De-duplicate: an accepted event holding the ID (parked, or accepted within the dedup horizon) makes this a
 *       duplicate: counted, nothing forwarded.</li>
 *   <li>Attribute: the identifier as sent is looked up in this task's replica of the bindings. Bound: ASSIGN to
 *       usage-resolved keyed by the customer (DIRECT for a customer's own ID, ALIAS for an alias). Unbound: parked
 *       until {@code apply-binding} replays it, or until it expires.</li>
 * </ol>
 * The state that claims the ID is written in the same exactly-once transaction as the output.
 *
 * <p>A wall-clock punctuation every {@code expiry.interval} sends parked events older than the pending horizon to
 * usage-expired and refreshes the gauges; another, every {@code sweep.interval}, sweeps a bounded chunk of the ledger
 * for entries past their horizons.
 * Output values are {@link io.meterflow.ingest.emit.OutgoingUsage} (usage-resolved), Rejection or ExpiredUsage; the
 * topology routes each type to its topic.
 */
public final class ResolveProcessor implements Processor<String, IncomingUsage, String, Object> {

    private static final int MIN_SWEEP_CHUNK = 100;

    private final IngestConfig config;
    private final UsageValidator validator;
    private final int rejectedOriginalBytes;
    private final IngestMetrics metrics;
    private final PendingGauges gauges;
    private final ReplayPacer pacer;
    private ProcessorContext<String, Object> context;
    private UsageLedger ledger;
    private KeyValueStore<String, BoundCustomer> bindings;

    /** A processor with a replay pacer of its own (tests; the topology's tasks share one). */
    public ResolveProcessor(IngestConfig config, IngestMetrics metrics, PendingGauges gauges) {
        this(config, metrics, gauges, ReplayPacer.of(config));
    }

    /** A processor that tells {@code pacer} how late it reads live usage, so that replays yield to it. */
    public ResolveProcessor(IngestConfig config, IngestMetrics metrics, PendingGauges gauges, ReplayPacer pacer) {
        this.config = config;
        this.pacer = pacer;
        this.validator = config.validator();
        this.rejectedOriginalBytes = RecordBudget.rejectedOriginalBytes(config.maxEventBytes());
        this.metrics = metrics;
        this.gauges = gauges;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.ledger = new UsageLedger(context, config.horizons());
        this.bindings = context.getStateStore(ApplyBindingProcessor.BINDINGS_REPLICA);
        context.schedule(config.expiryInterval(), PunctuationType.WALL_CLOCK_TIME,
                metrics.punctuations().timed("expiry", this::expire));
        context.schedule(config.sweepInterval(), PunctuationType.WALL_CLOCK_TIME,
                metrics.punctuations().timed("sweep", this::sweep));
        publishGauges(context.currentSystemTimeMs());
    }

    @Override
    public void process(Record<String, IncomingUsage> record) {
        IncomingUsage in = record.value();
        long now = context.currentSystemTimeMs();
        pacer.liveLag(now - record.timestamp());
        if (in.refused() != null) {
            reject(in, in.refused(), record.timestamp(), now);
            return;
        }
        UsageEvent event = in.event();
        String transactionId = event.getTransactionId();
        Violation violation = validator.violation(event, now);
        if (violation != null) {
            if (UsageValidator.isUsableTransactionId(transactionId)) {
                ledger.recordRejection(transactionId, ledger.find(transactionId), event, violation.reason().name(),
                        violation.detail(), record.timestamp(), now);
            }
            reject(in, violation, record.timestamp(), now);
            return;
        }
        StoredUsage existing = ledger.find(transactionId);
        if (existing != null) {
            if (ledger.holdsTransactionId(existing.state(), now)) {
                ledger.countDuplicate(transactionId, existing);
                metrics.outcome(Outcome.DUPLICATE);
                return;
            }
            ledger.retire(transactionId, existing.state());
        }
        BoundCustomer binding = bindings.get(event.getCustomerId());
        if (binding != null) {
            StoredUsage stored = ledger.attribute(transactionId, event, in.eventBinary(), binding, record.timestamp(),
                    now);
            context.forward(new Record<>(binding.getCustomerId(), UsageCodec.assign(stored), record.timestamp()));
            metrics.attributedLive(now - record.timestamp());
        } else {
            ledger.park(transactionId, event, in.eventBinary(), record.timestamp(), now);
            metrics.outcome(Outcome.PENDING);
        }
    }

    private void reject(IncomingUsage in, Violation violation, long timestamp, long now) {
        context.forward(new Record<>(in.transactionId(),
                UsageCodec.rejection(in, violation, now, rejectedOriginalBytes), timestamp));
        metrics.rejected(violation.reason());
    }

    private void expire(long now) {
        for (UsageLedger.Expired expired : ledger.expirePending(now, config.expiryChunkSize())) {
            context.forward(new Record<>(expired.state().getEvent().getCustomerId(),
                    UsageCodec.expired(expired.state(), now), now));
            metrics.expired();
        }
        publishGauges(now);
    }

    /**
     * One step of the horizon sweep, sized so that a full pass over the ledger takes about {@code sweep.cycle}:
     * horizons are days long, so re-reading fresh entries at a fixed high rate would only cost throughput.
     */
    private void sweep(long now) {
        long entries = ledger.approximateEntries();
        long share = entries * config.sweepInterval().toMillis() / Math.max(1, config.sweepCycle().toMillis());
        int chunk = (int) Math.min(config.sweepMaxChunkSize(), Math.max(MIN_SWEEP_CHUNK, share));
        ledger.sweep(now, chunk);
    }

    private void publishGauges(long now) {
        gauges.publish(context.taskId(),
                new PendingGauges.Snapshot(ledger.pendingCount(), ledger.oldestPendingAcceptedAt(), now));
    }

    @Override
    public void close() {
        if (context != null) {
            gauges.remove(context.taskId());
        }
    }
}
