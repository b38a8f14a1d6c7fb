package io.meterflow.standalone;

import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncConfig;
import io.meterflow.config.Settings;
import io.meterflow.config.StreamsAppConfig;
import io.meterflow.http.HealthAndMetrics;
import io.meterflow.observability.MeterflowMetrics;
import io.meterflow.http.HttpService;
import io.meterflow.http.ApiDocument;
import io.meterflow.http.HttpConfig;
import io.meterflow.aliassync.api.CustomerApi;
import io.meterflow.aliassync.api.CustomerStoreQuery;
import io.meterflow.ingest.api.UsageApi;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.kafka.embedded.EmbeddedKafkaBroker;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meterflow in one process: the embedded broker (unless an external cluster is given), alias-sync, ingest-stream and
 * the HTTP endpoints, all keeping their data under one folder. Starting again on the same folder resumes where it
 * stopped: the broker's logs hold every topic and changelog, the Streams state directories are reused, and schema IDs
 * are derived from the schemas themselves (see {@code MockSchemaRegistry}), so nothing about them needs storing.
 */
public final class Standalone implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Standalone.class);
    /** On two cores, four partitions give each app room to parallelise without idling on empty partitions. */
    static final int DEFAULT_PARTITIONS = 4;
    static final String ALIAS_SYNC = "alias-sync";
    static final String INGEST_STREAM = "ingest-stream";

    private final StandaloneOptions options;
    private final PrometheusMeterRegistry meterRegistry = MeterflowMetrics.prometheusRegistry();
    private EmbeddedKafkaBroker broker;
    private AliasSyncApp aliasSync;
    private IngestApp ingest;
    private HttpService http;
    private CustomerApi customerApi;
    private UsageApi usageApi;
    private String bootstrapServers;

    public Standalone(StandaloneOptions options) {
        this.options = options;
    }

    /**
     * Starts everything and waits until both apps are RUNNING.
     *
     * @throws StartupException with a message for the user when something cannot start
     */
    public synchronized void start(Duration readyTimeout) {
        prepareDataDir(options.dataDir());
        // The HTTP port is bound first: it is the most likely to be taken, and failing on it costs nothing.
        http = HttpService.bind(options.httpHost(), options.httpPort(), Set.copyOf(options.apiTokens()),
                HttpConfig.from(options.settings(), options.httpHost()).limits());
        HealthAndMetrics.install(http, this::health, meterRegistry::scrape);
        if (options.externalKafka() == null) {
            broker = EmbeddedKafkaBroker.builder()
                    .dataDir(options.dataDir().resolve("kafka"))
                    .port(options.kafkaPort())
                    .build()
                    .start();
            bootstrapServers = broker.bootstrapServers();
        } else {
            bootstrapServers = options.externalKafka();
        }
        aliasSync = new AliasSyncApp(AliasSyncConfig.from(appSettings(ALIAS_SYNC)), meterRegistry);
        ingest = new IngestApp(IngestConfig.from(appSettings(INGEST_STREAM)), meterRegistry);
        customerApi = CustomerApi.install(http, aliasSync, Set.copyOf(options.apiTokens()),
                CustomerApi.DEFAULT_WRITE_TIMEOUT);
        // One process: event search names customers from alias-sync's store directly, no HTTP hop.
        CustomerStoreQuery customers = customerApi.query();
        usageApi = UsageApi.install(http, ingest, Set.copyOf(options.apiTokens()), id -> {
            try {
                return customers.name(id);
            } catch (RuntimeException unavailable) {
                return java.util.Optional.empty();
            }
        });
        ApiDocument.install(http);
        aliasSync.start();
        ingest.start();
        http.start();
        awaitRunning(readyTimeout);
    }

    /**
     * The settings one app sees: everything given, then the app's own {@code <app>.*} keys, then what the launcher
     * decides (bootstrap servers, a state folder under the data folder, the standalone partition default).
     */
    Settings appSettings(String app) {
        Map<String, String> values = new HashMap<>(options.settings().asMap());
        // <app>.<key> sets <key> for that app only; the prefixed key stays too, for apps whose own keys carry it.
        values.putAll(options.settings().withPrefix(app + "."));
        values.put(StreamsAppConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        values.putIfAbsent(StreamsAppConfig.STATE_DIR, options.dataDir().resolve("state").resolve(app).toString());
        values.putIfAbsent(StreamsAppConfig.TOPIC_PARTITIONS, Integer.toString(DEFAULT_PARTITIONS));
        // Interactive-query metadata names this process's one HTTP port (key-owner forwarding needs it).
        if (http != null) {
            values.putIfAbsent(HttpConfig.APPLICATION_SERVER, "localhost:" + http.port());
        }
        return Settings.of(values);
    }

    private void awaitRunning(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!(aliasSync.state() == KafkaStreams.State.RUNNING && ingest.state() == KafkaStreams.State.RUNNING)) {
            for (Map.Entry<String, Supplier<KafkaStreams.State>> app : Map.<String, Supplier<KafkaStreams.State>>of(
                    ALIAS_SYNC, aliasSync::state, INGEST_STREAM, ingest::state).entrySet()) {
                KafkaStreams.State state = app.getValue().get();
                if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
                    throw new StartupException(app.getKey() + " stopped while starting (state " + state
                            + "); the log above says why");
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new StartupException("alias-sync (" + aliasSync.state() + ") and ingest-stream (" + ingest.state()
                        + ") were not both RUNNING within " + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for the apps to start");
            }
        }
    }

    static void prepareDataDir(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-check", "");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new StartupException("Data folder " + dir + " is not writable: " + e.getMessage()
                    + " (choose another with --data-dir)");
        }
    }

    /** The health of each part, for {@code /health/ready}. */
    Map<String, String> health() {
        Map<String, String> parts = new java.util.LinkedHashMap<>();
        if (options.externalKafka() == null) {
            parts.put("kafka", broker != null && broker.isRunning() ? "RUNNING" : "NOT_RUNNING");
        }
        parts.put(ALIAS_SYNC, aliasSync == null ? "CREATED" : aliasSync.state().name());
        parts.put(INGEST_STREAM, ingest == null ? "CREATED" : ingest.state().name());
        return parts;
    }

    public String httpBaseUrl() {
        return http.baseUrl();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return options.dataDir();
    }

    public PrometheusMeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /**
     * Stops the apps (committing their work), then the HTTP endpoints, then the broker. Idempotent. The endpoints stay
     * up while the apps stop, so that {@code /health/ready} answers 503 during shutdown rather than nothing.
     */
    @Override
    public synchronized void close() {
        if (ingest != null) {
            ingest.close();
        }
        if (aliasSync != null) {
            aliasSync.close();
        }
        // HTTP stays up while the apps stop, so /health/ready answers 503 instead of refusing connections; the APIs'
        // producers close once no request can reach them.
        if (http != null) {
            http.close();
        }
        if (usageApi != null) {
            usageApi.close();
        }
        if (customerApi != null) {
            customerApi.close();
        }
        if (broker != null) {
            broker.close();
        }
        LOG.info("Meterflow stopped");
    }

    /** A start-up failure with a message meant for the user, printed without a stack trace. */
    public static final class StartupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public StartupException(String message) {
            super(message);
        }
    }
}
