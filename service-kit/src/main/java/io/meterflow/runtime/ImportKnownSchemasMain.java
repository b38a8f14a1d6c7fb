package io.meterflow.runtime;

import io.meterflow.config.Settings;
import io.meterflow.serde.HttpSchemaRegistryClient;
import io.meterflow.serde.KnownSchemaImport;
import io.meterflow.serde.SchemaRegistryException;
import io.meterflow.serde.SerdeConfig;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * The command behind "moving from the in-process registry to a real one": registers every built-in schema in a
 * Confluent-compatible registry under its {@code mock://} ID ({@link KnownSchemaImport}).
 *
 * <p>{@code [--config FILE] [--set key=value]... [--dry-run]}, reading the registry keys the apps read
 * ({@code schema.registry.url}, {@code basic.auth.user.info}, {@code basic.auth.credentials.source},
 * {@code schema.registry.request.timeout.ms}) as the apps' mains do ({@link CommandLine}: the file, then
 * {@code METERFLOW_<KEY>} or {@code METERFLOW_<KEY>_FILE} variables, then {@code --set}), so the apps' own properties
 * file can be given as is. Exit code 0 when every known schema is in the registry under its ID, 1 when one is not
 * (a collision, a refused import, an unreachable registry), 2 for bad arguments or settings.
 */
public final class ImportKnownSchemasMain {

    private static final String NAME = "import-known-schemas";

    private static final List<String> KEYS = List.of(SerdeConfig.SCHEMA_REGISTRY_URL, SerdeConfig.BASIC_AUTH_USER_INFO,
            SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, SerdeConfig.REQUEST_TIMEOUT_MS);

    private static final String USAGE = "usage: java -cp meterflow-standalone.jar:lib/* "
            + ImportKnownSchemasMain.class.getName() + " [--config FILE] [--set key=value]... [--dry-run]\n"
            + "  registers every built-in schema in the registry named by schema.registry.url (http(s)://...) under\n"
            + "  the ID the in-process registry (mock://) gives it, using the registry's IMPORT mode";

    private ImportKnownSchemasMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Runs the command; returns its exit code. */
    static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(List.of(args));
        if (rest.contains("--help") || rest.contains("-h")) {
            out.println(USAGE);
            return 0;
        }
        boolean dryRun = rest.remove("--dry-run");
        Map<String, String> settings = new HashMap<>();
        try {
            // The apps' command line, file and METERFLOW_* variables (secret files too); only the registry's keys
            // are read, so that an app's own properties file can be given as it is.
            Settings given = CommandLine.settings(NAME, rest.toArray(String[]::new), environment);
            for (String key : KEYS) {
                String value = given.string(key, null);
                if (value != null) {
                    settings.put(key, value);
                }
            }
        } catch (CommandLine.UsageException | ConfigException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        HttpSchemaRegistryClient registry;
        try {
            registry = SerdeConfig.httpRegistry(settings);
        } catch (ConfigException e) {
            err.println("Bad setting: " + e.getMessage());
            return 2;
        }
        KnownSchemaImport.Result result;
        try {
            result = KnownSchemaImport.run(registry, dryRun);
        } catch (SchemaRegistryException e) {
            err.println("Nothing was imported: " + e.getMessage());
            return 1;
        }
        report(result, dryRun, out);
        return result.complete() || (dryRun && result.count(KnownSchemaImport.Outcome.COLLISION) == 0) ? 0 : 1;
    }

    private static void report(KnownSchemaImport.Result result, boolean dryRun, PrintStream out) {
        int highest = 0;
        for (KnownSchemaImport.Entry entry : result.entries()) {
            out.printf("%-9s %10d  %s (%s) under subject %s%s%n", entry.outcome().name().toLowerCase(Locale.ROOT),
                    entry.id(), entry.schema().getFullName(), String.join(", ", entry.sources()), entry.subject(),
                    entry.detail().isEmpty() ? "" : ": " + entry.detail());
            highest = Math.max(highest, entry.id());
        }
        result.warnings().forEach(w -> out.println("warning: " + w));
        out.printf("%d known schemas: %d imported, %d already present, %d %s, %d collisions, %d failed%n",
                result.entries().size(), result.count(KnownSchemaImport.Outcome.IMPORTED),
                result.count(KnownSchemaImport.Outcome.PRESENT), result.count(KnownSchemaImport.Outcome.MISSING),
                dryRun ? "to import (dry run)" : "missing", result.count(KnownSchemaImport.Outcome.COLLISION),
                result.count(KnownSchemaImport.Outcome.FAILED));
        out.printf("Highest ID: %d. A registry that numbers new schemas above its highest ID (Confluent's does) has "
                + "%d IDs left after it.%n", highest, Integer.MAX_VALUE - (long) highest);
        if (result.count(KnownSchemaImport.Outcome.COLLISION) > 0) {
            out.println("A collision means records written with the in-process registry under that ID cannot be read "
                    + "through this registry: the registry's schema wins.");
        }
    }
}
