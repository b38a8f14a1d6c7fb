package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AliasSyncConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaultsToExactlyOnceAndItsOwnApplicationId() {
        AliasSyncConfig config = AliasSyncConfig.from(Settings.of(Map.of()));

        assertThat(config.streams().processingGuarantee()).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(config.streams().applicationId()).isEqualTo("meterflow-alias-sync");
        assertThat(config.rememberedChangeIds()).isEqualTo(100);
        assertThat(config.maxChangeBytes()).isEqualTo(512 * 1024);
        assertThat(config.aliasCommandsTopic()).isEqualTo("meterflow-alias-sync-alias-commands");
        assertThat(config.claimOutcomesTopic()).isEqualTo("meterflow-alias-sync-claim-outcomes");
    }

    @Test
    void refusesARecordLimitBelowTheOneItsCustomerBudgetIsSizedFor() {
        assertThatThrownBy(() -> AliasSyncConfig.from(Settings.of(Map.of("record.max.bytes", "524288"))))
                .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                .hasMessageContaining("record.max.bytes").hasMessageContaining("alias-sync.max.change.bytes");
        assertThat(AliasSyncConfig.from(Settings.of(Map.of("record.max.bytes", "2097152"))).maxChangeBytes())
                .isEqualTo(524288);
    }

    @Test
    void readsAFileAndLetsTheEnvironmentOverrideIt() throws Exception {
        Path file = dir.resolve("alias-sync.properties");
        Files.writeString(file, """
                bootstrap.servers=file:9092
                application.id=from-file
                topic.partitions=12
                topic.alias-bindings=prod.alias-bindings
                alias-sync.remembered-change-ids=7
                alias-sync.max.change.bytes=65536
                """);

        AliasSyncConfig config = AliasSyncConfig.load(file, Map.of(
                "METERFLOW_BOOTSTRAP_SERVERS", "env:9092",
                "METERFLOW_ALIAS_SYNC_REMEMBERED_CHANGE_IDS", "9"));

        assertThat(config.streams().bootstrapServers()).isEqualTo("env:9092");
        assertThat(config.streams().applicationId()).isEqualTo("from-file");
        assertThat(config.streams().topicPartitions()).isEqualTo(12);
        assertThat(config.streams().topicNames().aliasBindings()).isEqualTo("prod.alias-bindings");
        assertThat(config.rememberedChangeIds()).isEqualTo(9);
        assertThat(config.maxChangeBytes()).isEqualTo(65536);
        assertThat(config.claimOutcomesTopic()).isEqualTo("from-file-claim-outcomes");
    }

    @Test
    void refusesBadValuesNamingTheKey() {
        assertThatThrownBy(() -> AliasSyncConfig.from(Settings.of(Map.of(AliasSyncConfig.REMEMBERED_CHANGE_IDS, "0"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining(AliasSyncConfig.REMEMBERED_CHANGE_IDS);
        // More recent change IDs than fit one record in the worst case, or a change limit above what a record holds.
        assertThatThrownBy(() -> AliasSyncConfig.from(Settings.of(Map.of(AliasSyncConfig.REMEMBERED_CHANGE_IDS, "1001"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining(AliasSyncConfig.REMEMBERED_CHANGE_IDS);
        assertThatThrownBy(() -> AliasSyncConfig.from(Settings.of(Map.of(AliasSyncConfig.MAX_CHANGE_BYTES, "1048576"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining(AliasSyncConfig.MAX_CHANGE_BYTES)
                .hasMessageContaining("1032192");
        assertThatThrownBy(() -> AliasSyncConfig.from(Settings.of(Map.of("processing.guarantee", "exactly_once"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("processing.guarantee");
        assertThatThrownBy(() -> AliasSyncConfig.from(Settings.of(Map.of("topic.customers", "bad name"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("topic.customers");
    }
}
