package io.meterflow.ingest.aggregate;

import io.meterflow.ingest.IngestConfig;
import java.time.Instant;

/**
 * How complete a metric's aggregates are in one task (one usage-resolved partition, so for every customer of it).
 * {@code running}: the backfill from the usage still held has not finished, so windows may still grow.
 * {@code completeFrom}: once it has finished, every window starting at or after this hour holds every event attributed
 * to the customer; earlier windows hold only the usage that was still held when the metric was created (events
 * ingested after {@code created − max(dedup.horizon, attribution.horizon)}).
 */
public record BackfillStatus(String metricId, boolean running, Instant completeFrom) {

    private static final long HOUR_MS = 3_600_000L;

    /**
     * The first hour a metric set up at {@code setUpAtMs} holds completely once its backfill is done: held events
     * reach back {@link IngestConfig#aggregationEventKeepMs} (max of the dedup and attribution horizons) in ingestion
     * time, and an event may be stamped up to {@link IngestConfig#maxFutureSkew} after it was ingested; rounded up to
     * the hour. The stream ({@link AggregateProcessor}) computes each task's {@code completeFrom} with it from the
     * moment the task set the metric up, and the billable metric API from the metric's creation time: one function, so
     * the two agree.
     */
    public static long completeFrom(long setUpAtMs, IngestConfig config) {
        long from = setUpAtMs - config.aggregationEventKeepMs() + config.maxFutureSkew().toMillis();
        return Math.floorDiv(from + HOUR_MS - 1, HOUR_MS) * HOUR_MS;
    }

    /** {@link #completeFrom(long, IngestConfig)} of an instant. */
    public static Instant completeFrom(Instant setUpAt, IngestConfig config) {
        return Instant.ofEpochMilli(completeFrom(setUpAt.toEpochMilli(), config));
    }
}
