package io.meterflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.FakeSchemaRegistry;
import io.meterflow.serde.KnownSchemaImport;
import io.meterflow.serde.MockSchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The import command's command line, against the contract's fake registry ({@code KnownSchemaImportTest} tests the import). */
class ImportKnownSchemasMainTest {

    private FakeSchemaRegistry registry;

    @BeforeEach
    void startRegistry() throws Exception {
        registry = FakeSchemaRegistry.start();
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Test
    void theCommandReadsTheAppsPropertiesFileAndReportsEachSchema(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("ingest-stream.properties");
        Files.writeString(config, "bootstrap.servers=kafka:9092\nschema.registry.url=" + registry.url() + "\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int exit = ImportKnownSchemasMain.run(new String[] {"--config", config.toString()}, Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed + err).isZero();
        int entries = KnownSchemaImport.candidates().size();
        assertThat(printed.lines().filter(l -> l.startsWith("imported "))).hasSize(entries);
        assertThat(printed).contains(entries + " known schemas: " + entries + " imported, 0 already present",
                " " + MockSchemaRegistry.stableId(UsageEvent.getClassSchema())
                        + "  io.meterflow.schemas.UsageEvent (UsageEvent/v1.avsc, current) under subject "
                        + "io.meterflow.schemas.UsageEvent",
                "Highest ID: ");
    }

    @Test
    void theCommandRefusesTheInProcessRegistryAndBadArguments() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        assertThat(ImportKnownSchemasMain.run(new String[] {"--set", "schema.registry.url=mock://meterflow"}, Map.of(),
                out, errors)).isEqualTo(2);
        assertThat(ImportKnownSchemasMain.run(new String[] {"--frobnicate"}, Map.of(), out, errors)).isEqualTo(2);
        assertThat(ImportKnownSchemasMain.run(new String[0], Map.of(), out, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("schema.registry.url", "http(s)://",
                "unexpected argument '--frobnicate'", "usage:");
    }

    @Test
    void theRegistryMayBeNamedInTheEnvironmentAsForTheApps() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream printed = new PrintStream(out, true, StandardCharsets.UTF_8);

        int exit = ImportKnownSchemasMain.run(new String[] {"--dry-run"},
                Map.of("METERFLOW_SCHEMA_REGISTRY_URL", registry.url()), printed, printed);

        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("to import (dry run)");
        assertThat(registry.subjects()).isEmpty();
    }

    @Test
    void anUnreachableRegistryImportsNothingAndFails() throws Exception {
        registry.failEveryRequestWith(503);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);

        int exit = ImportKnownSchemasMain.run(new String[] {"--set", "schema.registry.url=" + registry.url()}, Map.of(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), errors);

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Nothing was imported", "HTTP 503");
        assertThat(registry.calls("PUT /mode/io.meterflow.schemas.UsageEvent")).isZero();
        assertThat(registry.subjects()).isEmpty();
    }

    @Test
    void theRegistrysCredentialsMayComeFromASecretFileAsForTheApps(@TempDir Path dir) throws Exception {
        registry.requireBasicAuth("meterflow:secret");
        Path secret = Files.writeString(dir.resolve("user-info"), "meterflow:secret\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream printed = new PrintStream(out, true, StandardCharsets.UTF_8);

        int exit = ImportKnownSchemasMain.run(new String[] {"--set", "schema.registry.url=" + registry.url()},
                Map.of("METERFLOW_BASIC_AUTH_USER_INFO_FILE", secret.toString()), printed, printed);

        assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(registry.subjects()).isNotEmpty();
    }
}
