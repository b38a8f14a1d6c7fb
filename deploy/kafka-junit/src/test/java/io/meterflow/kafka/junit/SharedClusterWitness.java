package io.meterflow.kafka.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;

/**
 * Remembers the cluster the first test class got and leaves a topic on it; each later class checks that it got the
 * same cluster object and sees that topic, so the same broker and not merely the same address. Whichever class
 * runs first only records; the order does not matter.
 */
final class SharedClusterWitness {

    private static KafkaCluster first;
    private static String markerTopic;

    private SharedClusterWitness() {
    }

    static synchronized void assertSameClusterAsEarlierTestClasses(KafkaCluster cluster) throws Exception {
        if (first == null) {
            first = cluster;
            markerTopic = "shared-marker-" + UUID.randomUUID();
            cluster.createTopic(markerTopic, 1);
            return;
        }
        assertThat(cluster).isSameAs(first);
        assertThat(cluster.bootstrapServers()).isEqualTo(first.bootstrapServers());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(markerTopic);
        }
    }
}
