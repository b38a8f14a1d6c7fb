package io.meterflow.aliassync;

import io.meterflow.config.StreamsAppConfig;
import io.meterflow.runtime.InternalTopics;
import io.meterflow.runtime.StreamsApp;
import io.meterflow.runtime.StreamsLifecycle;
import io.meterflow.runtime.TopicLimits;
import io.meterflow.runtime.TopicProvisioner;
import io.meterflow.runtime.TopicProvisioner.TopicSpec;
import io.meterflow.topics.TopicNames;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alias-sync service: creates the topics it reads and writes when they are missing, checks that the claim-outcome
 * topic is co-partitioned with {@code customer-changes}, and runs the topology. No static state: several instances
 * (or several apps) may live in one JVM, as the standalone launcher does.
 *
 * <p>It starts and stops Kafka Streams through a {@link StreamsLifecycle}, as ingest-stream does: an exception that
 * escapes processing (not bad input, which becomes a rejection, but a bug or a broken cluster) shuts the client down
 * and leaves it in {@link KafkaStreams.State#ERROR}, and the process around it decides whether to restart.
 *
 * <p>The topics it creates take records up to {@code record.max.bytes}, its producer sends records up to that size,
 * and before it starts it refuses ({@link TopicLimits.TopicLimitException}) to run against an existing topic it writes
 * that takes less: such a topic would stop it on the first record that size, and again after every restart.
 */
public final class AliasSyncApp implements StreamsApp, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AliasSyncApp.class);
    public static final String NAME = "alias-sync";

    private final AliasSyncConfig config;
    private final MeterRegistry registry;
    private final Topics topics;
    private final StreamsLifecycle lifecycle;

    public AliasSyncApp(AliasSyncConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
        this.topics = Topics.create(config.streams().topicNames(), config.streams().serdeConfig());
        this.lifecycle = new StreamsLifecycle(NAME, registry);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Creates missing topics and starts processing; returns once the streams client is starting. */
    @Override
    public synchronized void start() {
        if (lifecycle.streams() != null) {
            throw new IllegalStateException("alias-sync is already started");
        }
        Properties properties = config.streams().streamsProperties();
        Topology topology = AliasSyncTopology.build(config, topics, registry);
        provisionTopics(properties, topology);
        LOG.info("alias-sync topology:\n{}", topology.describe());
        lifecycle.start(topology, properties);
    }

    private void provisionTopics(Properties properties, Topology topology) {
        int configuredPartitions = config.streams().topicPartitions();
        short replicationFactor = config.streams().topicReplicationFactor();
        int recordMaxBytes = config.streams().recordMaxBytes();
        Map<String, Object> adminConfig = new StreamsConfig(properties).getAdminConfigs("alias-sync-provisioner");
        try (Admin admin = Admin.create(adminConfig)) {
            TopicNames names = config.streams().topicNames();
            Set<String> created = TopicProvisioner.ensure(admin, List.of(
                    TopicSpec.log(names.customerChanges()),
                    TopicSpec.compacted(names.customers()),
                    TopicSpec.compacted(names.aliasBindings()),
                    TopicSpec.log(names.customerChangesRejected())), configuredPartitions, replicationFactor,
                    recordMaxBytes);
            // Outcomes must land on the partition that holds the customer's state: same count as customer-changes.
            // A topic just created is not described reliably yet, but its partition count is the one asked for.
            int partitions = created.contains(names.customerChanges())
                    ? configuredPartitions : TopicProvisioner.partitionCount(admin, names.customerChanges());
            Set<String> createdInternal = TopicProvisioner.ensure(admin, List.of(
                    TopicSpec.log(config.aliasCommandsTopic()),
                    TopicSpec.log(config.claimOutcomesTopic())), partitions, replicationFactor, recordMaxBytes);
            // Wait until every topic just created is visible in the cluster's metadata: Kafka Streams' assignor
            // treats a source topic it cannot see yet as missing and shuts the client down.
            for (String topic : created) {
                TopicProvisioner.partitionCount(admin, topic);
            }
            for (String topic : createdInternal) {
                TopicProvisioner.partitionCount(admin, topic);
            }
            int outcomePartitions = createdInternal.contains(config.claimOutcomesTopic())
                    ? partitions : TopicProvisioner.partitionCount(admin, config.claimOutcomesTopic());
            if (outcomePartitions != partitions) {
                throw new KafkaException("Topic " + config.claimOutcomesTopic() + " has " + outcomePartitions
                        + " partitions but " + names.customerChanges() + " has " + partitions
                        + "; they must be equal so that claim outcomes reach the customer's state."
                        + " Delete the internal topic (or give it as many partitions) and restart.");
            }
            // customer-changes too: the customer API publishes there.
            List<String> written = new ArrayList<>(List.of(names.customerChanges(), names.customers(),
                    names.aliasBindings(), names.customerChangesRejected(), config.aliasCommandsTopic(),
                    config.claimOutcomesTopic()));
            written.addAll(InternalTopics.changelogs(config.streams().applicationId(), topology.describe()));
            Map<String, Integer> largest = new LinkedHashMap<>();
            written.forEach(topic -> largest.put(topic, recordMaxBytes));
            TopicLimits.check(admin, largest, StreamsAppConfig.RECORD_MAX_BYTES);
        }
    }

    /** The running streams client (for interactive queries); null before {@link #start()}. */
    public KafkaStreams streams() {
        return lifecycle.streams();
    }

    /** The client's state, {@link KafkaStreams.State#CREATED} before {@link #start()}. */
    @Override
    public KafkaStreams.State state() {
        return lifecycle.state();
    }

    /** Completes with {@code ERROR} or {@code NOT_RUNNING} when the client has stopped, for whatever reason. */
    @Override
    public CompletableFuture<KafkaStreams.State> terminated() {
        return lifecycle.terminated();
    }

    public AliasSyncConfig config() {
        return config;
    }

    public Topics topics() {
        return topics;
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
}
