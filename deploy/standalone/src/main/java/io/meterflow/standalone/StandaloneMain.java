package io.meterflow.standalone;

import io.meterflow.http.HttpService;
import io.meterflow.kafka.embedded.EmbeddedKafkaException;
import io.meterflow.runtime.Runner;
import io.meterflow.runtime.TopicLimits;
import java.io.PrintStream;
import java.time.Duration;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@code meterflow [run|demo] [options]}: see {@link StandaloneOptions#usage()}. Exits 0 after a clean stop, 2 on a
 * bad setting, 1 when something could not start; errors are printed as one line, not a stack trace.
 */
public final class StandaloneMain {

    /** Scripts wait for a line starting with this. */
    public static final String READY_PREFIX = "Meterflow ready: ";
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private StandaloneMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.getenv(), out, err);
    }

    /**
     * Runs the launcher with the given environment until it stops (the container image's entrypoint calls this).
     *
     * @return the exit code: 0 after a clean stop, 2 on a bad setting, 1 when something could not start or failed
     */
    public static int run(String[] args, java.util.Map<String, String> env, PrintStream out, PrintStream err) {
        StandaloneOptions options;
        try {
            options = StandaloneOptions.parse(args, env);
        } catch (StandaloneOptions.HelpRequested help) {
            out.print(StandaloneOptions.usage());
            return 0;
        } catch (ConfigException e) {
            err.println("meterflow: " + e.getMessage());
            return 2;
        }
        if (options.command().equals("demo") && options.externalKafka() != null) {
            String httpUrl = options.settings().string(StandaloneOptions.DEMO_HTTP_URL, null);
            if (httpUrl == null) {
                err.println("meterflow: demo --bootstrap-servers also needs --http-url, the running launcher's base URL");
                return 2;
            }
            return Demo.runAgainst(options, httpUrl.replaceAll("/+$", "") + "/metrics", out);
        }
        Standalone standalone = new Standalone(options);
        Runtime.getRuntime().addShutdownHook(new Thread(standalone::close, "meterflow-shutdown"));
        try {
            standalone.start(READY_TIMEOUT);
        } catch (Runner.StartupException | HttpService.HttpBindException | EmbeddedKafkaException
                | TopicLimits.TopicLimitException | ConfigException e) {
            err.println("meterflow: " + e.getMessage());
            standalone.close();
            return e instanceof ConfigException ? 2 : 1;
        } catch (KafkaException e) {
            err.println("meterflow: Kafka: " + e.getMessage());
            standalone.close();
            return 1;
        }
        if (options.tokenGenerated()) {
            out.println("Development API token (none configured; set api.tokens or --api-token): " + options.apiTokens().get(0));
        }
        out.println(READY_PREFIX + "http=" + standalone.httpBaseUrl() + " kafka=" + standalone.bootstrapServers()
                + " data=" + standalone.dataDir());
        out.flush();
        if (options.command().equals("demo")) {
            return Demo.run(standalone, out);
        }
        // Until Ctrl-C (the hook closes everything, and each app ends NOT_RUNNING), or an app fails on its own: then
        // exit 1, as each app's main does, so that a supervisor restarts the process.
        try {
            if (standalone.awaitTermination() == KafkaStreams.State.ERROR) {
                err.println("meterflow: an app stopped on an unexpected error; the log above says why");
                standalone.close();
                return 1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
