package io.meterflow.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;

/**
 * The command behind "moving from the in-process registry to a real one": registers every built-in schema in a
 * Confluent-compatible registry under its {@code mock://} ID ({@link KnownSchemaImport}).
 *
 * <p>{@code [--config FILE] [--set key=value]... [--dry-run]}, reading the registry keys the apps read
 * ({@code schema.registry.url}, {@code basic.auth.user.info}, {@code basic.auth.credentials.source},
 * {@code schema.registry.request.timeout.ms}) from the file, then {@code METERFLOW_<KEY>} environment variables, then
 * {@code --set}, so the apps' own properties file can be given as is. Exit code 0 when every known schema is in the
 * registry under its ID, 1 when one is not (a collision, a refused import, an unreachable registry), 2 for bad
 * arguments or settings.
 */
public final class ImportKnownSchemasMain {

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
        Map<String, String> settings = new HashMap<>();
        Map<String, String> overrides = new HashMap<>();
        boolean dryRun = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--dry-run" -> dryRun = true;
                    case "--config" -> settings.putAll(load(Path.of(value(args, ++i, "--config"))));
                    case "--set" -> {
                        String pair = value(args, ++i, "--set");
                        int eq = pair.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--set expects key=value, got '" + pair + "'");
                        }
                        overrides.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
                    }
                    case "--help", "-h" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
                }
            }
        } catch (IllegalArgumentException | IOException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        for (String key : KEYS) {
            String fromEnvironment = environment.get("METERFLOW_" + key.toUpperCase(Locale.ROOT).replace('.', '_')
                    .replace('-', '_'));
            if (fromEnvironment != null) {
                settings.put(key, fromEnvironment);
            }
        }
        settings.putAll(overrides);
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

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static Map<String, String> load(Path file) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> values = new HashMap<>();
        for (String key : KEYS) {
            String value = properties.getProperty(key);
            if (value != null) {
                values.put(key, value.strip());
            }
        }
        return values;
    }
}
