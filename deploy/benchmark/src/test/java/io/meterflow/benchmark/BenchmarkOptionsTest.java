package io.meterflow.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BenchmarkOptionsTest {

    @Test
    void theLatencyRunIsPacedAtHalfTheMeasuredRateUnlessARateIsGiven() {
        assertThat(BenchmarkOptions.parse().latencyRate()).isZero();

        BenchmarkOptions fixed = BenchmarkOptions.parse("--latency-rate", "7,000");

        assertThat(fixed.latencyRate()).isEqualTo(7_000);
        assertThat(fixed.effective()).contains("--latency-rate 7000");
        assertThat(BenchmarkOptions.parse().effective()).doesNotContain("--latency-rate");
    }

    @Test
    void liveUsageRunsBesideTheReplayAtAThousandEventsASecondUnlessTurnedOff() {
        assertThat(BenchmarkOptions.parse().replayLiveRate()).isEqualTo(1_000);
        assertThat(BenchmarkOptions.parse().effective()).contains("--replay-live-rate 1000");
        assertThat(BenchmarkOptions.parse("--replay-live-rate", "0").replayLiveRate()).isZero();
        assertThat(BenchmarkOptions.parse("--replay-live-rate", "5000").effective())
                .contains("--replay-live-rate 5000");
    }

    @Test
    void aLatencyRateMustBePositive() {
        assertThatThrownBy(() -> BenchmarkOptions.parse("--latency-rate", "0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--latency-rate must be at least 1");
        assertThatThrownBy(() -> BenchmarkOptions.parse("--latency-rate", "fast"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expects a whole number");
    }

    @Test
    void theAggregationScenarioHasTenMetricsByDefaultAndTheAggregatesHeapCheckIsSeparate() {
        BenchmarkOptions defaults = BenchmarkOptions.parse();
        assertThat(defaults.aggregationMetrics()).isEqualTo(10);
        assertThat(defaults.heapCheckAggregates()).isZero();
        assertThat(BenchmarkOptions.parse("--aggregation-metrics", "0").aggregationMetrics()).isZero();

        BenchmarkOptions heap = BenchmarkOptions.parse("--heap-check-aggregates", "100", "--heap-check-days", "3");
        assertThat(heap.heapCheckAggregates()).isEqualTo(100);
        assertThat(heap.heapCheckDays()).isEqualTo(3);
        assertThat(heap.effective()).contains("--heap-check-aggregates 100 --heap-check-days 3");

        assertThatThrownBy(() -> BenchmarkOptions.parse("--heap-check-aggregates", "10", "--heap-check-days", "34"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 33");
        assertThatThrownBy(() -> BenchmarkOptions.parse("--heap-check-aggregates", "10", "--aggregation-metrics", "0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--aggregation-metrics");
        assertThatThrownBy(() -> BenchmarkOptions.parse("--heap-check-aggregates", "10", "--heap-check", "10"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("separate runs");
    }
}
