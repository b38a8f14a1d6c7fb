package io.meterflow.ingest;

import io.meterflow.config.Settings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
        try {
            settings = Settings.load(file, System.getenv(), overrides);
            config = IngestConfig.from(settings);
        } catch (ConfigException e) {
            System.err.println("Invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (!settings.unreadKeys().isEmpty()) {
            LOG.warn("Unknown configuration keys (ignored): {}", settings.unreadKeys());
        }
        IngestApp app = new IngestApp(config, new SimpleMeterRegistry());
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "ingest-stream-shutdown"));
        app.start();
        app.awaitStopped();
        if (app.state() == org.apache.kafka.streams.KafkaStreams.State.ERROR) {
            System.exit(1);
        }
    }
}
