package io.meterflow.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A small run of the real benchmark, end to end on its in-process broker: that it runs and counts, not its speed. */
class BenchmarkIT {

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aSmallRunAccountsForEveryMeterflowEventAndCountsWhatTheNaiveJoinDropped(@TempDir Path out) throws Exception {
        BenchmarkOptions options = BenchmarkOptions.parse("--events", "3000", "--partitions", "2", "--rounds", "1",
                "--latency-seconds", "2", "--parked", "1000", "--warmup", "0", "--http-seconds", "2",
                "--out", out.toString());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Benchmark benchmark = new Benchmark(options, new PrintStream(console, true, StandardCharsets.UTF_8));

        boolean allChecksPassed = benchmark.run();

        Results results = benchmark.results;
        assertThat(results.scenarios).extracting(ScenarioResult::scenario)
                .containsExactly(PassThroughScenario.NAME, NaiveJoinScenario.NAME, MeterflowScenario.NAME,
                        AggregationScenario.NAME);
        ScenarioResult passThrough = results.scenarios.get(0);
        ScenarioResult naive = results.scenarios.get(1);
        ScenarioResult meterflow = results.scenarios.get(2);
        assertThat(passThrough.outputs()).isEqualTo(3000);
        assertThat(results.expected.lateRecords()).isPositive();
        assertThat(naive.details().get("dropped")).isEqualTo(results.expected.lateRecords());
        assertThat(naive.outputs()).isEqualTo(3000 - results.expected.lateRecords());
        assertThat(meterflow.checkPassed()).as(meterflow.check()).isTrue();
        assertThat(meterflow.details()).containsEntry("transaction_ids_netting_one", results.expected.unique())
                .containsEntry("outcome_duplicate", results.expected.duplicates())
                .containsEntry("still_parked", 0L)
                .containsEntry("moved_usage_at_new_customer", results.expected.movingUnique());
        // Usage under a moving alias that arrives between its release and its new claim is parked and replayed too.
        assertThat((Long) meterflow.details().get("replayed")).isGreaterThanOrEqualTo(results.expected.lateUnique());
        ScenarioResult aggregation = results.scenarios.get(3);
        assertThat(aggregation.checkPassed()).as(aggregation.check()).isTrue();
        assertThat(aggregation.details()).containsEntry("transaction_ids_netting_one", results.expected.unique())
                .containsEntry("aggregate_customer_metrics_wrong", 0L);
        assertThat(allChecksPassed).isTrue();
        assertThat(results.replay.replayed()).isEqualTo(1000);
        assertThat(results.replay.secondsToFirst()).isPositive()
                .isLessThanOrEqualTo(results.replay.secondsFromAttach());
        // Live usage was sent while the replay ran (the default rate), and every event of it was attributed.
        assertThat(results.replay.live().sent()).isPositive();
        assertThat(results.replay.live().received()).isEqualTo(results.replay.live().sent());
        assertThat(results.replay.live().latency().p99()).isNotNegative();
        assertThat(results.latency.received()).isEqualTo(results.latency.sent()).isPositive();
        // What held the stream thread: ingest-stream's own thread was found by its name and used CPU.
        assertThat(results.latency.holds().streamThreadBusy()).isPositive();
        assertThat(results.latency.holds().processCores()).isPositive();
        assertThat(results.latency.holds().busiestThreads()).isNotEmpty();
        assertThat(console.toString(StandardCharsets.UTF_8)).contains("loaded meterflow 1: 3,000 records");

        results.loadAverageAtEnd = Results.loadAverage();
        results.write(out);
        assertThat(Files.readString(out.resolve("results.md"))).contains("| 1 | meterflow | 3,000 |")
                .contains("the first REPLAYED record was seen", "Live usage under bound identifiers sent at 1,000")
                .contains("| binding an alias → first replayed record visible ≤ 1 s |");
        assertThat(Files.readString(out.resolve("results.json"))).contains("\"ratio_meterflow_over_naive_join\"")
                .contains("\"ratio_meterflow_with_aggregation_over_meterflow\"")
                .contains("\"seconds_to_first_replayed\"", "\"live_during_replay\"");
    }
}
