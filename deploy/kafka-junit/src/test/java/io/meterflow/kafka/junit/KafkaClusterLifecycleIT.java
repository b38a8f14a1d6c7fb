package io.meterflow.kafka.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineTestKit;

import io.meterflow.kafka.junit.KafkaCluster.Kind;

/**
 * Runs two test classes in a JUnit run of their own, so that the run's end, when the extension must stop the
 * broker, can be observed from outside.
 */
class KafkaClusterLifecycleIT {

    private static final List<KafkaCluster> seenByFixtures = new CopyOnWriteArrayList<>();
    private static volatile boolean runningFixtures;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void startsOneClusterForAllTestClassesOfARunAndStopsItWhenTheRunEnds() {
        seenByFixtures.clear();
        runningFixtures = true;
        try {
            EngineTestKit.engine("junit-jupiter")
                    .selectors(selectClass(FirstFixture.class), selectClass(SecondFixture.class))
                    .execute()
                    .testEvents()
                    .assertStatistics(stats -> stats.started(2).succeeded(2));
        } finally {
            runningFixtures = false;
        }

        assertThat(seenByFixtures).hasSize(2);
        KafkaCluster cluster = seenByFixtures.get(0);
        assertThat(seenByFixtures.get(1)).isSameAs(cluster);
        if (cluster.kind() != Kind.EXTERNAL) {
            String address = cluster.bootstrapServers();
            String host = address.substring(0, address.lastIndexOf(':'));
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(host, port), 2_000);
                }
            }).as("the broker at %s still accepts connections after the run", address)
                    .isInstanceOf(ConnectException.class);
        }
    }

    static boolean runningFixtures() {
        return runningFixtures;
    }

    @ExtendWith(KafkaClusterExtension.class)
    @EnabledIf("io.meterflow.kafka.junit.KafkaClusterLifecycleIT#runningFixtures")
    static class FirstFixture {

        @Test
        void recordsItsCluster(KafkaCluster cluster) {
            seenByFixtures.add(cluster);
        }
    }

    @ExtendWith(KafkaClusterExtension.class)
    @EnabledIf("io.meterflow.kafka.junit.KafkaClusterLifecycleIT#runningFixtures")
    static class SecondFixture {

        @Test
        void recordsItsCluster(KafkaCluster cluster) {
            seenByFixtures.add(cluster);
        }
    }
}
