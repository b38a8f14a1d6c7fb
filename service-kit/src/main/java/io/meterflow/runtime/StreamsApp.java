package io.meterflow.runtime;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One Meterflow app's stream processing, as the {@link Runner} drives it: {@link #start()} creates the topics it
 * needs, builds its topology and starts Kafka Streams through a {@link StreamsLifecycle}; {@link #stop()} stops it
 * that same way.
 */
public interface StreamsApp {

    /** The app's name, as in health answers and metric tags: {@code alias-sync}, {@code ingest-stream}. */
    String name();

    /**
     * Creates missing topics, checks existing ones, builds the topology and starts processing; returns once Kafka
     * Streams is starting.
     *
     * @throws TopicLimits.TopicLimitException if an existing topic cannot take the app's largest records
     */
    void start();

    /** {@link KafkaStreams.State#CREATED} before {@link #start()}. */
    KafkaStreams.State state();

    /** Completes with {@code ERROR} or {@code NOT_RUNNING} once processing has stopped, for whatever reason. */
    CompletableFuture<KafkaStreams.State> terminated();

    /** Stops processing, committing in-flight work (see {@link StreamsLifecycle#stop}). Idempotent. */
    void stop();
}
