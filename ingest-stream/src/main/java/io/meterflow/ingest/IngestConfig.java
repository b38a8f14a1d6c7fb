package io.meterflow.ingest;

import io.meterflow.config.Settings;
import io.meterflow.config.StreamsAppConfig;
import io.meterflow.ingest.emit.RecordBudget;
import io.meterflow.ingest.validate.UsageValidator;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigException;

/**
 * ingest-stream's settings: the shared {@link StreamsAppConfig} plus the horizons, validation limits and the pace of
 * the background work (replays, expiry). Every key may also be set as {@code METERFLOW_<KEY>}.
 *
 * @param streams            shared Kafka Streams settings ({@code application.id} defaults to
 *                           {@value #DEFAULT_APPLICATION_ID})
 * @param pendingHorizon     {@value #PENDING_HORIZON}: how long a parked event waits for its identifier before it is
 *                           sent to usage-expired
 * @param dedupHorizon       {@value #DEDUP_HORIZON}: how long an accepted transaction ID makes later ones duplicates;
 *                           at least {@value #MAX_EVENT_AGE}, or a late retry would be counted twice
 * @param attributionHorizon {@value #ATTRIBUTION_HORIZON}: how long an event attributed through an alias still moves
 *                           when the alias moves
 * @param maxEventAge        {@value #MAX_EVENT_AGE}: events whose timestamp is older than this are rejected
 * @param maxFutureSkew      {@value #MAX_FUTURE_SKEW}: events whose timestamp is further ahead than this are rejected
 * @param maxEventBytes      {@value #MAX_EVENT_BYTES}: the largest usage event accepted, measured as its usage-events
 *                           record (key plus Confluent-framed value) at both edges; larger ones are rejected
 *                           {@code TOO_LARGE} (413 over HTTP). Every record ingest-stream writes is at most this plus
 *                           {@link RecordBudget#OVERHEAD_BYTES}, which must fit {@code record.max.bytes}
 * @param replayChunkSize    {@value #REPLAY_CHUNK_SIZE}: index entries a replay works through per step
 * @param replayInterval     {@value #REPLAY_INTERVAL}: wall-clock time between replay steps
 * @param replayMaxThreadShare {@value #REPLAY_MAX_THREAD_SHARE}: the largest part of each replay interval, in percent,
 *                           that replays and moves may take on one stream thread (split between its tasks with
 *                           replays), so live usage on that thread keeps flowing
 * @param expiryChunkSize    {@value #EXPIRY_CHUNK_SIZE}: most parked events expired per step
 * @param expiryInterval     {@value #EXPIRY_INTERVAL}: wall-clock time between expiry steps (also refreshes the
 *                           pending gauges)
 * @param sweepInterval      {@value #SWEEP_INTERVAL}: wall-clock time between steps of the horizon sweep over
 *                           usage-by-transaction
 * @param sweepCycle         {@value #SWEEP_CYCLE}: how long one pass of the sweep over all entries should take;
 *                           each step looks at (entries × interval / cycle) of them
 * @param sweepMaxChunkSize  {@value #SWEEP_MAX_CHUNK_SIZE}: most entries one sweep step looks at
 * @param aggregationEnabled {@value #AGGREGATION_ENABLED}: whether the aggregation sub-topology (usage-resolved →
 *                           usage-aggregates) runs at all
 * @param backfillInterval   {@value #BACKFILL_INTERVAL}: wall-clock time between steps of the aggregation's metric
 *                           check and backfill
 * @param backfillChunkSize  {@value #BACKFILL_CHUNK_SIZE}: held events one backfill step folds (per task, shared by the
 *                           metrics backfilling)
 * @param aggregationRetention {@value #AGGREGATION_RETENTION}: how long after an hour ends its aggregates (and UNIQUE's
 *                           distinct values) are kept; at least {@link #aggregationWindowCloseMs}
 * @param aggregationPublishInterval {@value #PUBLISH_INTERVAL}: wall-clock time between the aggregation's publications
 *                           to usage-aggregates; each publishes the current value of every row changed since the last
 *                           one, so a row is published at most once per interval
 * @param usagePartitions    partition count of usage-events; {@link IngestApp} sets it from the topic, the default
 *                           is {@code topic.partitions}
 */
