package io.meterflow.benchmark;

import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

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

    LatencyResult measure(KafkaConsumer<byte[], byte[]> reader, Topics topics, double rate)
            throws InterruptedException {
        Workload workload = context.workload;
        Duration duration = context.options.latencyDuration();
        context.out.printf("%n  latency: paced producer at %,.0f events/s (" + (context.options.latencyRate() > 0
                ? "--latency-rate" : "half the measured rate") + ") for %d s, bound"
                + " identifiers, keyed by transaction ID%n", rate, duration.toSeconds());
        String latencyPrefix = context.run + "-lat-";
        AtomicLong sent = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producerThread = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = context.kafka.prompt()) {
                Serializer<io.meterflow.schemas.UsageEvent> serializer = topics.usageEvents().valueSerde().serializer();
                String topic = topics.usageEvents().name();
                long intervalNanos = (long) (1e9 / rate);
                long start = System.nanoTime();
                long end = start + duration.toNanos();
                for (long j = 0; ; j++) {
                    long due = start + j * intervalNanos;
                    if (due >= end) {
                        break;
                    }
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    int k = (int) (j % workload.customers());
                    String identifier = j % 3 == 0 ? workload.customerId(k) : workload.alias(k);
                    String id = latencyPrefix + j;
                    producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8),
                            serializer.serialize(topic, workload.event(id, identifier, j))));
                    sent.incrementAndGet();
                }
                producer.flush();
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, "benchmark-paced-producer");
        context.memory.reset();
        producerThread.start();
        Deserializer<ResolvedUsage> deserializer = topics.usageResolved().valueSerde().deserializer();
        long[] endToEnd = new long[(int) Math.min(Integer.MAX_VALUE - 8, rate * duration.toSeconds() + 1000)];
        long[] toResolved = new long[endToEnd.length];
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
                    received++;
                }
            }
            if (!producerThread.isAlive()) {
                if (deadline == Long.MAX_VALUE) {
                    deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                }
                if (received >= sent.get()) {
                    break;
                }
            }
        }
        producerThread.join();
        if (failure.get() != null) {
            throw new IllegalStateException("the paced producer failed", failure.get());
        }
        LatencyResult result = new LatencyResult(rate, sent.get() / (double) duration.toSeconds(), sent.get(), received,
                ScenarioContext.Percentiles.of(Arrays.copyOf(endToEnd, received)),
                ScenarioContext.Percentiles.of(Arrays.copyOf(toResolved, received)), context.memory.peakUsed());
        context.out.printf("  latency: %d sent, %d attributed; commit-visible p50 %d ms, p99 %d ms, max %d ms%n",
                result.sent(), result.received(), result.endToEnd().p50(), result.endToEnd().p99(),
                result.endToEnd().max());
        return result;
    }

    record LatencyResult(double offeredRate, double achievedRate, long sent, long received,
                         ScenarioContext.Percentiles endToEnd, ScenarioContext.Percentiles toResolvedAt,
                         long peakHeapUsedBytes) {
    }
}
