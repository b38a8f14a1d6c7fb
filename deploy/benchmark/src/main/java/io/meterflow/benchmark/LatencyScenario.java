package io.meterflow.benchmark;

import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Latency at half load, on the last Meterflow round's apps once its throughput phase is done: a paced producer sends
 * events under bound identifiers (keyed by transaction ID, acks=all, 1 ms linger) at a fixed rate, half the rate that
 * round measured unless {@code --latency-rate} sets it, for {@code --latency-seconds}. Latency per event is the time
 * a read_committed consumer received its ASSIGN minus the record's producer timestamp ({@code ingested_at}), both
 * from this JVM's clock: the latency a downstream consumer sees, the exactly-once commit included. The figure to the
 * record's {@code resolved_at} (when ingest-stream produced it, before the commit) is reported beside it.
 */
final class LatencyScenario {

    private final ScenarioContext context;

    LatencyScenario(ScenarioContext context) {
        this.context = context;
    }

    LatencyResult measure(KafkaConsumer<byte[], byte[]> reader, Topics topics, double rate, MeterRegistry registry,
            String ingestApplicationId)
            throws InterruptedException {
        Duration duration = context.options.latencyDuration();
        context.out.printf("%n  latency: paced producer at %,.0f events/s (" + (context.options.latencyRate() > 0
                ? "--latency-rate" : "half the measured rate") + ") for %d s, bound"
                + " identifiers, keyed by transaction ID%n", rate, duration.toSeconds());
        String latencyPrefix = context.run + "-lat-";
        PacedProducer producer = new PacedProducer(context, topics, latencyPrefix, rate, duration);
        context.memory.reset();
        ThreadHolds holds = new ThreadHolds(registry, ingestApplicationId);
        producer.start();
        Deserializer<ResolvedUsage> deserializer = topics.usageResolved().valueSerde().deserializer();
        long[] endToEnd = new long[(int) Math.min(Integer.MAX_VALUE - 8, rate * duration.toSeconds() + 1000)];
        long[] toResolved = new long[endToEnd.length];
        long[] resolvedAt = new long[endToEnd.length];
        int received = 0;
        long deadline = Long.MAX_VALUE;
        while (System.nanoTime() < deadline) {
            var batch = reader.poll(Duration.ofMillis(5));
            long now = System.currentTimeMillis();
            for (ConsumerRecord<byte[], byte[]> record : batch) {
                ResolvedUsage usage = deserializer.deserialize(record.topic(), record.value());
                if (usage.getTransactionId().startsWith(latencyPrefix) && received < endToEnd.length) {
                    endToEnd[received] = now - usage.getIngestedAt().toEpochMilli();
                    toResolved[received] = usage.getResolvedAt().toEpochMilli() - usage.getIngestedAt().toEpochMilli();
                    resolvedAt[received] = usage.getResolvedAt().toEpochMilli();
                    received++;
                }
            }
            if (!producer.running()) {
                if (deadline == Long.MAX_VALUE) {
                    deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                }
                if (received >= producer.sent()) {
                    break;
                }
            }
        }
        producer.join();
        LatencyResult result = new LatencyResult(rate, producer.sent() / (double) duration.toSeconds(), producer.sent(),
                received,
                ScenarioContext.Percentiles.of(Arrays.copyOf(endToEnd, received)),
                ScenarioContext.Percentiles.of(Arrays.copyOf(toResolved, received)), context.memory.peakUsed(),
                holds.finish(Arrays.copyOf(resolvedAt, received)));
        context.out.printf("  latency: %d sent, %d attributed; commit-visible p50 %d ms, p99 %d ms, max %d ms%n",
                result.sent(), result.received(), result.endToEnd().p50(), result.endToEnd().p99(),
                result.endToEnd().max());
        context.out.printf("  latency: what held the stream thread: %s%n", result.holds().describe());
        return result;
    }

    record LatencyResult(double offeredRate, double achievedRate, long sent, long received,
                         ScenarioContext.Percentiles endToEnd, ScenarioContext.Percentiles toResolvedAt,
                         long peakHeapUsedBytes, ThreadHolds.Holds holds) {
    }
}
