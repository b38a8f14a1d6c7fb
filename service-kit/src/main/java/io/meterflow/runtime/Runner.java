package io.meterflow.runtime;

import io.meterflow.config.Settings;
import io.meterflow.http.ApiDocument;
import io.meterflow.http.HealthAndMetrics;
import io.meterflow.http.HttpConfig;
import io.meterflow.http.HttpService;
import io.meterflow.observability.MeterflowMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Meterflow apps in a process, the same way in every mode: each app's own main ({@link #runMain}), the
 * standalone launcher (two apps and an embedded broker), the tests and the container image.
 *
 * <p>{@link Builder#build()} binds the HTTP port first (the most likely thing to be taken, and failing on it costs
 * nothing), lets each app read its settings and install its API, then reports every setting no app read as an unknown
 * key. {@link #start()} creates each app's topics, builds its topology and starts Kafka Streams, then opens HTTP:
 * {@code /health/live}, {@code /health/ready} (each app's state, and any extra part such as an embedded broker),
 * {@code /metrics}, {@code /openapi.yaml} and the apps' APIs. {@link #close()} stops the apps (committing their work;
 * see {@link StreamsLifecycle#stop}) while HTTP still answers, so that {@code /health/ready} says 503 during shutdown
 * rather than nothing, then HTTP, then the APIs' producers.
 */
public final class Runner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Runner.class);

    private final HttpService http;
    private final PrometheusMeterRegistry registry;
    private final Map<String, Supplier<String>> extraParts;
    private final Map<String, AppDefinition.Installed> apps = new LinkedHashMap<>();
    private Set<String> unknownKeys = Set.of();
    private boolean closed;

    private Runner(HttpService http, PrometheusMeterRegistry registry, Map<String, Supplier<String>> extraParts) {
        this.http = http;
        this.registry = registry;
        this.extraParts = extraParts;
    }

    public static Builder builder(Settings settings) {
        return new Builder(settings);
    }

    /** How a process is put together before anything starts. */
    public static final class Builder {
        private final Settings settings;
        private final Map<String, AppDefinition> definitions = new LinkedHashMap<>();
        private final Map<String, Supplier<String>> extraParts = new LinkedHashMap<>();
        private String defaultHost = "0.0.0.0";
        private HttpConfig httpConfig;
        private Runnable beforeApps = () -> { };
        private BiFunction<String, Settings, Settings> appSettings = (app, settings) -> settings;

        private Builder(Settings settings) {
            this.settings = settings;
        }

        /** Adds an app; apps start in the order added and stop in the reverse order. */
        public Builder app(String name, AppDefinition definition) {
            if (definitions.putIfAbsent(name, definition) != null) {
                throw new IllegalArgumentException("app " + name + " added twice");
            }
            return this;
        }

        /** The address HTTP listens on when {@code http.host} is not set (each app's main: {@code 0.0.0.0}). */
        public Builder defaultHost(String host) {
            this.defaultHost = host;
            return this;
        }

        /** HTTP settings decided by the caller (the launcher's generated token); by default read from the settings. */
        public Builder http(HttpConfig config) {
            this.httpConfig = config;
            return this;
        }

        /** Work after HTTP is bound and before the apps read their settings (the launcher starts its broker here). */
        public Builder beforeApps(Runnable work) {
            this.beforeApps = work;
            return this;
        }

        /** The settings each app sees, from the process's (by default the same for every app). */
        public Builder appSettings(BiFunction<String, Settings, Settings> view) {
            this.appSettings = view;
            return this;
        }

        /** A further part reported by {@code /health/ready}, such as an embedded broker. */
        public Builder healthPart(String name, Supplier<String> state) {
            extraParts.put(name, state);
            return this;
        }

        /**
         * Binds HTTP and installs every app, not yet started. Logs a warning naming every setting that no app read.
         *
         * @throws ConfigException              if a setting is invalid (the message names the key)
         * @throws HttpService.HttpBindException if the HTTP port cannot be bound
         */
        public Runner build() {
            if (definitions.isEmpty()) {
                throw new IllegalStateException("no app to run");
            }
            HttpConfig config = httpConfig != null ? httpConfig : HttpConfig.from(settings, defaultHost);
            HttpService http = config.bind();
            Runner runner = new Runner(http, MeterflowMetrics.prometheusRegistry(), Map.copyOf(extraParts));
            http.onAnswer(MeterflowMetrics.httpAnswers(runner.registry));
            try {
                beforeApps.run();
                Settings served = HttpConfig.withApplicationServer(settings, http);
                AppDefinition.Context context = new AppDefinition.Context(http, config.apiTokens(), runner.registry);
                definitions.forEach((name, definition) -> runner.apps.put(name,
                        definition.install(appSettings.apply(name, served), context)));
                HealthAndMetrics.install(http, runner::health, runner.registry::scrape);
                ApiDocument.install(http);
            } catch (RuntimeException | Error e) {
                runner.close();
                throw e;
            }
            runner.unknownKeys = settings.unreadKeys();
            if (!runner.unknownKeys.isEmpty()) {
                LOG.warn("Unknown configuration keys, ignored (a typo, or a key of another app or mode?): {}",
                        runner.unknownKeys);
            }
            return runner;
        }
    }

    /**
     * Starts every app in order, then serves HTTP.
     *
     * @throws TopicLimits.TopicLimitException if an existing topic cannot take an app's largest records
     */
    public synchronized void start() {
        for (AppDefinition.Installed installed : apps.values()) {
            installed.app().start();
        }
        http.start();
        LOG.info("{} serving {}", String.join(" and ", apps.keySet()), http.baseUrl());
    }

    /**
     * Waits until every app is RUNNING.
     *
     * @throws StartupException if one stops while starting, or {@code timeout} passes first
     */
    public void awaitRunning(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!apps.values().stream().allMatch(a -> a.app().state() == KafkaStreams.State.RUNNING)) {
            for (AppDefinition.Installed installed : apps.values()) {
                KafkaStreams.State state = installed.app().state();
                if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING
                        || state == KafkaStreams.State.PENDING_ERROR) {
                    throw new StartupException(installed.app().name() + " stopped while starting (state " + state
                            + "); the log above says why");
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new StartupException("not every app was RUNNING within " + timeout.toSeconds() + " s: "
                        + health());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for the apps to start");
            }
        }
    }

    /**
     * Blocks until the first app stops, for whatever reason: after {@link #close()}, or on its own (an error).
     *
     * @return that app's final state, {@code ERROR} or {@code NOT_RUNNING}
     */
    public KafkaStreams.State awaitTermination() throws InterruptedException {
        CompletableFuture<?>[] ends = apps.values().stream().map(a -> a.app().terminated())
                .toArray(CompletableFuture[]::new);
        try {
            return (KafkaStreams.State) CompletableFuture.anyOf(ends).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("an app's termination failed", e.getCause());
        }
    }

    /** Each part's state, for {@code /health/ready}: the extra parts, then every app. */
    public Map<String, String> health() {
        Map<String, String> parts = new LinkedHashMap<>();
        extraParts.forEach((name, state) -> parts.put(name, state.get()));
        apps.forEach((name, installed) -> parts.put(name, installed.app().state().name()));
        return parts;
    }

    /** An installed app, by the name it was added with. */
    public StreamsApp app(String name) {
        AppDefinition.Installed installed = apps.get(name);
        if (installed == null) {
            throw new IllegalArgumentException("no app named " + name + " (there are " + apps.keySet() + ")");
        }
        return installed.app();
    }

    /** The resources an installed app's API holds (its {@code CustomerApi} or {@code UsageApi}), by app name. */
    public AutoCloseable api(String name) {
        app(name);
        return apps.get(name).api();
    }

    /** The settings given that no app read, as reported at {@link Builder#build()}. */
    public Set<String> unknownKeys() {
        return unknownKeys;
    }

    public String httpBaseUrl() {
        return http.baseUrl();
    }

    public int httpPort() {
        return http.port();
    }

    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }

    /**
     * Stops the apps in reverse order (each commits its work), then HTTP, then the APIs' producers. Idempotent; safe
     * from a shutdown hook.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<AppDefinition.Installed> reversed = new ArrayList<>(apps.values());
        java.util.Collections.reverse(reversed);
        for (AppDefinition.Installed installed : reversed) {
            try {
                installed.app().stop();
            } catch (RuntimeException e) {
                LOG.warn("{} did not stop cleanly", installed.app().name(), e);
            }
        }
        http.close();
        for (AppDefinition.Installed installed : reversed) {
            try {
                installed.api().close();
            } catch (Exception e) {
                LOG.warn("{}'s API did not close cleanly", installed.app().name(), e);
            }
        }
    }

    /**
     * Runs one app as a process until it stops: what {@code IngestMain} and {@code AliasSyncMain} do. Settings come
     * from {@link CommandLine} (a file, {@code METERFLOW_*} variables, {@code --set} flags).
     *
     * @return the exit code: 0 after a requested shutdown, 1 if the app failed or could not start, 2 on bad
     *     arguments or settings; errors are printed as one line to {@code err}
     */
    public static int runMain(String name, String[] args, Map<String, String> env, AppDefinition definition,
            PrintStream err) throws InterruptedException {
        Runner runner;
        try {
            runner = builder(CommandLine.settings(name, args, env)).app(name, definition).build();
        } catch (ConfigException | CommandLine.UsageException | HttpService.HttpBindException e) {
            err.println(name + ": " + e.getMessage());
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(runner::close, name + "-shutdown"));
        try {
            runner.start();
        } catch (TopicLimits.TopicLimitException e) {
            err.println(name + ": " + e.getMessage());
            runner.close();
            return 1;
        } catch (KafkaException e) {
            err.println(name + ": Kafka: " + e.getMessage());
            runner.close();
            return 1;
        }
        return runner.awaitTermination() == KafkaStreams.State.ERROR ? 1 : 0;
    }

    /** A start-up failure with a message meant for the user, printed without a stack trace. */
    public static final class StartupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public StartupException(String message) {
            super(message);
        }
    }
}
