package io.meterflow.aliassync;

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
 */
public record AliasSyncConfig(StreamsAppConfig streams, int rememberedChangeIds) {

    public static final String DEFAULT_APPLICATION_ID = "meterflow-alias-sync";
    public static final String REMEMBERED_CHANGE_IDS = "alias-sync.remembered-change-ids";
    public static final int DEFAULT_REMEMBERED_CHANGE_IDS = 100;

    public AliasSyncConfig {
        if (rememberedChangeIds < 1) {
            throw new ConfigException(REMEMBERED_CHANGE_IDS, rememberedChangeIds, "must be at least 1");
        }
    }

    /** Reads and validates the configuration; a bad value fails with a message naming its key. */
    public static AliasSyncConfig from(Settings settings) {
        StreamsAppConfig streams = StreamsAppConfig.from(settings, DEFAULT_APPLICATION_ID);
        return new AliasSyncConfig(streams,
                settings.intValue(REMEMBERED_CHANGE_IDS, DEFAULT_REMEMBERED_CHANGE_IDS, 1, 100_000));
    }

    /** From a properties file (or none) overridden by {@code METERFLOW_*} environment variables. */
    public static AliasSyncConfig load(Path file, Map<String, String> env) {
        return from(Settings.load(file, env, Map.of()));
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
