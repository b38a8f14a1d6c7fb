package io.meterflow.ingest.bindings;

import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.emit.FlatCodecs;
import io.meterflow.ingest.emit.OutgoingUsage;
import io.meterflow.ingest.emit.UsageCodec;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.metrics.PendingGauges;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.schemas.internal.ingest.IdentifierEntry;
import io.meterflow.schemas.internal.ingest.ReplayJob;
import io.meterflow.topics.Topics;
import io.meterflow.serde.ByteBuffers;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Processor {@code apply-binding}: applies each binding change from the {@code bindings-fanout} topic to this task's
 * replica of the bindings ({@value #BINDINGS_REPLICA}), and moves the usage the change concerns.
 *
 * <ul>
 *   <li>Released (tombstone): the identifier leaves the replica; its usage stays where it is until it is bound
 *       again, and a replay in progress for it stops. New usage under it is parked.</li>
 *   <li>Bound to the customer it already had (e.g. only the archived flag changed): nothing moves; usage read from
 *       now on gets the new flag.</li>
 *   <li>Bound to a new customer B (or bound for the first time): a replay job walks the identifier's entries in
 *       {@code usage-by-identifier}: parked events are attributed to B (REPLAYED); events attributed through the
 *       alias to another customer within the attribution horizon move (RETRACT from it, ASSIGN to B, REASSIGNED).
 *       A later change for the same identifier restarts the job with the new target; each entry's own status keeps
 *       that correct.</li>
 * </ul>
 * A job works in chunks of {@code replay.chunk.size} entries: the first chunk right away (most identifiers have
 * few events), the rest from a wall-clock punctuation every {@code replay.interval}, which stops early when the
 * task's part of {@code replay.max.thread.share} of that interval is spent ({@link ReplayPacer}), so live usage on
 * the same stream thread keeps flowing however many events wait. Unfinished jobs live in {@value #REPLAY_JOBS}, which
 * resumes them after a restart or rebalance.
 */
public final class ApplyBindingProcessor implements Processor<String, BoundCustomer, String, OutgoingUsage> {

    public static final String BINDINGS_REPLICA = "bindings-replica";
    public static final String REPLAY_JOBS = "replay-jobs";
    /** Entries one step of a punctuation handles before the time allowance is checked again. */
    static final int SUB_STEP = 100;

    private final IngestConfig config;
    private final IngestMetrics metrics;
    private final PendingGauges gauges;
    private final ReplayPacer pacer;
    private ProcessorContext<String, OutgoingUsage> context;
    private UsageLedger ledger;
    private KeyValueStore<String, BoundCustomer> replica;
    private KeyValueStore<String, ReplayJob> jobs;
    private String lastServed;
    private Cancellable replaySchedule;

    /** A processor with a pacer of its own (tests; the topology's tasks share one). */
    public ApplyBindingProcessor(IngestConfig config, IngestMetrics metrics, PendingGauges gauges) {
        this(config, metrics, gauges, ReplayPacer.of(config));
    }

    /** A processor whose replays {@code pacer} paces (one per topology, shared with {@code resolve}). */
    public ApplyBindingProcessor(IngestConfig config, IngestMetrics metrics, PendingGauges gauges, ReplayPacer pacer) {
        this.config = config;
        this.metrics = metrics;
        this.gauges = gauges;
        this.pacer = pacer;
    }

    /** The replica of the bindings (read by {@code resolve} on every event) and the unfinished replay jobs. */
    public static List<StoreBuilder<?>> storeBuilders(Topics topics) {
        return storeBuilders(topics, Stores::persistentKeyValueStore);
    }

    /**
     * The same stores with the same serdes, kept in what {@code stores} supplies for each name: persistent in the
     * app, {@code Stores::inMemoryKeyValueStore} in unit tests.
     */
    public static List<StoreBuilder<?>> storeBuilders(Topics topics,
            Function<String, KeyValueBytesStoreSupplier> stores) {
        return List.of(
                Stores.keyValueStoreBuilder(stores.apply(BINDINGS_REPLICA),
                        Serdes.String(), FlatCodecs.boundCustomer(topics.serdeConfig())).withCachingDisabled(),
                Stores.keyValueStoreBuilder(stores.apply(REPLAY_JOBS),
                        Serdes.String(), topics.valueSerde(ReplayJob.class)).withCachingDisabled());
    }

    @Override
    public void init(ProcessorContext<String, OutgoingUsage> context) {
        this.context = context;
        this.ledger = new UsageLedger(context, config.horizons());
        this.replica = context.getStateStore(BINDINGS_REPLICA);
        this.jobs = context.getStateStore(REPLAY_JOBS);
        try (KeyValueIterator<String, ReplayJob> it = jobs.all()) {
            if (it.hasNext()) {
                scheduleJobs(); // jobs restored from the changelog go on
            }
        }
    }

    @Override
    public void process(Record<String, BoundCustomer> record) {
        String identifier = record.key();
        BoundCustomer binding = record.value();
        long now = context.currentSystemTimeMs();
        BoundCustomer previous = replica.get(identifier);
        ReplayJob running = jobs.get(identifier);
        metrics.bindingChanged(binding != null);
        if (binding == null) {
            if (previous != null) {
                replica.delete(identifier);
            }
            if (running != null) {
                jobs.delete(identifier);
            }
            return;
        }
        replica.put(identifier, binding);
        if (previous != null && previous.getCustomerId().equals(binding.getCustomerId())
                && previous.getIsCustomerId() == binding.getIsCustomerId()) {
            if (running != null && running.getArchived() != binding.getArchived()) {
                running.setArchived(binding.getArchived());
                jobs.put(identifier, running);
            }
            return;
        }
        ReplayJob job = new ReplayJob(binding.getCustomerId(), binding.getIsCustomerId(), binding.getArchived(),
                null, now);
        int done = step(identifier, job, config.replayChunkSize(), now);
        if (done < config.replayChunkSize()) {
            if (running != null) {
                jobs.delete(identifier);
            }
        } else {
            jobs.put(identifier, job);
            scheduleJobs();
        }
    }

    /**
     * Continues unfinished jobs with at most one chunk's worth of entries in all, taking turns between identifiers,
     * and for no longer than the {@link ReplayPacer} allows this task now.
     */
    private void continueJobs(long now) {
        List<KeyValue<String, ReplayJob>> pending = new ArrayList<>();
        try (KeyValueIterator<String, ReplayJob> it = jobs.all()) {
            it.forEachRemaining(pending::add);
        }
        if (pending.isEmpty()) {
            gauges.publishReplayJobs(context.taskId(), 0);
            unscheduleJobs();
            return;
        }
        int start = 0;
        if (lastServed != null) {
            for (int i = 0; i < pending.size(); i++) {
                if (pending.get(i).key.compareTo(lastServed) > 0) {
                    start = i;
                    break;
                }
            }
        }
        long allowance = pacer.allowance(context.taskId());
        if (allowance == 0) {
            gauges.publishReplayJobs(context.taskId(), pending.size());
            return;
        }
        long startedAt = pacer.nanos();
        int budget = config.replayChunkSize();
        int remaining = pending.size();
        for (int n = 0; n < pending.size() && budget > 0 && pacer.nanos() - startedAt < allowance; n++) {
            KeyValue<String, ReplayJob> entry = pending.get((start + n) % pending.size());
            boolean finished = false;
            // Steps of at most SUB_STEP entries, so that the time allowance is checked between them.
            while (budget > 0) {
                int limit = Math.min(budget, SUB_STEP);
                int done = step(entry.key, entry.value, limit, now);
                budget -= done;
                if (done < limit) {
                    finished = true;
                    break;
                }
                if (pacer.nanos() - startedAt >= allowance) {
                    break;
                }
            }
            lastServed = entry.key;
            if (finished) {
                jobs.delete(entry.key);
                remaining--;
            } else {
                jobs.put(entry.key, entry.value);
            }
        }
        pacer.spent(context.taskId(), pacer.nanos() - startedAt);
        gauges.publishReplayJobs(context.taskId(), remaining);
        if (remaining == 0) {
            unscheduleJobs();
        }
    }

    /**
     * The replay punctuation runs only while the task has unfinished jobs. Kafka Streams halves the records it
     * processes per task between punctuations after every loop in which one ran, so an idle punctuation every
     * {@code replay.interval} in every task would hold live usage to a few records per loop at all times.
     */
    private void scheduleJobs() {
        if (replaySchedule == null) {
            replaySchedule = context.schedule(config.replayInterval(), PunctuationType.WALL_CLOCK_TIME,
                    metrics.punctuations().timed("replay", this::continueJobs));
        }
    }

    private void unscheduleJobs() {
        if (replaySchedule != null) {
            replaySchedule.cancel();
            replaySchedule = null;
        }
    }

    /**
     * Applies {@code job}'s target to up to {@code limit} of {@code identifier}'s entries after the job's cursor,
     * emitting what moves, and advances the cursor. Returns how many entries it looked at: fewer than {@code limit}
     * means the job is complete.
     */
    private int step(String identifier, ReplayJob job, int limit, long now) {
        BoundCustomer target = new BoundCustomer(job.getCustomerId(), job.getIsCustomerId(), job.getArchived());
        byte[] resumeAfter = job.getResumeAfter() == null ? null : ByteBuffers.copyOf(job.getResumeAfter());
        List<KeyValue<Bytes, IdentifierEntry>> chunk = ledger.identifierChunk(identifier, resumeAfter, limit);
        for (UsageLedger.Applied applied : ledger.applyBinding(identifier, chunk, target, now)) {
            switch (applied.change()) {
                case NONE -> {
                }
                case REPLAYED -> {
                    emit(applied.usage().state().getCustomerId(), UsageCodec.assign(applied.usage()), now);
                    metrics.replayed(now - applied.usage().state().getIngestedAt());
                }
                case REASSIGNED -> {
                    emit(applied.previousCustomer(), UsageCodec.retract(applied.usage(), applied.previousCustomer(),
                            applied.previousArchived(), now), now);
                    emit(applied.usage().state().getCustomerId(), UsageCodec.assign(applied.usage()), now);
                    metrics.reassigned();
                }
            }
        }
        if (!chunk.isEmpty()) {
            job.setResumeAfter(ByteBuffer.wrap(chunk.get(chunk.size() - 1).key.get()));
        }
        return chunk.size();
    }

    private void emit(String customerId, OutgoingUsage usage, long now) {
        context.forward(new Record<>(customerId, usage, now));
    }

    @Override
    public void close() {
        unscheduleJobs();
        if (context != null) {
            gauges.remove(context.taskId());
        }
    }
}
