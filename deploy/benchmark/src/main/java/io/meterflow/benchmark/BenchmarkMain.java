package io.meterflow.benchmark;

import java.io.IOException;

/**
 * {@code benchmark [options]}: Meterflow against a pass-through and a naive join in one run; see
 * {@link BenchmarkOptions#USAGE}. Exit status 0 when every count check held, 1 when one failed, 2 for bad options.
 */
public final class BenchmarkMain {

    private BenchmarkMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        BenchmarkOptions options;
        try {
            options = BenchmarkOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Benchmark benchmark = new Benchmark(options, System.out);
        boolean ok = benchmark.run();
        benchmark.results.loadAverageAtEnd = Results.loadAverage();
        System.out.println();
        System.out.println(benchmark.results.markdown());
        if (options.out() != null) {
            benchmark.results.write(options.out());
            System.out.println("Written to " + options.out().resolve(benchmark.results.fileName() + ".md")
                    + " and .json");
        }
        System.exit(ok ? 0 : 1);
    }
}
