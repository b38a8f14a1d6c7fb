package io.meterflow.runtime;

import io.meterflow.config.NeverSkipProductionExceptionHandler;
import io.meterflow.observability.MeterflowMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every Meterflow app starts and stops its Kafka Streams client, so that both do it the same way.
 *
 * <ul>
 *   <li>An exception that escapes processing (not bad input, which is handled as data, but a bug or a broken
 *       cluster) shuts the whole client down and leaves it in {@link KafkaStreams.State#ERROR}: the process around it
 *       decides whether to restart.
 *   <li>A changelog or output write is never skipped ({@link NeverSkipProductionExceptionHandler} counts its refusals).
 *   <li>Stopping commits in-flight work and leaves the consumer group, so that the instance's partitions move at once
 *       rather than after the session timeout (a restarted single instance resumes immediately) — unless the app runs
 *       with static membership ({@code group.instance.id}), whose point is that a restart within the session timeout
 *       moves nothing.
 * </ul>
 */
public final class StreamsLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsLifecycle.class);
    /** How long a stop waits for in-flight work to commit. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final String appName;
    private final MeterRegistry registry;
    private final CompletableFuture<KafkaStreams.State> terminated = new CompletableFuture<>();
    private volatile KafkaStreams streams;
    private MeterflowMetrics.Binding metrics;
    private boolean staticMember;

    public StreamsLifecycle(String appName, MeterRegistry registry) {
        this.appName = appName;
        this.registry = registry;
    }

    /** Creates the client for {@code topology} and starts it; returns once it is starting (not yet RUNNING). */
    public synchronized KafkaStreams start(Topology topology, Properties properties) {
        if (streams != null) {
            throw new IllegalStateException(appName + " was already started");
        }
        NeverSkipProductionExceptionHandler.supplyMetrics(properties, registry);
        staticMember = isStaticMember(properties);
        KafkaStreams client = new KafkaStreams(topology, properties);
        client.setUncaughtExceptionHandler(e -> {
            LOG.error("{} stopped by an unexpected error in a stream thread", appName, e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        client.setStateListener((now, before) -> {
            LOG.info("{} {} -> {}", appName, before, now);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                terminated.complete(now);
            }
        });
        metrics = MeterflowMetrics.bindStreams(appName, client, registry);
        streams = client;
        client.start();
        return client;
    }

    /** Whether {@code group.instance.id} is set for the main consumer, in any of the ways Kafka Streams accepts. */
    static boolean isStaticMember(Properties properties) {
        for (String key : new String[] {ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)}) {
            Object value = properties.get(key);
            if (value != null && !value.toString().isBlank()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Stops the client, waiting up to {@code timeout} for in-flight work to commit; leaves the group unless the app is
     * a static member. Idempotent; a no-op before {@link #start}.
     *
     * @return false if the client did not stop within {@code timeout}
     */
    public synchronized boolean stop(Duration timeout) {
        KafkaStreams client = streams;
        if (client == null) {
            terminated.complete(KafkaStreams.State.NOT_RUNNING);
            return true;
        }
        GroupMembershipOperation membership = staticMember
                ? GroupMembershipOperation.REMAIN_IN_GROUP : GroupMembershipOperation.LEAVE_GROUP;
        boolean closed = client.close(CloseOptions.groupMembershipOperation(membership).withTimeout(timeout));
        if (!closed) {
            LOG.warn("{} did not stop within {}", appName, timeout);
        }
        if (metrics != null) {
            metrics.close();
            metrics = null;
        }
        terminated.complete(client.state() == KafkaStreams.State.ERROR
                ? KafkaStreams.State.ERROR : KafkaStreams.State.NOT_RUNNING);
        return closed;
    }

    /** The client; null before {@link #start}. */
    public KafkaStreams streams() {
        return streams;
    }

    /** The client's state, {@link KafkaStreams.State#CREATED} before {@link #start}. */
    public KafkaStreams.State state() {
        KafkaStreams client = streams;
        return client == null ? KafkaStreams.State.CREATED : client.state();
    }

    /** Completes with {@code ERROR} or {@code NOT_RUNNING} once the client has stopped, for whatever reason. */
    public CompletableFuture<KafkaStreams.State> terminated() {
        return terminated;
    }
}