public record IngestConfig(
        StreamsAppConfig streams,
        Duration pendingHorizon,
        Duration dedupHorizon,
        Duration attributionHorizon,
        Duration maxEventAge,
        Duration maxFutureSkew,
        int maxEventBytes,
        int replayChunkSize,
        Duration replayInterval,
        int replayMaxThreadShare,
        int expiryChunkSize,
        Duration expiryInterval,
        Duration sweepInterval,
        Duration sweepCycle,
        int sweepMaxChunkSize,
        boolean aggregationEnabled,
        Duration backfillInterval,
        int backfillChunkSize,
        Duration aggregationRetention,
        Duration aggregationPublishInterval,
        int usagePartitions) {

    public static final String DEFAULT_APPLICATION_ID = "meterflow-ingest";

    public static final String PENDING_HORIZON = "pending.horizon";
    public static final String DEDUP_HORIZON = "dedup.horizon";
    public static final String ATTRIBUTION_HORIZON = "attribution.horizon";
    public static final String MAX_EVENT_AGE = "validation.max.event.age";
    public static final String MAX_FUTURE_SKEW = "validation.max.future.skew";
    public static final String MAX_EVENT_BYTES = "validation.max.event.bytes";
    public static final String REPLAY_CHUNK_SIZE = "replay.chunk.size";
    public static final String REPLAY_INTERVAL = "replay.interval";
    public static final String REPLAY_MAX_THREAD_SHARE = "replay.max.thread.share";
    public static final String EXPIRY_CHUNK_SIZE = "expiry.chunk.size";
    public static final String EXPIRY_INTERVAL = "expiry.interval";
    public static final String SWEEP_INTERVAL = "sweep.interval";
    public static final String SWEEP_CYCLE = "sweep.cycle";
    public static final String SWEEP_MAX_CHUNK_SIZE = "sweep.max.chunk.size";
    public static final String AGGREGATION_ENABLED = "aggregation.enabled";
    public static final String BACKFILL_INTERVAL = "aggregation.backfill.interval";
    public static final String BACKFILL_CHUNK_SIZE = "aggregation.backfill.chunk.size";
    public static final String AGGREGATION_RETENTION = "aggregation.retention";
    public static final String PUBLISH_INTERVAL = "aggregation.publish.interval";
    /** Longer than the longest period a usage query may ask for (400 days), so every answerable window is kept. */
    public static final Duration DEFAULT_AGGREGATION_RETENTION = Duration.ofDays(400);

    public static final Duration DEFAULT_HORIZON = Duration.ofDays(34);
    public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofHours(24);
    public static final int DEFAULT_REPLAY_CHUNK_SIZE = 1000;
    public static final Duration DEFAULT_REPLAY_INTERVAL = Duration.ofMillis(100);
    public static final int DEFAULT_REPLAY_MAX_THREAD_SHARE = 50;
    public static final int DEFAULT_EXPIRY_CHUNK_SIZE = 10_000;
    public static final Duration DEFAULT_EXPIRY_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofMinutes(1);
    public static final Duration DEFAULT_SWEEP_CYCLE = Duration.ofHours(6);
    public static final int DEFAULT_SWEEP_MAX_CHUNK_SIZE = 100_000;
    public static final Duration DEFAULT_BACKFILL_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_BACKFILL_CHUNK_SIZE = 1000;
    public static final Duration DEFAULT_PUBLISH_INTERVAL = Duration.ofSeconds(1);

    public IngestConfig {
        Objects.requireNonNull(streams, "streams");
        requirePositive(PENDING_HORIZON, pendingHorizon);
        requirePositive(DEDUP_HORIZON, dedupHorizon);
        requirePositive(ATTRIBUTION_HORIZON, attributionHorizon);
        requirePositive(MAX_EVENT_AGE, maxEventAge);
        // An event is accepted while its timestamp is within the maximum age, so a retry can arrive that long after
        // the first copy; a shorter horizon would have forgotten the transaction ID by then and count it twice.
        if (dedupHorizon.compareTo(maxEventAge) < 0) {
            throw new ConfigException(DEDUP_HORIZON + " (" + human(dedupHorizon) + ") is shorter than " + MAX_EVENT_AGE
                    + " (" + human(maxEventAge) + "): a retry of an event accepted more than " + DEDUP_HORIZON
                    + " ago would still pass validation and be counted twice. Set " + DEDUP_HORIZON + " to at least "
                    + MAX_EVENT_AGE + ", or lower " + MAX_EVENT_AGE);
        }
        Objects.requireNonNull(maxFutureSkew, MAX_FUTURE_SKEW);
        if (maxEventBytes < RecordBudget.MIN_EVENT_BYTES) {
            throw new ConfigException(MAX_EVENT_BYTES, maxEventBytes,
                    "must be at least " + RecordBudget.MIN_EVENT_BYTES);
        }
        long largestRecord = (long) maxEventBytes + RecordBudget.OVERHEAD_BYTES;
        if (largestRecord > streams.recordMaxBytes()) {
            throw new ConfigException(MAX_EVENT_BYTES, maxEventBytes, "the largest record ingest-stream writes is "
                    + MAX_EVENT_BYTES + " + " + RecordBudget.OVERHEAD_BYTES + " bytes = " + largestRecord
                    + ", over " + StreamsAppConfig.RECORD_MAX_BYTES + " (" + streams.recordMaxBytes() + "): lower "
                    + MAX_EVENT_BYTES + " to at most " + (streams.recordMaxBytes() - RecordBudget.OVERHEAD_BYTES)
                    + " or raise " + StreamsAppConfig.RECORD_MAX_BYTES);
        }
        requirePositive(REPLAY_INTERVAL, replayInterval);
        requirePositive(EXPIRY_INTERVAL, expiryInterval);
        requirePositive(SWEEP_INTERVAL, sweepInterval);
        requirePositive(SWEEP_CYCLE, sweepCycle);
        if (sweepMaxChunkSize < 1) {
            throw new ConfigException(SWEEP_MAX_CHUNK_SIZE, sweepMaxChunkSize, "must be at least 1");
        }
        requirePositive(BACKFILL_INTERVAL, backfillInterval);
        if (backfillChunkSize < 1) {
            throw new ConfigException(BACKFILL_CHUNK_SIZE, backfillChunkSize, "must be at least 1");
        }
        requirePositive(AGGREGATION_RETENTION, aggregationRetention);
        requirePositive(PUBLISH_INTERVAL, aggregationPublishInterval);
        // A row dropped while a record can still change it would come back holding only that change.
        long windowCloseMs = windowCloseMs(maxEventAge, pendingHorizon, attributionHorizon, dedupHorizon);
        if (aggregationRetention.toMillis() < windowCloseMs) {
            throw new ConfigException(AGGREGATION_RETENTION + " (" + human(aggregationRetention) + ") is shorter than"
                    + " the time after an hour ends in which a record may still change it ("
                    + human(Duration.ofMillis(windowCloseMs)) + ": " + MAX_EVENT_AGE + " + max("
                    + PENDING_HORIZON + ", " + ATTRIBUTION_HORIZON + ") + max(" + DEDUP_HORIZON + ", "
                    + ATTRIBUTION_HORIZON + ")). Raise " + AGGREGATION_RETENTION + " or lower those");
        }
        if (replayChunkSize < 1) {
            throw new ConfigException(REPLAY_CHUNK_SIZE, replayChunkSize, "must be at least 1");
        }
        if (replayMaxThreadShare < 1 || replayMaxThreadShare > 100) {
            throw new ConfigException(REPLAY_MAX_THREAD_SHARE, replayMaxThreadShare, "must be from 1 to 100 (percent)");
        }
        if (expiryChunkSize < 1) {
            throw new ConfigException(EXPIRY_CHUNK_SIZE, expiryChunkSize, "must be at least 1");
        }
        if (usagePartitions < 1) {
            throw new ConfigException(StreamsAppConfig.TOPIC_PARTITIONS, usagePartitions, "must be at least 1");
        }
    }

    /** A duration as the settings are usually written: {@code 34d}, {@code 12h}, {@code 90s}, {@code 250ms}. */
    private static String human(Duration value) {
        long ms = value.toMillis();
        if (ms % 86_400_000L == 0) {
            return ms / 86_400_000L + "d";
        }
        if (ms % 3_600_000L == 0) {
            return ms / 3_600_000L + "h";
        }
        if (ms % 60_000L == 0) {
            return ms / 60_000L + "m";
        }
        return ms % 1_000L == 0 ? ms / 1_000L + "s" : ms + "ms";
    }

    private static void requirePositive(String key, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new ConfigException(key, value, "must be a positive duration");
        }
    }

    /** Reads and validates the settings; a bad value fails with a message naming its key. */
    public static IngestConfig from(Settings settings) {
        StreamsAppConfig streams = StreamsAppConfig.from(settings, DEFAULT_APPLICATION_ID);
        return new IngestConfig(
                streams,
                settings.duration(PENDING_HORIZON, DEFAULT_HORIZON),
                settings.duration(DEDUP_HORIZON, DEFAULT_HORIZON),
                settings.duration(ATTRIBUTION_HORIZON, DEFAULT_HORIZON),
                settings.duration(MAX_EVENT_AGE, DEFAULT_HORIZON),
                settings.duration(MAX_FUTURE_SKEW, DEFAULT_MAX_FUTURE_SKEW),
                settings.intValue(MAX_EVENT_BYTES, UsageValidator.DEFAULT_MAX_EVENT_BYTES, RecordBudget.MIN_EVENT_BYTES,
                        Integer.MAX_VALUE),
                settings.intValue(REPLAY_CHUNK_SIZE, DEFAULT_REPLAY_CHUNK_SIZE, 1, 1_000_000),
                settings.duration(REPLAY_INTERVAL, DEFAULT_REPLAY_INTERVAL),
                settings.intValue(REPLAY_MAX_THREAD_SHARE, DEFAULT_REPLAY_MAX_THREAD_SHARE, 1, 100),
                settings.intValue(EXPIRY_CHUNK_SIZE, DEFAULT_EXPIRY_CHUNK_SIZE, 1, 10_000_000),
                settings.duration(EXPIRY_INTERVAL, DEFAULT_EXPIRY_INTERVAL),
                settings.duration(SWEEP_INTERVAL, DEFAULT_SWEEP_INTERVAL),
                settings.duration(SWEEP_CYCLE, DEFAULT_SWEEP_CYCLE),
                settings.intValue(SWEEP_MAX_CHUNK_SIZE, DEFAULT_SWEEP_MAX_CHUNK_SIZE, 1, 10_000_000),
                settings.bool(AGGREGATION_ENABLED, true),
                settings.duration(BACKFILL_INTERVAL, DEFAULT_BACKFILL_INTERVAL),
                settings.intValue(BACKFILL_CHUNK_SIZE, DEFAULT_BACKFILL_CHUNK_SIZE, 1, 1_000_000),
                settings.duration(AGGREGATION_RETENTION, DEFAULT_AGGREGATION_RETENTION),
                settings.duration(PUBLISH_INTERVAL, DEFAULT_PUBLISH_INTERVAL),
                streams.topicPartitions());
    }

    /** The same settings for a usage-events topic with {@code partitions} partitions. */
    public IngestConfig withUsagePartitions(int partitions) {
        return new IngestConfig(streams, pendingHorizon, dedupHorizon, attributionHorizon, maxEventAge, maxFutureSkew,
                maxEventBytes, replayChunkSize, replayInterval, replayMaxThreadShare, expiryChunkSize, expiryInterval,
                sweepInterval, sweepCycle, sweepMaxChunkSize, aggregationEnabled, backfillInterval, backfillChunkSize,
                aggregationRetention, aggregationPublishInterval, partitions);
    }

    /** The validation rules with these limits, for both edges (the ingest API and the stream). */
    public UsageValidator validator() {
        return new UsageValidator(maxEventAge.toMillis(), maxFutureSkew.toMillis(), maxEventBytes);
    }

    /**
     * {@code max.request.size} for a producer that writes usage-events (the HTTP ingest API): {@code record.max.bytes},
     * which every accepted event fits with room to spare ({@value #MAX_EVENT_BYTES} + overhead).
     */
    public int ingestProducerMaxRequestSize() {
        return streams.recordMaxBytes();
    }

    /** The horizons and limits the processors apply, in milliseconds. */
    public Horizons horizons() {
        return new Horizons(pendingHorizon.toMillis(), dedupHorizon.toMillis(), attributionHorizon.toMillis(),
                maxEventAge.toMillis(), maxFutureSkew.toMillis());
    }

    /**
     * How long the aggregation keeps a held event after it read its ASSIGN (never before ingest-stream accepted the
     * event): as long as a move may still retract it (attribution horizon) and at least the dedup horizon (the
     * backfill's reach).
     */
    public long aggregationEventKeepMs() {
        return Math.max(dedupHorizon.toMillis(), attributionHorizon.toMillis()); // as in windowCloseMs
    }

    /**
     * How long after an hour ends a record may still change it: an event is at most the maximum age old when it is
     * accepted; it may be assigned up to the pending horizon later (replay) or moved up to the attribution horizon
     * later, and each ASSIGN is held, so backfilled into new metrics, for {@link #aggregationEventKeepMs} more.
     */
    public long aggregationWindowCloseMs() {
        return windowCloseMs(maxEventAge, pendingHorizon, attributionHorizon, dedupHorizon);
    }

    private static long windowCloseMs(Duration maxEventAge, Duration pending, Duration attribution, Duration dedup) {
        return maxEventAge.toMillis() + Math.max(pending.toMillis(), attribution.toMillis())
                + Math.max(dedup.toMillis(), attribution.toMillis());
    }

    /** The time limits in milliseconds, as the hot path wants them. */
    public record Horizons(long pendingMs, long dedupMs, long attributionMs, long maxEventAgeMs, long maxFutureSkewMs) {
    }
}
