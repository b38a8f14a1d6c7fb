package io.meterflow.kafka.junit;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** With {@link SharedClusterFirstClassIT}: two test classes, one broker. Injected into {@code @BeforeAll}. */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SharedClusterSecondClassIT {

    private static KafkaCluster cluster;

    @BeforeAll
    static void rememberCluster(KafkaCluster injected) {
        cluster = injected;
    }

    @Test
    void getsTheSameBrokerAsTheOtherTestClasses() throws Exception {
        SharedClusterWitness.assertSameClusterAsEarlierTestClasses(cluster);
    }
}
