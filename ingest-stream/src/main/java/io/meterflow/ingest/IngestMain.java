package io.meterflow.ingest;

import io.meterflow.config.Settings;
import io.meterflow.http.HealthAndMetrics;
import io.meterflow.observability.MeterflowMetrics;
import io.meterflow.http.HttpConfig;
import io.meterflow.http.HttpService;
import io.meterflow.http.ApiDocument;
import io.meterflow.http.PeerClient;
import io.meterflow.ingest.api.CustomerNames;
import io.meterflow.ingest.api.HttpCustomerNames;
import io.meterflow.ingest.api.UsageApi;
import io.meterflow.runtime.TopicLimits;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs ingest-stream until it is stopped: {@code IngestMain [--config FILE] [--set key=value]...}. Settings come
 * from the file, then {@code METERFLOW_*} environment variables, then {@code --set} flags.
 */
public final class IngestMain {

    /** alias-sync's base URL, for customer names in event search (optional). */
    public static final String CUSTOMERS_URL = "customers.api.url";

    private static final Logger LOG = LoggerFactory.getLogger(IngestMain.class);

    private IngestMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path file = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--config") && i + 1 < args.length) {
                file = Path.of(args[++i]);
            } else if (arg.equals("--set") && i + 1 < args.length && args[i + 1].contains("=")) {
                String kv = args[++i];
                overrides.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            } else {
                System.err.println("usage: IngestMain [--config FILE] [--set key=value]...");
                System.exit(2);
            }
        }
        IngestConfig config;
        Settings settings;
        HttpConfig httpConfig;
        String customersUrl;
        HttpService http;
        try {
            settings = Settings.load(file, System.getenv(), overrides);
            httpConfig = HttpConfig.from(settings, "0.0.0.0");
            http = httpConfig.bind();
            settings = HttpConfig.withApplicationServer(settings, http);
            config = IngestConfig.from(settings);
            customersUrl = settings.string(CUSTOMERS_URL, "");
            settings.string(HttpConfig.ADVERTISED_HOST, "");
        } catch (ConfigException | HttpService.HttpBindException e) {
            System.err.println("ingest-stream: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (!settings.unreadKeys().isEmpty()) {
            LOG.warn("Unknown configuration keys (ignored): {}", settings.unreadKeys());
        }
        PrometheusMeterRegistry registry = MeterflowMetrics.prometheusRegistry();
        IngestApp app = new IngestApp(config, registry);
        HealthAndMetrics.install(http, () -> Map.of("ingest-stream", app.state().name()), registry::scrape);
        CustomerNames names = customersUrl.isBlank() ? CustomerNames.none()
                : new HttpCustomerNames(customersUrl, PeerClient.anyToken(httpConfig.apiTokens()));
        UsageApi api = UsageApi.install(http, app, httpConfig.apiTokens(), names);
        ApiDocument.install(http);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            http.close();
            api.close();
            app.stop();
        }, "ingest-stream-shutdown"));
        try {
            app.start();
        } catch (TopicLimits.TopicLimitException e) {
            System.err.println("ingest-stream: " + e.getMessage());
            http.close();
            api.close();
            System.exit(1);
            return;
        }
        http.start();
        LOG.info("ingest-stream serving {}", http.baseUrl());
        app.awaitStopped();
        if (app.state() == org.apache.kafka.streams.KafkaStreams.State.ERROR) {
            System.exit(1);
        }
    }
}
