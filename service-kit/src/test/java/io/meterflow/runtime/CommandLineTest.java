package io.meterflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {

    @TempDir
    Path dir;

    @Test
    void aFileThenTheEnvironmentThenSetFlagsEachOverridingTheOneBefore() throws IOException {
        Path file = Files.writeString(dir.resolve("app.properties"), "a=file\nb=file\nc=file\n");
        Settings settings = CommandLine.settings("ingest-stream", new String[] {"--config", file.toString(),
                "--set", "c=flag", "--set", "d=x=y"}, Map.of("METERFLOW_B", "env", "METERFLOW_C", "env"));

        assertThat(settings.string("a", "")).isEqualTo("file");
        assertThat(settings.string("b", "")).isEqualTo("env");
        assertThat(settings.string("c", "")).isEqualTo("flag");
        assertThat(settings.string("d", "")).isEqualTo("x=y");
    }

    @Test
    void theFileMayBeGivenWithAnEqualsSign() throws IOException {
        Path file = Files.writeString(dir.resolve("app.properties"), "a=file\n");
        assertThat(CommandLine.settings("alias-sync", new String[] {"--config=" + file}, Map.of()).string("a", ""))
                .isEqualTo("file");
        assertThat(CommandLine.settings("alias-sync", new String[0], Map.of()).asMap()).isEmpty();
    }

    @Test
    void anythingElseIsAUsageErrorNamingTheArgumentAndTheUsage() {
        for (String[] args : new String[][] {{"--verbose"}, {"--set", "novalue"}, {"--config"},
                {"--config", "a", "--config", "b"}}) {
            assertThatThrownBy(() -> CommandLine.settings("alias-sync", args, Map.of()))
                    .isInstanceOf(CommandLine.UsageException.class)
                    .hasMessageContaining("usage: alias-sync [--config FILE] [--set key=value]...");
        }
    }

    @Test
    void aMissingFileIsAConfigurationError() {
        assertThatThrownBy(() -> CommandLine.settings("alias-sync",
                new String[] {"--config", dir.resolve("missing").toString()}, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("missing");
    }
}
