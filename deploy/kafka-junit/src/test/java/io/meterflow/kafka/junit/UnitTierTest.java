package io.meterflow.kafka.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.testkit.engine.EngineTestKit;

/** The unit tier starts no broker: a test class that asks for one there fails before a broker is started. */
class UnitTierTest {

    private static volatile boolean runningFixture;

    @Test
    void aTestThatNeedsABrokerFailsInTheUnitTierWithTheRenameThatMovesItToTheRightOne() {
        runningFixture = true;
        try {
            EngineTestKit.engine("junit-jupiter")
                    .configurationParameter(KafkaClusterExtension.TIER_PROPERTY, "unit")
                    .selectors(selectClass(NeedsABroker.class))
                    .execute()
                    .containerEvents()
                    .assertThatEvents()
                    .haveExactly(1, event(finishedWithFailure(instanceOf(ExtensionConfigurationException.class),
                            message(m -> m.contains(NeedsABroker.class.getName()) && m.contains("unit tier")
                                    && m.contains("*IT")))));
        } finally {
            runningFixture = false;
        }
        assertThat(NeedsABroker.ran).isFalse();
    }

    static boolean runningFixture() {
        return runningFixture;
    }

    @ExtendWith(KafkaClusterExtension.class)
    @EnabledIf("io.meterflow.kafka.junit.UnitTierTest#runningFixture")
    static class NeedsABroker {

        static volatile boolean ran;

        @Test
        void usesTheBroker(KafkaCluster cluster) {
            ran = true;
        }
    }
}
