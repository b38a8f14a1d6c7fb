package io.meterflow.ingest.aggregate;

import io.meterflow.ingest.aggregate.CompiledMetric.Problem;
import io.meterflow.ingest.metrics.PunctuationTimes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.processor.TaskId;

/**
 * The aggregation's meters (no per-customer or per-metric tags), created once per topology. Counters are process
 * metrics, not part of the exactly-once transaction: a record reprocessed after a crash is counted again.
 */
public final class AggregationMetrics {

    public static final String RECORDS = "meterflow.aggregation.records";
    public static final String UPDATES = "meterflow.aggregation.updates";
    public static final String VALUE_ERRORS = "meterflow.aggregation.value.errors";
    public static final String PUBLISHED = "meterflow.aggregation.published";
    public static final String BACKFILL_EVENTS = "meterflow.aggregation.backfill.events";
    public static final String BACKFILLS_RUNNING = "meterflow.aggregation.backfills.running";

    /** What became of one usage-resolved record. */
    public enum Kind {
        ASSIGN, RETRACT, UNREADABLE, UNMATCHED_RETRACT, DUPLICATE_ASSIGN;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Kind, Counter> records = new EnumMap<>(Kind.class);
    private final Map<Problem, Counter> errors = new EnumMap<>(Problem.class);
    private final Counter currentUpdates;
    private final Counter lateUpdates;
    private final Counter published;
    private final Counter backfilled;
    private final Map<TaskId, Integer> running = new ConcurrentHashMap<>();
    private final PunctuationTimes punctuations;

    public AggregationMetrics(MeterRegistry registry) {
        punctuations = new PunctuationTimes(registry);
        for (Kind kind : Kind.values()) {
            records.put(kind, Counter.builder(RECORDS).tag("kind", kind.tag())
                    .description("usage-resolved records read by the aggregation, by what became of them")
                    .register(registry));
        }
        for (Problem problem : Problem.values()) {
            errors.put(problem, Counter.builder(VALUE_ERRORS).tag("reason", problem.name().toLowerCase(Locale.ROOT))
                    .description("Matching events that contribute nothing to a metric: its aggregation key's value is"
                            + " not a number, out of range, or too long").register(registry));
        }
        String updates = "Events folded into (or out of) a metric's aggregates, by whether their hour is past";
        currentUpdates = Counter.builder(UPDATES).tag("window", "current").description(updates).register(registry);
        lateUpdates = Counter.builder(UPDATES).tag("window", "late").description(updates).register(registry);
        published = Counter.builder(PUBLISHED)
                .description("Records written to usage-aggregates: one per row changed since the previous publication")
                .register(registry);
        backfilled = Counter.builder(BACKFILL_EVENTS)
                .description("Held events folded into a metric by its backfill").register(registry);
        Gauge.builder(BACKFILLS_RUNNING, running, r -> r.values().stream().mapToInt(Integer::intValue).sum())
                .description("Metrics whose backfill is unfinished, summed over this instance's tasks")
                .register(registry);
    }

    /** The timers of the aggregation's punctuations. */
    public PunctuationTimes punctuations() {
        return punctuations;
    }

    public void record(Kind kind) {
        records.get(kind).increment();
    }

    public void valueError(Problem problem) {
        errors.get(problem).increment();
    }

    public void updated(boolean late) {
        (late ? lateUpdates : currentUpdates).increment();
    }

    public void published(int count) {
        published.increment(count);
    }

    public void backfilled(int events) {
        backfilled.increment(events);
    }

    public void backfillsRunning(TaskId task, int count) {
        running.put(task, count);
    }

    public void remove(TaskId task) {
        running.remove(task);
    }
}
