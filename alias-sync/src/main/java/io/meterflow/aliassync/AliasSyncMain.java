package io.meterflow.aliassync;

import io.meterflow.config.Settings;
import io.micrometer.core.instrument.MeterRegistry;
import io.meterflow.http.HealthAndMetrics;
import io.meterflow.observability.MeterflowMetrics;
import io.meterflow.http.HttpConfig;
import io.meterflow.http.HttpService;
import io.meterflow.http.ApiDocument;
import io.meterflow.aliassync.api.CustomerApi;
import java.time.Duration;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import io.meterflow.runtime.TopicLimits;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs alias-sync as a process: {@code alias-sync [--config FILE]}, each setting overridable by a {@code METERFLOW_*}
 * environment variable, serving {@code /health/live}, {@code /health/ready} and {@code /metrics} on
 * {@code http.port}. Exits 0 after a requested shutdown, 1 if the streams client failed, 2 on bad configuration.
 */
public final class AliasSyncMain {

    private static final Logger LOG = LoggerFactory.getLogger(AliasSyncMain.class);

    private AliasSyncMain() {
    }

    public static void main(String[] args) throws InterruptedException, ExecutionException {
        PrometheusMeterRegistry registry = MeterflowMetrics.prometheusRegistry();
        Settings settings;
        HttpService http;
        HttpConfig httpConfig;
        Duration writeTimeout;
        AliasSyncApp app;
        try {
            settings = Settings.load(configFile(args), System.getenv(), Map.of());
            httpConfig = HttpConfig.from(settings, "0.0.0.0");
            http = httpConfig.bind();
            settings = HttpConfig.withApplicationServer(settings, http);
            writeTimeout = settings.duration(CustomerApi.WRITE_TIMEOUT, CustomerApi.DEFAULT_WRITE_TIMEOUT);
            settings.string(HttpConfig.ADVERTISED_HOST, "");
            app = start(settings, registry);
        } catch (ConfigException | IllegalArgumentException | HttpService.HttpBindException e) {
            System.err.println("alias-sync: " + e.getMessage());
            System.exit(2);
            return;
        } catch (TopicLimits.TopicLimitException e) {
            System.err.println("alias-sync: " + e.getMessage());
            System.exit(1);
            return;
        }
        HealthAndMetrics.install(http, () -> Map.of("alias-sync", app.state().name()), registry::scrape);
        CustomerApi api = CustomerApi.install(http, app, httpConfig.apiTokens(), writeTimeout);
        ApiDocument.install(http);
        http.start();
        LOG.info("alias-sync serving {}", http.baseUrl());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            http.close();
            api.close();
            app.stop();
        }, "alias-sync-shutdown"));
        KafkaStreams.State end = app.terminated().get();
        if (end == KafkaStreams.State.ERROR) {
            app.stop();
            System.exit(1);
        }
    }

    /**
     * What {@link #main} does before it waits: loads and validates the configuration from the arguments and the
     * environment, creates missing topics and starts processing.
     *
     * @throws ConfigException          if a setting is invalid (the message names the key)
     * @throws IllegalArgumentException if the arguments are not {@code [--config FILE]}
     */
    public static AliasSyncApp start(String[] args, Map<String, String> env, MeterRegistry registry) {
        return start(Settings.load(configFile(args), env, Map.of()), registry);
    }

    static AliasSyncApp start(Settings settings, MeterRegistry registry) {
        // The HTTP keys are read by main(); reading them here too keeps them out of the typo warning.
        HttpConfig.from(settings, "0.0.0.0");
        AliasSyncConfig config = AliasSyncConfig.from(settings);
        Set<String> unread = settings.unreadKeys();
        if (!unread.isEmpty()) {
            LOG.warn("Settings not used by alias-sync (typos?): {}", unread);
        }
        AliasSyncApp app = new AliasSyncApp(config, registry);
        app.start();
        return app;
    }

    static Path configFile(String[] args) {
        if (args.length == 0) {
            return null;
        }
        if (args.length == 2 && args[0].equals("--config")) {
            return Path.of(args[1]);
        }
        if (args.length == 1 && args[0].startsWith("--config=")) {
            return Path.of(args[0].substring("--config=".length()));
        }
        throw new IllegalArgumentException("usage: alias-sync [--config FILE]");
    }
}
