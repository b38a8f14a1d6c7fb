package io.meterflow.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up check that every existing topic an app writes takes the largest record the app may write to it. A
 * topic's {@code max.message.bytes} as the broker describes it is the effective limit: its own setting, or else the
 * broker's {@code message.max.bytes}. Without this check a topic smaller than {@code record.max.bytes} would refuse
 * a record the app had already committed to (a state change, a counted outcome) and stop it on that record, again
 * after every restart.
 */
public final class TopicLimits {

    private static final Logger LOG = LoggerFactory.getLogger(TopicLimits.class);

    private TopicLimits() {
    }

    /** A topic too small for what an app writes to it. */
    public static final class TopicLimitException extends KafkaException {

        private static final long serialVersionUID = 1L;

        public TopicLimitException(String message) {
            super(message);
        }
    }

    /**
     * Checks each topic of {@code largestRecord} that exists (missing ones are created with the right limit) against
     * the bytes the app may write to it.
     *
     * @param largestRecord topic name → the largest record (batch) the app may write to it, in bytes
     * @param settingKey    the setting that decides those sizes (and can lower them), named in the message
     * @return each existing topic's {@code max.message.bytes}
     * @throws TopicLimitException naming every topic that is too small, its limit and what to change
     */
    public static Map<String, Integer> check(Admin admin, Map<String, Integer> largestRecord, String settingKey) {
        Map<String, Integer> limits = describe(admin, largestRecord.keySet());
        List<String> tooSmall = problems(limits, largestRecord, settingKey);
        if (!tooSmall.isEmpty()) {
            throw new TopicLimitException(String.join("; ", tooSmall));
        }
        LOG.info("Topic limits (max.message.bytes) take Meterflow's largest records: {}", limits);
        return limits;
    }

    /** One sentence per topic of {@code limits} (existing topics) that is smaller than its entry of {@code largest}. */
    static List<String> problems(Map<String, Integer> limits, Map<String, Integer> largest, String settingKey) {
        List<String> tooSmall = new ArrayList<>();
        new java.util.TreeMap<>(largest).forEach((topic, needed) -> {
            Integer limit = limits.get(topic);
            if (limit != null && limit < needed) {
                tooSmall.add("topic " + topic + " takes records up to " + limit + " bytes (its max.message.bytes) but "
                        + "Meterflow may write records up to " + needed + " bytes to it (from " + settingKey
                        + "); raise the topic's max.message.bytes to at least " + needed + " or lower " + settingKey);
            }
        });
        return tooSmall;
    }

    /** The effective {@code max.message.bytes} of each of {@code topics} that exists. */
    static Map<String, Integer> describe(Admin admin, Set<String> topics) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<ConfigResource> resources = topics.stream().filter(existing::contains).sorted()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            Map<String, Integer> limits = new LinkedHashMap<>();
            if (resources.isEmpty()) {
                return limits;
            }
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            for (ConfigResource resource : resources) {
                ConfigEntry entry = configs.get(resource).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                if (entry != null && entry.value() != null) {
                    limits.put(resource.name(), Integer.parseInt(entry.value()));
                }
            }
            return limits;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while describing topics " + topics, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new KafkaException("Could not describe the configuration of topics " + topics + ": "
                    + cause.getMessage(), cause);
        }
    }
}
