package io.meterflow.ingest;

import io.meterflow.config.Settings;
import io.meterflow.http.HealthAndMetrics;
import io.meterflow.observability.MeterflowMetrics;
import io.meterflow.http.HttpConfig;
import io.meterflow.http.HttpService;
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
        HttpService http;
        try {
            settings = Settings.load(file, System.getenv(), overrides);
            config = IngestConfig.from(settings);
            http = HttpConfig.from(settings, "0.0.0.0").bind();
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
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.stop();
            http.close();
        }, "ingest-stream-shutdown"));
        app.start();
        http.start();
        LOG.info("ingest-stream serving {}", http.baseUrl());
        app.awaitStopped();
        if (app.state() == org.apache.kafka.streams.KafkaStreams.State.ERROR) {
            System.exit(1);
        }
    }
}
