package io.meterflow.benchmark;

import io.meterflow.config.Settings;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;

/**
 * The heap check, a separate run ({@code --heap-check N} instead of everything else): only ingest-stream runs, and
 * {@code N} events are parked under one alias, to see whether parked usage stays off the heap (in RocksDB and the
 * broker's log) so that ten million parked events fit under {@code -Xmx512m}, broker included. Reports the peak heap
 * in use and after collection, the RSS peak, and whether ingest-stream was still running.
 */
final class HeapCheckScenario {

    private final ScenarioContext context;
    private final Results results;

    HeapCheckScenario(ScenarioContext context, Results results) {
        this.context = context;
        this.results = results;
    }

    /** The separate run: park {@code --heap-check} events under one alias and report the heap it took. */
    boolean run() throws InterruptedException {
        long count = context.options.heapCheck();
        context.out.printf("Heap check: %,d events parked under one alias (max heap %,d MB)%n", count,
                MemorySampler.maxHeap() >> 20);
        String prefix = context.prefix("heap", 1);
        IngestConfig ingestConfig = IngestConfig.from(Settings.of(context.scenarioSettings(prefix, prefix + "ingest")));
        Topics topics = Topics.create(ingestConfig.streams().topicNames(), ingestConfig.streams().serdeConfig());
        MeterRegistry registry = new SimpleMeterRegistry();
        context.memory.reset();
        try (IngestApp ingest = context.startIngest(ingestConfig, registry)) {
            long start = System.nanoTime();
            context.parkUnder(topics, "heap-check." + context.run + "@example.com", count, "heap");
            ScenarioContext.await(() -> {
                double now = ScenarioContext.sum(registry, IngestMetrics.OUTCOMES, "outcome", "pending");
                context.progress(String.format("parked (peak heap in use %d MB, after GC %d MB, RSS %d MB)",
                        context.memory.peakUsed() >> 20, context.memory.peakAfterGc() >> 20,
                        MemorySampler.procStatus("VmRSS") >> 20), (long) now, count, start);
                return now >= count;
            }, Duration.ofSeconds(600 + count / 1000), count + " events to be parked");
            results.heapCheck = new HeapCheckResult(count, (System.nanoTime() - start) / 1e9, MemorySampler.maxHeap(),
                    context.memory.peakUsed(), context.memory.peakAfterGc(), MemorySampler.procStatus("VmHWM"),
                    ScenarioContext.alive(ingest));
            context.out.println("  " + results.heapCheck);
            return ScenarioContext.alive(ingest);
        }
    }

    record HeapCheckResult(long parked, double seconds, long maxHeapBytes, long peakHeapUsedBytes,
                           long peakHeapAfterGcBytes, long rssPeakBytes, boolean stillRunning) {
    }
}
