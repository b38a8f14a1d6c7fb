package io.meterflow.aliassync;

import io.meterflow.aliassync.intake.SizeBudget;
import io.meterflow.config.Settings;
import io.meterflow.config.StreamsAppConfig;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * alias-sync's configuration: the shared Streams settings ({@link StreamsAppConfig}: bootstrap servers, application
 * ID, registry, {@code processing.guarantee} = {@code exactly_once_v2} by default, state dir, topic names,
 * partitions, replication) plus its own keys. The alias limits are Metronome's and are not configurable (see
 * {@link io.meterflow.aliassync.intake.AliasRules}).
 *
 * @param streams             the shared settings
 * @param rememberedChangeIds how many recent change IDs are kept per customer to recognise re-deliveries
 * @param maxChangeBytes      the largest customer-changes record (key and framed value) alias-sync accepts
 */
public record AliasSyncConfig(StreamsAppConfig streams, int rememberedChangeIds, int maxChangeBytes) {

    public static final String DEFAULT_APPLICATION_ID = "meterflow-alias-sync";
    public static final String REMEMBERED_CHANGE_IDS = "alias-sync.remembered-change-ids";
    public static final int DEFAULT_REMEMBERED_CHANGE_IDS = 100;
    /**
     * At most this many: the IDs are kept in one record per customer, and 1000 IDs of 128 four-byte characters take
     * half of Kafka's record limit (see {@link SizeBudget}).
     */
    public static final int MAX_REMEMBERED_CHANGE_IDS = 1000;
    public static final String MAX_CHANGE_BYTES = "alias-sync.max.change.bytes";

    public AliasSyncConfig {
        if (rememberedChangeIds < 1 || rememberedChangeIds > MAX_REMEMBERED_CHANGE_IDS) {
            throw new ConfigException(REMEMBERED_CHANGE_IDS, rememberedChangeIds,
                    "must be between 1 and " + MAX_REMEMBERED_CHANGE_IDS);
        }
        if (maxChangeBytes < SizeBudget.SMALLEST_MAX_CHANGE_BYTES || maxChangeBytes > SizeBudget.LARGEST_MAX_CHANGE_BYTES) {
            throw new ConfigException(MAX_CHANGE_BYTES, maxChangeBytes, "must be between "
                    + SizeBudget.SMALLEST_MAX_CHANGE_BYTES + " and " + SizeBudget.LARGEST_MAX_CHANGE_BYTES);
        }
        // The customer-state budget is sized for records of up to 1 MiB; a smaller record limit would let a
        // customer alias-sync accepted outgrow what it may write.
        if (streams.recordMaxBytes() < SizeBudget.RECORD_LIMIT_BYTES) {
            throw new ConfigException(StreamsAppConfig.RECORD_MAX_BYTES, streams.recordMaxBytes(), "alias-sync keeps"
                    + " each customer within " + SizeBudget.RECORD_LIMIT_BYTES + " bytes (" + MAX_CHANGE_BYTES
                    + " and the state budget), so record.max.bytes must be at least " + SizeBudget.RECORD_LIMIT_BYTES);
        }
    }

    /** Reads and validates the configuration; a bad value fails with a message naming its key. */
    public static AliasSyncConfig from(Settings settings) {
        StreamsAppConfig streams = StreamsAppConfig.from(settings, DEFAULT_APPLICATION_ID);
        return new AliasSyncConfig(streams,
                settings.intValue(REMEMBERED_CHANGE_IDS, DEFAULT_REMEMBERED_CHANGE_IDS, 1, MAX_REMEMBERED_CHANGE_IDS),
                settings.intValue(MAX_CHANGE_BYTES, SizeBudget.DEFAULT_MAX_CHANGE_BYTES,
                        SizeBudget.SMALLEST_MAX_CHANGE_BYTES, SizeBudget.LARGEST_MAX_CHANGE_BYTES));
    }

    /** From a properties file (or none) overridden by {@code METERFLOW_*} environment variables. */
    public static AliasSyncConfig load(Path file, Map<String, String> env) {
        return from(Settings.load(file, env, Map.of()));
    }

    /** The limits on a change and on a customer's state this configuration sets. */
    public SizeBudget sizeBudget() {
        return new SizeBudget(maxChangeBytes, rememberedChangeIds);
    }

    /** The internal topic that carries alias commands, keyed by alias, to the ownership stage. */
    public String aliasCommandsTopic() {
        return streams.applicationId() + "-alias-commands";
    }

    /** The internal topic that carries claim outcomes, keyed by customer ID, back to the customer stage. */
    public String claimOutcomesTopic() {
        return streams.applicationId() + "-claim-outcomes";
    }
}
