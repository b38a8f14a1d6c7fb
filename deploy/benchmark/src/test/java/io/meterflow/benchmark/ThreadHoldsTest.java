package io.meterflow.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThreadHoldsTest {

    @Test
    void stretchesAreTheGapsBetweenResolvedTimesInTheirOrderNotInTheOrderReceived() {
        // Received out of order (four partitions): sorted, 0 10 250 260 500 620.
        ThreadHolds.Stretches stretches = ThreadHolds.Stretches.of(new long[] {250, 0, 620, 10, 500, 260});

        assertThat(stretches.over100Ms()).isEqualTo(3); // 240, 240, 120; 100 itself would not count
        assertThat(stretches.longestMs()).containsExactly(240, 240, 120, 10, 10);
    }

    @Test
    void aStretchOfExactlyOneHundredMillisecondsIsNotOverIt() {
        assertThat(ThreadHolds.Stretches.of(new long[] {0, 100, 201}).over100Ms()).isEqualTo(1);
        assertThat(ThreadHolds.Stretches.of(new long[] {7}).longestMs()).isEmpty();
        assertThat(ThreadHolds.Stretches.of(new long[0]).over100Ms()).isZero();
    }
}
