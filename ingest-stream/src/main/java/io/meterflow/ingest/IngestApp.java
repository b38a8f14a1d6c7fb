package io.meterflow.ingest;

import io.meterflow.ingest.aggregate.AggregateRecordBudget;
import io.meterflow.ingest.aggregate.LocalUsageAggregates;
import io.meterflow.ingest.billablemetrics.BillableMetricRules;
import io.meterflow.ingest.billablemetrics.BillableMetricsQuery;
import io.meterflow.ingest.emit.RecordBudget;
import io.meterflow.ingest.query.EventStatusQuery;
import io.meterflow.runtime.InternalTopics;
import io.meterflow.runtime.StreamsApp;
import io.meterflow.runtime.StreamsLifecycle;
import io.meterflow.runtime.TopicLimits;
import io.meterflow.topics.TopicNames;
import io.meterflow.runtime.TopicProvisioner;
import io.meterflow.runtime.TopicProvisioner.TopicSpec;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest-stream service: creates the topics it needs (usage-events, usage-resolved, usage-rejected,
 * usage-expired, the compacted billable-metrics and usage-aggregates, and alias-bindings if alias-sync has not yet), reads the partition count of usage-events, builds the
 * topology for it and runs it through a {@link StreamsLifecycle}, which starts and stops it as it does alias-sync (an
 * unexpected error in a stream thread stops the whole client; errors in data are handled as data). Kafka Streams
 * creates its own repartition and changelog topics. One instance starts once; no static state, so several can share a
 * JVM.
 *
 * <p>Before it starts, it checks that every existing topic it writes (its outputs, usage-events for the ingest API,
 * its changelogs and repartition topics) takes its largest record ({@link RecordBudget#largestRecord}) and refuses to
 * start, with a {@link TopicLimits.TopicLimitException} naming the topic, its limit and the setting to change, when
 * one does not: such a topic would stop the app on the first large record, and again after every restart.
 */
public final class IngestApp implements StreamsApp, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestApp.class);
    public static final String NAME = "ingest-stream";
    /** Kafka Streams' {@code poll.ms} unless {@code kafka.poll.ms} is given: how long a thread waits for input. */
    static final long POLL_MS = 10;

    private final IngestConfig config;
    private final MeterRegistry meterRegistry;
    private final StreamsLifecycle lifecycle;
    private volatile IngestConfig effectiveConfig;
    private volatile int resolvedPartitions;

    public IngestApp(IngestConfig config, MeterRegistry meterRegistry) {
        this.config = config;
        this.meterRegistry = meterRegistry;
        this.lifecycle = new StreamsLifecycle(NAME, meterRegistry);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The Kafka Streams properties of ingest-stream: every app's ({@code StreamsAppConfig}) and its own defaults. */
    static Properties streamsProperties(IngestConfig config) {
        Properties props = config.streams().streamsProperties();
        // The usage task also reads the reroute and fan-out topics, which are usually empty. With the default
        // max.task.idle.ms (0) Kafka Streams formats a log message for each empty partition on every processing
        // step (a sixth of the stream thread's time in a profile); ingest-stream needs no ordering across its
        // inputs, so it does not wait for them at all. kafka.max.task.idle.ms still overrides this.
        props.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, String.valueOf(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        // Replays and moves run in punctuations, after the thread's poll for input; with no input that poll waits
        // poll.ms (100 by default) every loop, which left a replay without live usage idle a third of the time.
        // kafka.poll.ms still overrides this.
        props.putIfAbsent(StreamsConfig.POLL_MS_CONFIG, String.valueOf(POLL_MS));
        return props;
    }

    /** Provisions topics and starts processing; returns once Kafka Streams is starting (not yet RUNNING). */
    @Override
    public synchronized void start() {
        if (lifecycle.streams() != null) {
            throw new IllegalStateException("ingest-stream was already started");
        }
        Properties props = streamsProperties(config);
        TopicNames names = config.streams().topicNames();
        Topics topics = Topics.create(names, config.streams().serdeConfig());
        String applicationId = config.streams().applicationId();
        Topology topology;
        try (Admin admin = Admin.create(new StreamsConfig(props).getAdminConfigs(applicationId + "-setup"))) {
            TopicProvisioner.ensure(admin, List.of(
                    TopicSpec.log(names.usageEvents()),
                    TopicSpec.log(names.usageResolved()),
                    TopicSpec.log(names.usageRejected()),
                    TopicSpec.log(names.usageExpired()),
                    TopicSpec.compacted(names.aliasBindings()),
                    TopicSpec.compacted(names.billableMetrics()),
                    TopicSpec.compacted(names.usageAggregates())),
                    config.streams().topicPartitions(), config.streams().topicReplicationFactor(),
                    config.streams().recordMaxBytes());
            // Kafka Streams' assignor shuts the client down on a source topic missing from its metadata, and a topic
            // created a moment ago (here, or by alias-sync) may not be visible yet: wait until every source is.
            int partitions = TopicProvisioner.partitionCount(admin, names.usageEvents());
            TopicProvisioner.partitionCount(admin, names.aliasBindings());
            TopicProvisioner.partitionCount(admin, names.billableMetrics());
            resolvedPartitions = TopicProvisioner.partitionCount(admin, names.usageResolved());
            effectiveConfig = config.withUsagePartitions(partitions);
            topology = IngestTopology.build(effectiveConfig, topics, meterRegistry);
            TopicLimits.check(admin, writtenTopics(names, applicationId, topology), IngestConfig.MAX_EVENT_BYTES);
        }
        LOG.info("Starting ingest-stream {} on {} partitions of {}", applicationId, effectiveConfig.usagePartitions(),
                names.usageEvents());
        lifecycle.start(topology, props);
    }

    /**
     * Every topic ingest-stream writes, with the largest record it may write there: usage-events (the ingest API
     * publishes there), the three outputs, the repartition topics and the changelogs.
     */
    private Map<String, Integer> writtenTopics(TopicNames names, String applicationId, Topology topology) {
        List<String> written = new ArrayList<>(List.of(names.usageEvents(), names.usageResolved(),
                names.usageRejected(), names.usageExpired()));
        written.addAll(IngestTopology.repartitionTopics(applicationId));
        written.addAll(InternalTopics.changelogs(applicationId, topology.describe()));
        Map<String, Integer> largest = new LinkedHashMap<>();
        written.forEach(topic -> largest.put(topic, RecordBudget.largestRecord(config.maxEventBytes())));
        // The billable metric API publishes definitions of at most this size (key and value), plus the batch.
        largest.put(names.billableMetrics(), BillableMetricRules.MAX_RECORD_BYTES + RecordBudget.OVERHEAD_BYTES);
        if (config.aggregationEnabled()) {
            // Aggregates carry group values (bounded per value, not by the event size): see AggregateRecordBudget.
            int aggregate = Math.max(RecordBudget.largestRecord(config.maxEventBytes()), AggregateRecordBudget.LARGEST);
            largest.put(names.usageAggregates(), aggregate);
            for (String topic : InternalTopics.changelogs(applicationId, topology.describe())) {
                if (AggregateRecordBudget.isAggregationChangelog(applicationId, topic)) {
                    largest.put(topic, aggregate);
                }
            }
        }
        return largest;
    }

    /** Stops processing as {@link StreamsLifecycle#stop} does; waits up to 30 s for in-flight work to commit. */
    @Override
    public void stop() {
        lifecycle.stop(StreamsLifecycle.CLOSE_TIMEOUT);
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public CompletableFuture<KafkaStreams.State> terminated() {
        return lifecycle.terminated();
    }

    @Override
    public KafkaStreams.State state() {
        return lifecycle.state();
    }

    public boolean isRunning() {
        return state() == KafkaStreams.State.RUNNING;
    }

    /** The configuration in effect (with the partition count read from usage-events once started). */
    public IngestConfig config() {
        return effectiveConfig != null ? effectiveConfig : config;
    }

    /** Event search on this instance's state (available once started). */
    public EventStatusQuery eventStatus() {
        KafkaStreams s = lifecycle.streams();
        if (s == null) {
            throw new IllegalStateException("ingest-stream is not started");
        }
        return new EventStatusQuery(s, config().usagePartitions());
    }

    /**
     * The billable metric definitions this instance holds (every one of them: a global store).
     *
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException when the store is not queryable now
     */
    public BillableMetricsQuery billableMetrics() {
        KafkaStreams s = lifecycle.streams();
        if (s == null) {
            throw new IllegalStateException("ingest-stream is not started");
        }
        return BillableMetricsQuery.of(s);
    }

    /**
     * The aggregated usage of the customers whose usage-resolved partitions this instance hosts (available once
     * started, with {@code aggregation.enabled}); {@link LocalUsageAggregates#backfill} says how complete a metric is.
     */
    public LocalUsageAggregates aggregates() {
        KafkaStreams s = lifecycle.streams();
        if (s == null) {
            throw new IllegalStateException("ingest-stream is not started");
        }
        if (!config.aggregationEnabled()) {
            throw new IllegalStateException("the aggregation is off (" + IngestConfig.AGGREGATION_ENABLED + "=false)");
        }
        return new LocalUsageAggregates(s, resolvedPartitions);
    }

    /** The Kafka Streams client (health checks, metadata); null before {@link #start()}. */
    public KafkaStreams streams() {
        return lifecycle.streams();
    }
}
