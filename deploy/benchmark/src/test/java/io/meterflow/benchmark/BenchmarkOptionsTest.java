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
    void aLatencyRateMustBePositive() {
        assertThatThrownBy(() -> BenchmarkOptions.parse("--latency-rate", "0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--latency-rate must be at least 1");
        assertThatThrownBy(() -> BenchmarkOptions.parse("--latency-rate", "fast"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expects a whole number");
    }

    @Test
    void theAggregationScenarioHasTenMetricsByDefault() {
        assertThat(BenchmarkOptions.parse().aggregationMetrics()).isEqualTo(10);
        assertThat(BenchmarkOptions.parse("--aggregation-metrics", "0").aggregationMetrics()).isZero();
        assertThat(BenchmarkOptions.parse().effective()).contains("--aggregation-metrics 10");
    }
}
