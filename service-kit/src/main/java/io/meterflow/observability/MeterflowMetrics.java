package io.meterflow.observability;

import io.meterflow.http.HttpService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * How every Meterflow process exposes its metrics: one name prefix, the JVM and process metrics, and per Kafka Streams
 * client its own metrics (consumer lag, thread state, …) and a readiness gauge. A process creates its registry with
 * {@link #prometheusRegistry()}; an app given a registry binds its client with {@link #bindStreams}.
 *
 * <p>Every meter not already named {@code meterflow.*} is renamed {@code meterflow.<name>} (Prometheus:
 * {@code meterflow_jvm_memory_used_bytes}, {@code meterflow_kafka_consumer_fetch_manager_records_lag}, …), so one
 * prefix selects everything Meterflow exports and nothing else in a shared Prometheus collides with it.
 */
public final class MeterflowMetrics {

    public static final String PREFIX = "meterflow.";
    /** 1 while the app's Kafka Streams client is RUNNING, else 0; tagged {@code app}. */
    public static final String APP_READY = "meterflow.app.ready";
    /** Every HTTP answer, tagged by route (method and pattern) and status. */
    public static final String HTTP_RESPONSES = "meterflow.http.responses";
    /**
     * How often the Kafka metrics binder looks for new Kafka metrics (per-partition lag appears only once a partition
     * is assigned and fetched). Micrometer's default is a minute.
     */
    public static final Duration KAFKA_METRICS_REFRESH = Duration.ofSeconds(10);

    private MeterflowMetrics() {
    }

    /** Meters bound to a registry until closed. */
    @FunctionalInterface
    public interface Binding extends AutoCloseable {
        @Override
        void close();
    }

    /** Renames every meter outside {@code meterflow.*} into it. Must be configured before any meter is registered. */
    public static MeterFilter prefixFilter() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith(PREFIX) ? id : id.withName(PREFIX + id.getName());
            }
        };
    }

    /**
     * Counts each answer in {@value #HTTP_RESPONSES}, tagged {@code route} (e.g. {@code POST /v1/ingest}, or
     * {@code unmatched}: a bounded set, never a raw path) and {@code status}, so that refused requests (400, 401,
     * 413, 503) are seen beside the ones that succeeded.
     */
    public static HttpService.AnswerListener httpAnswers(MeterRegistry registry) {
        return (route, status) -> registry.counter(HTTP_RESPONSES, "route", route, "status", Integer.toString(status))
                .increment();
    }

    /** A Prometheus registry with the prefix filter and the JVM and process metrics bound. */
    public static PrometheusMeterRegistry prometheusRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(prefixFilter());
        bindProcessMetrics(registry);
        return registry;
    }

    /**
     * JVM memory, GC, threads, class loading, CPU, uptime and file descriptors. Bind once per registry; the GC binder
     * listens to GC notifications until the returned handle is closed.
     */
    public static Binding bindProcessMetrics(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return gc::close;
    }

    /**
     * Binds a Kafka Streams client's metrics (tagged {@code app}) and the {@value #APP_READY} gauge. Close the handle
     * when the client is closed; the readiness gauge stays (at 0) so that an "app not ready" alert can see it.
     */
    public static Binding bindStreams(String app, KafkaStreams streams, MeterRegistry registry) {
        Supplier<KafkaStreams.State> state = streams::state;
        // A client started again under the same name (a restart in one JVM) takes the gauge over.
        registry.find(APP_READY).tag("app", app).gauges().forEach(registry::remove);
        Gauge.builder(APP_READY, state, s -> s.get() == KafkaStreams.State.RUNNING ? 1 : 0)
                .strongReference(true)
                .tag("app", app)
                .description("1 while the app's Kafka Streams client is RUNNING (what /health/ready requires)")
                .register(registry);
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, app + "-kafka-metrics");
            thread.setDaemon(true);
            return thread;
        });
        KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams, Tags.of("app", app), refresher,
                KAFKA_METRICS_REFRESH);
        metrics.bindTo(registry);
        return () -> {
            // An external scheduler is not shut down by the binder.
            refresher.shutdownNow();
            metrics.close();
        };
    }
}
