package io.meterflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The start-up check's decision; the broker side is in the apps' integration tests. */
class TopicLimitsTest {

    @Test
    void aTopicSmallerThanTheLargestRecordIsNamedWithItsLimitAndTheSettingToChange() {
        List<String> problems = TopicLimits.problems(Map.of("usage-resolved", 500_000, "usage-rejected", 1_048_588),
                Map.of("usage-resolved", 278_528, "usage-rejected", 278_528, "usage-expired", 278_528),
                "validation.max.event.bytes");

        assertThat(problems).isEmpty();
        List<String> tooSmall = TopicLimits.problems(Map.of("usage-resolved", 100_000),
                Map.of("usage-resolved", 278_528), "validation.max.event.bytes");
        assertThat(tooSmall).singleElement().asString().contains("topic usage-resolved", "100000",
                "max.message.bytes", "278528", "validation.max.event.bytes");
    }

    @Test
    void aTopicThatDoesNotExistYetIsNoProblem() {
        assertThat(TopicLimits.problems(Map.of(), Map.of("usage-expired", 278_528), "record.max.bytes")).isEmpty();
    }
}
