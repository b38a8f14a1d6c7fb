package io.meterflow.benchmark;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one benchmark run does.
 *
 * @param events           usage records loaded per throughput scenario (duplicates included)
 * @param partitions       partitions of every topic the scenarios create
 * @param bootstrapServers an external cluster, or null for an in-process broker in a temporary folder
 * @param out              folder for {@code results.md} and {@code results.json}; null writes nothing
 * @param rounds           how many times the three scenarios run, alternating (A B C A B C)
 * @param latencyDuration  how long the paced producer runs at half the measured Meterflow rate; zero skips it
 * @param latencyRate      a fixed offered rate for the paced run instead of half the measured one (events/s;
 *                         zero: half the measured rate), to compare builds or machines at the same load
 * @param parked           events parked under one alias for the replay measurement; zero skips it
 * @param replayLiveRate   live events per second sent under bound identifiers while the replay runs, whose latency
 *                         is reported beside the replay rate; zero sends none
 * @param heapCheck        events parked for the separate heap check; zero (the default) skips it
 * @param warmup           records per scenario of an untimed warm-up round before the measured ones (JIT, page
 *                         cache); zero skips it
 * @param customers        customers (each with one alias) in the workload; zero picks one per 1000 events, at
 *                         least 20 and at most 1000
 * @param httpDuration     how long each HTTP ingest run (1 and 16 connections) lasts; zero skips it
 * @param httpOnly         run only the HTTP ingest scenario (no throughput rounds, latency or replay)
 * @param aggregationMetrics billable metrics of the {@code meterflow+aggregation} scenario and of the aggregates heap
 *                         check; zero skips the scenario
 * @param heapCheckAggregates customers of the separate aggregates heap check (one event per customer per hour);
 *                         zero (the default) skips it
 * @param heapCheckDays    days of hours the aggregates heap check loads (at most 33: the events must stay within
 *                         ingest-stream's 34-day {@code validation.max.event.age})
 * @param meterflowSettings settings given to both Meterflow apps on top of the defaults (what-if runs only: the
 *                         peers get no equivalent, so ratios from such a run are not comparisons)
 * @param commandLine      the command as the user gave it, for the results file
 */
public record BenchmarkOptions(
        long events,
        int partitions,
        String bootstrapServers,
        Path out,
        int rounds,
        Duration latencyDuration,
        long latencyRate,
        long parked,
        long replayLiveRate,
        long heapCheck,
        long warmup,
        int customers,
        Duration httpDuration,
        boolean httpOnly,
        int aggregationMetrics,
        long heapCheckAggregates,
        int heapCheckDays,
        Map<String, String> meterflowSettings,
        String commandLine) {

    public BenchmarkOptions {
        meterflowSettings = Map.copyOf(meterflowSettings);
    }

    static final String USAGE = """
            Usage: benchmark [options]
              --events N               usage records per scenario (default 1000000)
              --partitions P           partitions of every topic (default 4)
              --bootstrap-servers HP   run against this cluster instead of an in-process broker
              --out DIR                write results.md and results.json there (default docs/benchmarks)
              --rounds R               run pass-through, naive join, meterflow and meterflow+aggregation R times,
                                       alternating (default 2)
              --latency-seconds S      paced run at half the measured Meterflow rate (default 20; 0 skips)
              --latency-rate R         pace it at R events/s instead (to compare builds at the same load)
              --parked N               events parked under one alias for the replay rate (default 1000000)
              --skip-replay            same as --parked 0
              --replay-live-rate R     live events/s under bound identifiers while the replay runs, their latency
                                       reported beside it (default 1000; 0 sends none)
              --heap-check N           only park N events under one alias and report heap (separate run)
              --aggregation-metrics N  billable metrics of the meterflow+aggregation scenario and of the aggregates
                                       heap check (default 10; 0 skips the scenario)
              --heap-check-aggregates C  only ingest-stream with the aggregation on: C customers, one event per
                                       customer per hour for --heap-check-days, and report heap (separate run)
              --heap-check-days D      days of hours for --heap-check-aggregates (default 30, at most 33)
              --warmup N               untimed warm-up round of every scenario first (default 50000; 0 skips)
              --customers C            customers in the workload (default: events/1000, 20..1000)
              --http-seconds S         HTTP ingest with 1 and 16 kept-alive clients, S s each (default 15; 0 skips)
              --http-only              only the HTTP ingest scenario
              --meterflow-set K=V      a setting for both Meterflow apps (what-if runs; repeatable)
            """;

    /** Parses the command line; throws {@link IllegalArgumentException} with a message for the user. */
    public static BenchmarkOptions parse(String... args) {
        long events = 1_000_000;
        int partitions = 4;
        String bootstrap = null;
        Path out = Path.of("docs", "benchmarks");
        int rounds = 2;
        Duration latency = Duration.ofSeconds(20);
        long latencyRate = 0;
        long parked = 1_000_000;
        long replayLiveRate = 1_000;
        long heapCheck = 0;
        long warmup = 50_000;
        int customers = 0;
        Duration http = Duration.ofSeconds(15);
        boolean httpOnly = false;
        int aggregationMetrics = 10;
        long heapCheckAggregates = 0;
        int heapCheckDays = 30;
        Map<String, String> meterflowSettings = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>(List.of(args));
        for (int i = 0; i < rest.size(); i++) {
            String flag = rest.get(i);
            switch (flag) {
                case "--skip-replay" -> parked = 0;
                case "--http-only" -> httpOnly = true;
                case "--help", "-h" -> throw new IllegalArgumentException(USAGE);
                default -> {
                    if (i + 1 >= rest.size()) {
                        throw new IllegalArgumentException("missing value after " + flag + "\n" + USAGE);
                    }
                    String value = rest.get(++i);
                    switch (flag) {
                        case "--events" -> events = positive(flag, value);
                        case "--partitions" -> partitions = (int) positive(flag, value);
                        case "--bootstrap-servers" -> bootstrap = value;
                        case "--out" -> out = value.isEmpty() ? null : Path.of(value);
                        case "--rounds" -> rounds = (int) positive(flag, value);
                        case "--latency-seconds" -> latency = Duration.ofSeconds(number(flag, value));
                        case "--latency-rate" -> latencyRate = positive(flag, value);
                        case "--parked" -> parked = number(flag, value);
                        case "--replay-live-rate" -> replayLiveRate = number(flag, value);
                        case "--heap-check" -> heapCheck = positive(flag, value);
                        case "--warmup" -> warmup = number(flag, value);
                        case "--customers" -> customers = (int) positive(flag, value);
                        case "--http-seconds" -> http = Duration.ofSeconds(number(flag, value));
                        case "--aggregation-metrics" -> aggregationMetrics = (int) number(flag, value);
                        case "--heap-check-aggregates" -> heapCheckAggregates = positive(flag, value);
                        case "--heap-check-days" -> heapCheckDays = (int) positive(flag, value);
                        case "--meterflow-set" -> {
                            int eq = value.indexOf('=');
                            if (eq < 1) {
                                throw new IllegalArgumentException("--meterflow-set expects key=value, got " + value);
                            }
                            meterflowSettings.put(value.substring(0, eq), value.substring(eq + 1));
                        }
                        default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
                    }
                }
            }
        }
        if (events < 100) {
            throw new IllegalArgumentException("--events must be at least 100");
        }
        if (aggregationMetrics > 1000) {
            throw new IllegalArgumentException("--aggregation-metrics must be at most 1000");
        }
        if (heapCheckDays > 33) {
            throw new IllegalArgumentException("--heap-check-days must be at most 33 (ingest-stream rejects events"
                    + " older than validation.max.event.age, 34 days)");
        }
        if (heapCheckAggregates > 0 && aggregationMetrics == 0) {
            throw new IllegalArgumentException("--heap-check-aggregates needs --aggregation-metrics of at least 1");
        }
        if (heapCheckAggregates > 0 && heapCheck > 0) {
            throw new IllegalArgumentException("--heap-check and --heap-check-aggregates are separate runs: give one");
        }
        return new BenchmarkOptions(events, partitions, bootstrap, out, rounds, latency, latencyRate, parked,
                replayLiveRate, heapCheck,
                warmup, customers, http, httpOnly, aggregationMetrics, heapCheckAggregates, heapCheckDays,
                meterflowSettings, ("./benchmark " + String.join(" ", args)).trim());
    }

    private static long positive(String flag, String value) {
        long n = number(flag, value);
        if (n < 1) {
            throw new IllegalArgumentException(flag + " must be at least 1");
        }
        return n;
    }

    private static long number(String flag, String value) {
        try {
            long n = Long.parseLong(value.replace("_", "").replace(",", ""));
            if (n < 0) {
                throw new IllegalArgumentException(flag + " must not be negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects a whole number, got " + value);
        }
    }

    /** Every option's value in effect, as flags. */
    String effective() {
        return "--events " + events + " --partitions " + partitions + " --rounds " + rounds + " --warmup " + warmup
                + " --latency-seconds " + latencyDuration.toSeconds()
                + (latencyRate > 0 ? " --latency-rate " + latencyRate : "") + " --parked " + parked
                + " --replay-live-rate " + replayLiveRate
                + (heapCheck > 0 ? " --heap-check " + heapCheck : "")
                + " --aggregation-metrics " + aggregationMetrics
                + (heapCheckAggregates > 0 ? " --heap-check-aggregates " + heapCheckAggregates
                        + " --heap-check-days " + heapCheckDays : "")
                + " --http-seconds " + httpDuration.toSeconds() + (httpOnly ? " --http-only" : "")
                + (bootstrapServers != null ? " --bootstrap-servers " + bootstrapServers : "")
                + " --out " + (out == null ? "''" : out);
    }

    /** Customers in the workload. */
    int customerCount() {
        return customers > 0 ? customers : (int) Math.max(20, Math.min(1000, events / 1000));
    }
}
