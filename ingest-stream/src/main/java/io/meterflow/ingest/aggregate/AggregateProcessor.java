package io.meterflow.ingest.aggregate;

import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.aggregate.AggregateLedger.Outcome;
import io.meterflow.ingest.aggregate.AggregationMetrics.Kind;
import io.meterflow.ingest.billablemetrics.BillableMetricsStore;
import io.meterflow.ingest.metrics.PunctuationTimes;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.GroupValue;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageAggregate;
import io.meterflow.schemas.UsageAggregateKey;
import io.meterflow.schemas.UsageKind;
import io.meterflow.schemas.internal.ingest.AggregateEvent;
import io.meterflow.schemas.internal.ingest.AggregateState;
import io.meterflow.schemas.internal.ingest.MetricProgress;
import io.meterflow.serde.ByteBuffers;
import io.meterflow.serde.SchemaRegistryException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processor {@code aggregate}: folds usage-resolved (keyed by customer, so all of a customer's usage meets its
 * aggregates in this task) into per-hour aggregates of every billable metric, ASSIGN adding and RETRACT removing, and
 * writes each changed aggregate to usage-aggregates.
 *
 * <p><b>Publication.</b> A fold marks the rows it changes in {@value AggregateLedger#DIRTY}; a wall-clock punctuation
 * every {@code aggregation.publish.interval} writes the current value of every marked row to usage-aggregates and
 * unmarks them, in one transaction. So a row changed by many events in one interval is published once, with its last
 * value, and a marker outlives a crash or a rebalance (it is in the changelog): the next owner publishes it.
 *
 * <p><b>Which metrics.</b> The {@value AggregateLedger#PROGRESS} store decides, never the global store alone: the
 * global store is not part of the task's transaction, so after a crash the task must redo exactly what it did. A
 * wall-clock punctuation every {@code aggregation.backfill.interval} compares the two: a new active metric gets an
 * entry and a backfill; an archived one stops folding; a removed one loses its entry (and the sweep its rows); one
 * changed in place becomes a new version (the entry's {@code set_up_at}, part of every row key), rebuilt by a backfill
 * while the sweep drops the old version.
 *
 * <p><b>Backfill.</b> A new metric covers the usage the task still holds ({@value AggregateLedger#EVENTS}): each step
 * folds the next {@code aggregation.backfill.chunk.size} held events (in key order) into the metrics still
 * backfilling, advancing each one's cursor. Live records keep flowing: while metric M backfills, a live ASSIGN or
 * RETRACT is folded into M only if its held-event key is at or below M's cursor; the rest the backfill will fold (or,
 * retracted, never see), because the live path updates the held events first. All of it runs in one task, so it is
 * exact.
 */
public final class AggregateProcessor implements Processor<byte[], byte[], UsageAggregateKey, UsageAggregate> {

    private static final Logger LOG = LoggerFactory.getLogger(AggregateProcessor.class);
    private static final long HOUR_MS = 3_600_000L;
    /**
     * Longest metric ID aggregated, in UTF-8 bytes (the API's are UUIDs; only a record written to billable-metrics
     * directly can have a longer one): it is in every key, and bounds the records ({@link AggregateRecordBudget}).
     */
    public static final int MAX_METRIC_ID_BYTES = 512;

    private final IngestConfig config;
    private final Deserializer<ResolvedUsage> values;
    private final AggregationMetrics metrics;
    private ProcessorContext<UsageAggregateKey, UsageAggregate> context;
    private AggregateLedger ledger;
    private KeyValueStore<String, BillableMetric> definitions;
    /** The progress store, as read at start and written through since. */
    private TreeMap<String, MetricProgress> progress;
    /** Compiled definitions of the metrics in {@link #progress}. */
    private final Map<String, CompiledMetric> compiled = new HashMap<>();
    private final java.util.Set<String> refusedIds = new java.util.HashSet<>();
    private Bytes rowsSweepCursor;
    private Bytes valuesSweepCursor;
    private Bytes eventsSweepCursor;

    public AggregateProcessor(IngestConfig config, Deserializer<ResolvedUsage> values, AggregationMetrics metrics) {
        this.config = config;
        this.values = values;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<UsageAggregateKey, UsageAggregate> context) {
        this.context = context;
        this.ledger = new AggregateLedger(context);
        this.definitions = context.getStateStore(BillableMetricsStore.STORE);
        this.progress = ledger.allProgress();
        compiled.clear();
        for (String id : progress.keySet()) {
            BillableMetric definition = definitions.get(id);
            if (definition != null) {
                compiled.put(id, CompiledMetric.of(definition));
            }
        }
        PunctuationTimes punctuations = metrics.punctuations();
        context.schedule(config.backfillInterval(), PunctuationType.WALL_CLOCK_TIME,
                punctuations.timed("aggregation-backfill", this::checkMetricsAndBackfill));
        context.schedule(config.sweepInterval(), PunctuationType.WALL_CLOCK_TIME,
                punctuations.timed("aggregation-sweep", this::sweep));
        context.schedule(config.aggregationPublishInterval(), PunctuationType.WALL_CLOCK_TIME,
                punctuations.timed("aggregation-publish", this::publish));
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        ResolvedUsage usage = decode(record);
        if (usage == null) {
            metrics.record(Kind.UNREADABLE);
            return;
        }
        long now = context.currentSystemTimeMs();
        String customerId = usage.getCustomerId();
        String transactionId = usage.getTransactionId();
        Bytes eventKey = AggregateKeys.event(customerId, transactionId);
        AggregateEvent held = ledger.held(eventKey);
        int sign;
        if (usage.getKind() == UsageKind.ASSIGN) {
            if (held != null) {
                metrics.record(Kind.DUPLICATE_ASSIGN);
                return;
            }
            held = new AggregateEvent(usage.getEventType(), usage.getEventTime().toEpochMilli(),
                    usage.getIngestedAt().toEpochMilli(), now, usage.getProperties());
            ledger.hold(eventKey, held);
            sign = 1;
            metrics.record(Kind.ASSIGN);
        } else {
            if (held == null) {
                // Its ASSIGN was never folded here (or is past every horizon): nothing to take back.
                metrics.record(Kind.UNMATCHED_RETRACT);
                return;
            }
            ledger.release(eventKey);
            sign = -1;
            metrics.record(Kind.RETRACT);
        }
        for (Map.Entry<String, MetricProgress> entry : progress.entrySet()) {
            MetricProgress p = entry.getValue();
            CompiledMetric metric = compiled.get(entry.getKey());
            if (metric == null || p.getArchived() || (p.getBackfilling() && !folded(p, eventKey))) {
                continue;
            }
            fold(customerId, transactionId, held, metric, p.getSetUpAt(), sign, now);
        }
    }

    /** Whether the backfill of a metric has passed {@code eventKey} (so the live path must fold it). */
    private static boolean folded(MetricProgress p, Bytes eventKey) {
        if (p.getBackfillCursor() == null) {
            return false;
        }
        return Arrays.compareUnsigned(eventKey.get(), ByteBuffers.copyOf(p.getBackfillCursor())) <= 0;
    }

    private void fold(String customerId, String transactionId, AggregateEvent event, CompiledMetric metric,
            long version, int sign, long now) {
        Outcome outcome = ledger.fold(customerId, transactionId, event, metric, version, sign, now);
        switch (outcome) {
            case FOLDED -> metrics.updated(AggregateLedger.hourOf(event.getEventTime()) < AggregateLedger.hourOf(now));
            case UNMATCHED_RETRACT -> metrics.record(Kind.UNMATCHED_RETRACT);
            case NOT_MATCHED -> {
            }
            default -> {
                if (sign > 0) {
                    metrics.valueError(AggregateLedger.problem(outcome));
                }
            }
        }
    }

    private ResolvedUsage decode(Record<byte[], byte[]> record) {
        if (record.value() == null) {
            skip("it has no value");
            return null;
        }
        try {
            String topic = context.recordMetadata().map(m -> m.topic()).orElse("usage-resolved");
            return values.deserialize(topic, record.value());
        } catch (SchemaRegistryException e) {
            if (!e.isRecordsFault()) {
                throw e; // the registry failed, not the record: read it again after a restart
            }
            skip("it is not a ResolvedUsage (" + e.getMessage() + ")");
            return null;
        } catch (SerializationException e) {
            skip("it is not a ResolvedUsage (" + e.getMessage() + ")");
            return null;
        }
    }

    private void skip(String why) {
        String where = context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
                .orElse("usage-resolved");
        LOG.warn("The aggregation skipped the record at {}: {}", where, why);
    }

    // ---- metrics and backfill ---------------------------------------------------------------------------------

    private void checkMetricsAndBackfill(long now) {
        checkMetrics(now);
        backfill(now);
        metrics.backfillsRunning(context.taskId(),
                (int) progress.values().stream().filter(p -> p.getBackfilling() && !p.getArchived()).count());
    }

    /** Sets up new metrics, stops archived ones, forgets removed ones. */
    private void checkMetrics(long now) {
        Map<String, BillableMetric> current = new HashMap<>();
        try (KeyValueIterator<String, BillableMetric> it = definitions.all()) {
            it.forEachRemaining(kv -> current.put(kv.key, kv.value));
        }
        for (BillableMetric definition : current.values()) {
            String id = definition.getId();
            MetricProgress p = progress.get(id);
            if (p == null && id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_METRIC_ID_BYTES) {
                if (refusedIds.add(id)) {
                    LOG.warn("Billable metric {}… is not aggregated: its ID is longer than {} bytes",
                            id.substring(0, 64), MAX_METRIC_ID_BYTES);
                }
                continue;
            }
            long updatedAt = definition.getUpdatedAt().toEpochMilli();
            if (p == null) {
                if (definition.getArchivedAt() == null) {
                    MetricProgress setUp = new MetricProgress(updatedAt, false, true, null, now, completeFrom(now));
                    putProgress(id, setUp);
                    compiled.put(id, CompiledMetric.of(definition));
                }
                continue;
            }
            if (p.getMetricUpdatedAt() == updatedAt) {
                // Unchanged; compiled here if the definition reached the global store after init.
                compiled.computeIfAbsent(id, unused -> CompiledMetric.of(definition));
                continue;
            }
            if (definition.getArchivedAt() != null) {
                p.setArchived(true);
                p.setBackfilling(false);
                p.setBackfillCursor(null);
                p.setMetricUpdatedAt(updatedAt);
                putProgress(id, p);
            } else if (!p.getArchived()) {
                // Changed in place (only a direct write to billable-metrics can): a new version, rebuilt from the
                // held usage like a new metric; the sweep drops the old version's rows.
                LOG.warn("Billable metric {} changed (updated_at {}) after this task set it up: its aggregates are"
                        + " rebuilt from the usage still held", id, definition.getUpdatedAt());
                putProgress(id, new MetricProgress(updatedAt, false, true, null, now, completeFrom(now)));
            }
            compiled.put(id, CompiledMetric.of(definition));
        }
        for (String id : new ArrayList<>(progress.keySet())) {
            if (!current.containsKey(id)) {
                progress.remove(id);
                compiled.remove(id);
                ledger.deleteProgress(id);
            }
        }
    }

    /** The first hour a metric set up {@code now} holds completely once its backfill is done. */
    private long completeFrom(long now) {
        return BackfillStatus.completeFrom(now, config);
    }

    /** One chunk of held events in all, shared by the metrics backfilling. */
    private void backfill(long now) {
        int budget = config.backfillChunkSize();
        for (Map.Entry<String, MetricProgress> entry : progress.entrySet()) {
            MetricProgress p = entry.getValue();
            CompiledMetric metric = compiled.get(entry.getKey());
            if (budget <= 0) {
                break;
            }
            if (!p.getBackfilling() || p.getArchived() || metric == null) {
                continue;
            }
            byte[] after = p.getBackfillCursor() == null ? null : ByteBuffers.copyOf(p.getBackfillCursor());
            List<KeyValue<Bytes, AggregateEvent>> chunk = ledger.heldChunk(after, budget);
            for (KeyValue<Bytes, AggregateEvent> held : chunk) {
                fold(AggregateKeys.customerId(held.key), AggregateKeys.eventTransactionId(held.key), held.value,
                        metric, p.getSetUpAt(), 1, now);
            }
            metrics.backfilled(chunk.size());
            if (chunk.size() < budget) {
                p.setBackfilling(false);
                p.setBackfillCursor(null);
            } else {
                p.setBackfillCursor(ByteBuffer.wrap(chunk.get(chunk.size() - 1).key.get()));
            }
            budget -= chunk.size();
            putProgress(entry.getKey(), p);
        }
    }

    private void putProgress(String id, MetricProgress p) {
        progress.put(id, p);
        ledger.putProgress(id, p);
    }

    private void sweep(long now) {
        int limit = config.sweepMaxChunkSize();
        AggregateLedger.VersionCheck current = (id, version) -> {
            MetricProgress p = progress.get(id);
            return p != null && p.getSetUpAt() == version;
        };
        long retentionMs = config.aggregationRetention().toMillis();
        rowsSweepCursor = ledger.sweepRows(rowsSweepCursor, now, retentionMs, limit, current);
        valuesSweepCursor = ledger.sweepValues(valuesSweepCursor, now, config.aggregationWindowCloseMs(), retentionMs,
                limit, current, id -> compiled.containsKey(id) && compiled.get(id).type() == AggregationType.UNIQUE);
        eventsSweepCursor = ledger.sweepEvents(eventsSweepCursor, now, config.aggregationEventKeepMs(), limit);
    }

    // ---- output -----------------------------------------------------------------------------------------------

    /**
     * Publishes the current value of every row marked since the last publication and unmarks them, all in this
     * punctuation's transaction. All of them, not a chunk: the markers are the rows changed in about one interval (every
     * publication clears them), each of which the fold has already paid for, so this is never more work than publishing
     * on every change was; a chunk would only delay values. A row swept since it was marked, or of a metric version the
     * task no longer folds (changed in place, removed), is unmarked without a record; a row of a current version whose
     * definition the global store does not hold yet keeps its marker.
     */
    private void publish(long now) {
        List<Bytes> dirty = ledger.dirtyRows();
        if (dirty.isEmpty()) {
            return;
        }
        int published = 0;
        List<Bytes> done = new ArrayList<>(dirty.size());
        for (Bytes key : dirty) {
            AggregateState state = ledger.row(key);
            String metricId = AggregateKeys.metricIdOf(key.get());
            MetricProgress p = progress.get(metricId);
            boolean current = p != null && p.getSetUpAt() == AggregateKeys.versionOf(key.get());
            CompiledMetric metric = compiled.get(metricId);
            if (state != null && current && metric == null) {
                continue; // its definition is not in the global store yet: kept for a later publication
            }
            done.add(key);
            AggregateKeys.Row row = state == null || !current ? null : decode(key, metric);
            if (row == null) {
                continue;
            }
            List<GroupValue> group = new ArrayList<>();
            if (row.slice() > 0) {
                List<String> names = metric.groupKeys().get(row.slice() - 1);
                for (int i = 0; i < names.size(); i++) {
                    group.add(new GroupValue(names.get(i), row.groupValues().get(i)));
                }
            }
            Instant start = Instant.ofEpochMilli(row.hour());
            BillableMetric definition = metric.definition();
            UsageAggregateKey recordKey = new UsageAggregateKey(row.customerId(), definition.getId(), start, group);
            UsageAggregate value = new UsageAggregate(row.customerId(), definition.getId(), definition.getName(),
                    definition.getAggregationType().name(), start, start.plusMillis(HOUR_MS), group,
                    state.getValue(), state.getEventCount(), Instant.ofEpochMilli(state.getUpdatedAt()));
            context.forward(new Record<>(recordKey, value, now));
            published++;
        }
        ledger.clearDirty(done);
        metrics.published(published);
    }

    /**
     * The row key decoded with the metric's group keys; null if they do not describe it (only a definition written
     * over, archived, with other group keys can do that: its rows are not published again).
     */
    private static AggregateKeys.Row decode(Bytes key, CompiledMetric metric) {
        int[] sizes = metric.groupKeys().stream().mapToInt(List::size).toArray();
        try {
            AggregateKeys.Row row = AggregateKeys.decodeRow(key, sizes);
            if (row == null || !AggregateKeys.row(row.customerId(), row.metricId(), row.version(), row.hour(),
                    row.slice(), row.groupValues()).equals(key)) {
                return null;
            }
            return row;
        } catch (java.nio.BufferUnderflowException e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (context != null) {
            metrics.remove(context.taskId());
        }
    }
}
