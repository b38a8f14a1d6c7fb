package io.meterflow.ingest.aggregate;

import java.time.Instant;

/**
 * How complete a metric's aggregates are in one task (one usage-resolved partition, so for every customer of it).
 * {@code running}: the backfill from the usage still held has not finished, so windows may still grow.
 * {@code completeFrom}: once it has finished, every window starting at or after this hour holds every event attributed
 * to the customer; earlier windows hold only the usage that was still held when the metric was created (events
 * ingested after {@code created − max(dedup.horizon, attribution.horizon)}).
 */
public record BackfillStatus(String metricId, boolean running, Instant completeFrom) {
}
