package io.meterflow.kafka.junit;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** With {@link SharedClusterSecondClassIT}: two test classes, one broker. Injected into the test method. */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SharedClusterFirstClassIT {

    @Test
    void getsTheSameBrokerAsTheOtherTestClasses(KafkaCluster cluster) throws Exception {
        SharedClusterWitness.assertSameClusterAsEarlierTestClasses(cluster);
    }
}
