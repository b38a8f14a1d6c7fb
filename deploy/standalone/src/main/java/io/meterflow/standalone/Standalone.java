package io.meterflow.standalone;

import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncService;
import io.meterflow.aliassync.api.CustomerStoreQuery;
import io.meterflow.config.Settings;
import io.meterflow.config.StreamsAppConfig;
import io.meterflow.http.HttpConfig;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestService;
import io.meterflow.ingest.api.CustomerNames;
import io.meterflow.kafka.embedded.EmbeddedKafkaBroker;
import io.meterflow.runtime.Runner;
import io.meterflow.runtime.Runner.StartupException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meterflow in one process: the embedded broker (unless an external cluster is given), alias-sync, ingest-stream and
 * the HTTP endpoints, all keeping their data under one folder, run by the same {@link Runner} as each app's own main.
 * Starting again on the same folder resumes where it stopped: the broker's logs hold every topic and changelog, the
 * Streams state directories are reused, and schema IDs are derived from the schemas themselves (see
 * {@code MockSchemaRegistry}), so nothing about them needs storing.
 */
public final class Standalone implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Standalone.class);
    /** On two cores, four partitions give each app room to parallelise without idling on empty partitions. */
    static final int DEFAULT_PARTITIONS = 4;
    static final String ALIAS_SYNC = AliasSyncApp.NAME;
    static final String INGEST_STREAM = IngestApp.NAME;

    private final StandaloneOptions options;
    private EmbeddedKafkaBroker broker;
    private Runner runner;
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
        runner = build();
        runner.start();
        runner.awaitRunning(readyTimeout);
    }

    /**
     * Binds HTTP, starts the broker (unless external) and installs both apps, without starting them.
     *
     * @throws ConfigException if a setting is invalid, or {@code application.id} is given for both apps at once
     */
    Runner build() {
        if (options.settings().has(StreamsAppConfig.APPLICATION_ID)) {
            throw new ConfigException(StreamsAppConfig.APPLICATION_ID + " would give both apps one consumer group;"
                    + " set " + ALIAS_SYNC + "." + StreamsAppConfig.APPLICATION_ID + " and " + INGEST_STREAM + "."
                    + StreamsAppConfig.APPLICATION_ID + " instead");
        }
        HttpConfig given = HttpConfig.from(options.settings(), options.httpHost());
        // One process: event search names customers, and a customer's billable metrics check it, from alias-sync's
        // store directly, no HTTP hop.
        AtomicReference<CustomerStoreQuery> customers = new AtomicReference<>();
        return Runner.builder(options.settings())
                .http(new HttpConfig(given.host(), given.port(), Set.copyOf(options.apiTokens()), given.limits()))
                .beforeApps(this::startBroker)
                .appSettings((app, settings) -> settings.forApp(app, launcherDefaults(app)))
                .healthPart("kafka", () -> broker == null || broker.isRunning() ? "RUNNING" : "NOT_RUNNING")
                .app(ALIAS_SYNC, AliasSyncService.definition(customers::set))
                .app(INGEST_STREAM, IngestService.definition(CustomerNames.of(id -> customers.get().name(id))))
                .build();
    }

    private void startBroker() {
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
    }

    /** What the launcher decides for an app unless the user set it: the cluster, a state folder, the partitions. */
    private Map<String, String> launcherDefaults(String app) {
        return Map.of(
                StreamsAppConfig.BOOTSTRAP_SERVERS, bootstrapServers,
                StreamsAppConfig.STATE_DIR, options.dataDir().resolve("state").resolve(app).toString(),
                StreamsAppConfig.TOPIC_PARTITIONS, Integer.toString(DEFAULT_PARTITIONS));
    }

    /**
     * The settings one app sees: everything given, with the app's own {@code <app>.*} keys overriding, then what the
     * launcher decides (see {@link Settings#forApp}). Available once started.
     */
    Settings appSettings(String app) {
        return options.settings().forApp(app, launcherDefaults(app));
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
        return runner.health();
    }

    /** The runner, once started: its apps, health and unknown keys. */
    Runner runner() {
        return runner;
    }

    public String httpBaseUrl() {
        return runner.httpBaseUrl();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return options.dataDir();
    }

    public PrometheusMeterRegistry meterRegistry() {
        return runner == null ? null : runner.meterRegistry();
    }

    /** Blocks until an app stops on its own or everything is closed; that app's final state. */
    KafkaStreams.State awaitTermination() throws InterruptedException {
        return runner.awaitTermination();
    }

    /** Stops the apps and HTTP as the {@link Runner} does, then the broker. Idempotent. */
    @Override
    public synchronized void close() {
        if (runner != null) {
            runner.close();
        }
        if (broker != null) {
            broker.close();
        }
        LOG.info("Meterflow stopped");
    }
}
