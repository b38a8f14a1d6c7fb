package io.meterflow.standalone;

import io.meterflow.config.Settings;
import io.meterflow.http.HttpConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * What the launcher was asked to do: the command, and every setting from the command line, a configuration file
 * and {@code METERFLOW_*} environment variables (flags win over the environment, which wins over the file).
 *
 * @param command         {@code run} (the default) or {@code demo}
 * @param dataDir         the folder for broker logs and Streams state
 * @param httpHost        the address the HTTP endpoints listen on
 * @param httpPort        the HTTP port; 0 picks a free one
 * @param kafkaPort       the embedded broker's port; 0 picks a free one
 * @param externalKafka   bootstrap servers of an existing cluster, or null to run the embedded broker
 * @param apiTokens       bearer tokens the HTTP API accepts
 * @param tokenGenerated  true when no token was configured and a development token was generated
 * @param settings        all settings, passed on to the apps
 */
public record StandaloneOptions(
        String command,
        Path dataDir,
        String httpHost,
        int httpPort,
        int kafkaPort,
        String externalKafka,
        List<String> apiTokens,
        boolean tokenGenerated,
        Settings settings) {

    public static final String DATA_DIR = "data.dir";
    public static final String HTTP_HOST = HttpConfig.HOST;
    public static final String HTTP_PORT = HttpConfig.PORT;
    public static final String BROKER_PORT = "broker.port";
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String API_TOKENS = HttpConfig.API_TOKENS;
    /** For {@code demo --bootstrap-servers}: the running launcher's base URL, whose metrics the demo reads. */
    public static final String DEMO_HTTP_URL = "demo.http.url";

    public static final int DEFAULT_KAFKA_PORT = 9092;

    /** Thrown for {@code --help}: the caller prints {@link #usage()} and exits 0. */
    public static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super("help", null, false, false);
        }
    }

    private static final Map<String, String> FLAGS = Map.of(
            "--data-dir", DATA_DIR,
            "--http-port", HTTP_PORT,
            "--kafka-port", BROKER_PORT,
            "--bootstrap-servers", BOOTSTRAP_SERVERS,
            "--api-token", API_TOKENS,
            "--http-url", DEMO_HTTP_URL);

    /** Parses the command line against the environment; bad input throws {@link ConfigException} naming it. */
    public static StandaloneOptions parse(String[] args, Map<String, String> env) {
        String command = "run";
        Path configFile = null;
        Map<String, String> flags = new LinkedHashMap<>();
        List<String> tokens = new ArrayList<>();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        boolean commandSeen = false;
        while (!rest.isEmpty()) {
            String arg = rest.remove(0);
            if (arg.equals("--help") || arg.equals("-h") || arg.equals("help")) {
                throw new HelpRequested();
            }
            if (!arg.startsWith("-")) {
                if (commandSeen || !(arg.equals("run") || arg.equals("demo"))) {
                    throw new ConfigException("Unknown command '" + arg + "' (expected run or demo; see --help)");
                }
                command = arg;
                commandSeen = true;
                continue;
            }
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!name.equals("--config") && !name.equals("--set") && !FLAGS.containsKey(name)) {
                throw new ConfigException("Unknown option '" + name + "' (see --help)");
            }
            if (value == null) {
                if (rest.isEmpty()) {
                    throw new ConfigException("Option " + name + " needs a value");
                }
                value = rest.remove(0);
            }
            switch (name) {
                case "--config" -> configFile = Path.of(value);
                case "--set" -> {
                    int at = value.indexOf('=');
                    if (at <= 0) {
                        throw new ConfigException("--set expects key=value, got '" + value + "'");
                    }
                    flags.put(value.substring(0, at).strip(), value.substring(at + 1).strip());
                }
                case "--api-token" -> tokens.add(value);
                default -> flags.put(FLAGS.get(name), value);
            }
        }
        if (!tokens.isEmpty()) {
            flags.put(API_TOKENS, String.join(",", tokens));
        }
        Settings settings = Settings.load(configFile, env, flags);
        Path dataDir = Path.of(settings.string(DATA_DIR, "data")).toAbsolutePath().normalize();
        // The HTTP keys mean what they mean for each app's main; only the host defaults to loopback here.
        HttpConfig http = HttpConfig.from(settings, "127.0.0.1");
        String httpHost = http.host();
        int httpPort = http.port();
        int kafkaPort = settings.intValue(BROKER_PORT, DEFAULT_KAFKA_PORT, 0, 65_535);
        String external = settings.has(BOOTSTRAP_SERVERS) ? settings.requiredString(BOOTSTRAP_SERVERS) : null;
        List<String> apiTokens = http.apiTokens().stream().sorted().toList();
        boolean generated = apiTokens.isEmpty();
        if (generated) {
            apiTokens = List.of(developmentToken());
        }
        return new StandaloneOptions(command, dataDir, httpHost, httpPort, kafkaPort, external, apiTokens, generated,
                settings);
    }

    /** 32 random bytes, URL-safe base64: what a development token needs to be unguessable. */
    private static String developmentToken() {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        return "dev-" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The text {@code --help} prints. */
    public static String usage() {
        return """
                Usage: meterflow [run|demo] [options]

                  run    (default) start the embedded Kafka broker, alias-sync, ingest-stream and the HTTP
                         endpoints in one process; Ctrl-C stops it cleanly, and a restart on the same data
                         folder resumes with all customers, bindings, parked usage and de-duplication state.
                  demo   start the same pipeline (or use --bootstrap-servers to drive a running one), send a
                         scripted story of customers and usage through it, and print what the pipeline produced.

                Options (each is also a configuration key, settable in --config FILE or as METERFLOW_<KEY>):
                  --data-dir DIR             data.dir            folder for broker logs and state  [./data]
                  --http-port N              http.port           HTTP port, 0 picks a free one      [8080]
                                             http.host           address to listen on          [127.0.0.1]
                  --kafka-port N             broker.port         embedded broker port, 0 = free     [9092]
                  --bootstrap-servers H:P    bootstrap.servers   use an existing Kafka cluster instead of the
                                                                 embedded broker (runs only the apps)
                  --api-token TOKEN          api.tokens          bearer token(s) for the HTTP API, repeatable
                                                                 (comma-separated in config); one is generated
                                                                 and printed when none is set
                  --config FILE                                  a properties file with any keys below
                  --set KEY=VALUE                                set any key on the command line
                  --http-url URL             demo.http.url       with demo --bootstrap-servers: the running
                                                                 launcher's base URL (for its metrics)
                  --help                                         this text

                Other keys (defaults in brackets); see docs/configuration.md for the full reference:
                  topic.partitions [4]  topic.replication.factor [-1: broker default]
                  processing.guarantee [exactly_once_v2]   schema.registry.url [mock://meterflow]
                  topic.<name>=<actual name> to rename a topic; kafka.<key> passes a Streams/client setting
                  alias-sync.<key> / ingest-stream.<key> apply a key to that app only
                  pending.horizon [34d]  dedup.horizon [34d]  attribution.horizon [34d]

                Once ready it prints one line that scripts can wait for:
                  Meterflow ready: http=<base URL> kafka=<bootstrap servers> data=<folder>
                """;
    }
}
