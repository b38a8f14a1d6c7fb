package io.meterflow.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the topics an app reads and writes when they are missing; existing topics are left as they are. */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

    /** What a topic should look like when it has to be created. */
    public record TopicSpec(String name, boolean compacted) {

        public static TopicSpec compacted(String name) {
            return new TopicSpec(name, true);
        }

        public static TopicSpec log(String name) {
            return new TopicSpec(name, false);
        }
    }

    private TopicProvisioner() {
    }

    /**
     * The number of partitions {@code topic} has. A topic created a moment ago (by this process or another instance)
     * may not be describable yet, so an unknown topic is retried for up to ten seconds; anything else, or a topic
     * still unknown after that, is a {@link KafkaException}.
     */
    public static int partitionCount(Admin admin, String topic) {
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                            .partitions().size();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || attempt >= 50) {
                        throw e;
                    }
                    Thread.sleep(200);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while describing " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new KafkaException("Could not describe topic " + topic + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * Creates each missing topic with {@code partitions} and {@code replicationFactor} (-1: the broker's default), and
     * {@code max.message.bytes} = {@code recordMaxBytes} (the app's {@code record.max.bytes}), so that a topic
     * Meterflow creates takes every record Meterflow writes whatever the broker's default.
     *
     * @return the names of the topics it created
     */
    public static Set<String> ensure(Admin admin, List<TopicSpec> specs, int partitions, short replicationFactor,
            int recordMaxBytes) {
        return ensure(admin, specs, partitions, replicationFactor,
                Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(recordMaxBytes)));
    }

    /**
     * Creates each missing topic with {@code partitions} and {@code replicationFactor} (-1: the broker's default) and
     * otherwise the broker's defaults.
     *
     * @return the names of the topics it created
     */
    public static Set<String> ensure(Admin admin, List<TopicSpec> specs, int partitions, short replicationFactor) {
        return ensure(admin, specs, partitions, replicationFactor, Map.of());
    }

    private static Set<String> ensure(Admin admin, List<TopicSpec> specs, int partitions, short replicationFactor,
            Map<String, String> configs) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (TopicSpec spec : specs) {
                if (!existing.contains(spec.name())) {
                    NewTopic topic = new NewTopic(spec.name(), Optional.of(partitions),
                            replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor));
                    Map<String, String> topicConfigs = new java.util.HashMap<>(configs);
                    if (spec.compacted()) {
                        topicConfigs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
                    }
                    if (!topicConfigs.isEmpty()) {
                        topic.configs(topicConfigs);
                    }
                    missing.add(topic);
                }
            }
            if (missing.isEmpty()) {
                return Set.of();
            }
            Set<String> created = new java.util.TreeSet<>();
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                    created.add(entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            LOG.info("Created topics {}", created);
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new KafkaException("Could not create topics " + specs.stream().map(TopicSpec::name).toList()
                    + ": " + cause.getMessage(), cause);
        }
    }
}
