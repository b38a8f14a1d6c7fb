package io.meterflow.benchmark;

import io.meterflow.aliassync.CustomerChanges;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.metrics.PendingGauges;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The replay rate, on the last Meterflow round's apps after the latency phase: {@code --parked} events are loaded
 * under one alias nobody holds, and once ingest-stream's {@code outcomes{outcome=pending}} counter has grown by that
 * many (the parking rate is reported too) a customer with that alias is created through customer-changes. The rate
 * is the parked events over the time from sending that change to the last REPLAYED record seen, so alias-sync's
 * decision and the binding fan-out are included; the first-to-last interval, and the time from sending the change to
 * the first REPLAYED record a read_committed consumer sees, are reported beside it. While the replay runs, a
 * {@link PacedProducer} sends live usage under bound identifiers at {@code --replay-live-rate}, and the latency of its
 * ASSIGNs (producer timestamp to the consumer, as in {@link LatencyScenario}) is reported too: replays run on the
 * stream thread that serves live usage.
 */
final class ReplayScenario {

    private final ScenarioContext context;

    ReplayScenario(ScenarioContext context) {
        this.context = context;
    }

    ReplayResult measure(KafkaConsumer<byte[], byte[]> reader, Topics topics, MeterRegistry registry, long parked)
            throws InterruptedException {
        String alias = "parked." + context.run + "@example.com";
        context.out.printf("%n  replay: %,d events parked under %s, then the alias is attached%n", parked, alias);
        context.memory.reset();
        long parkStart = System.nanoTime();
        double pendingBefore = ScenarioContext.sum(registry, IngestMetrics.OUTCOMES, "outcome", "pending");
        context.parkUnder(topics, alias, parked, "parked");
        ScenarioContext.await(() -> {
            double now = ScenarioContext.sum(registry, IngestMetrics.OUTCOMES, "outcome", "pending") - pendingBefore;
            context.progress("parked", (long) now, parked, parkStart);
            return now >= parked;
        }, Duration.ofSeconds(300 + parked / 1000), parked + " events to be parked");
        double parkSeconds = (System.nanoTime() - parkStart) / 1e9;
        // Let the last parking transaction commit before the alias is attached.
        Thread.sleep(500);
        String customer = UUID.nameUUIDFromBytes((context.run + "/replay").getBytes(StandardCharsets.UTF_8)).toString();
        Deserializer<ResolvedUsage> deserializer = topics.usageResolved().valueSerde().deserializer();
        long replayed = 0;
        long attachAt;
        long firstAt = 0;
        long lastAt = 0;
        long liveRate = context.options.replayLiveRate();
        String livePrefix = context.run + "-replay-live-";
        PacedProducer live = liveRate > 0 ? new PacedProducer(context, topics, livePrefix, liveRate,
                Duration.ofDays(1)) : null;
        List<Long> liveLatencies = new ArrayList<>();
        List<Long> liveToResolved = new ArrayList<>();
        if (live != null) {
            live.start();
            Thread.sleep(1_000); // live traffic flowing before the replay starts
        }
        try (KafkaProducer<byte[], byte[]> producer = context.kafka.prompt()) {
            attachAt = System.nanoTime();
            context.send(producer, topics, CustomerChanges.created(customer, "Replay customer", List.of(alias)));
            producer.flush();
        }
        long deadline = attachAt + Duration.ofSeconds(120 + parked / 2_000).toNanos();
        while (replayed < parked && System.nanoTime() < deadline) {
            var batch = reader.poll(Duration.ofMillis(20));
            long now = System.nanoTime();
            long wallNow = System.currentTimeMillis();
            for (ConsumerRecord<byte[], byte[]> record : batch) {
                ResolvedUsage usage = deserializer.deserialize(record.topic(), record.value());
                if (usage.getResolution() == Resolution.REPLAYED && alias.equals(usage.getIdentifier())) {
                    if (replayed++ == 0) {
                        firstAt = now;
                    }
                    lastAt = now;
                } else {
                    recordLive(usage, livePrefix, wallNow, liveLatencies, liveToResolved);
                }
            }
            context.progress("replayed", replayed, parked, attachAt);
        }
        if (live != null) {
            live.stop();
            live.join();
            // The live events still in flight when the last replayed record was seen.
            long drainUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (liveLatencies.size() < live.sent() && System.nanoTime() < drainUntil) {
                long wallNow = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(20))) {
                    recordLive(deserializer.deserialize(record.topic(), record.value()), livePrefix, wallNow,
                            liveLatencies, liveToResolved);
                }
            }
        }
        long[] latencies = liveLatencies.stream().mapToLong(Long::longValue).toArray();
        LiveDuringReplay liveResult = live == null ? null : new LiveDuringReplay(liveRate, live.sent(),
                latencies.length, ScenarioContext.Percentiles.of(latencies), ScenarioContext.Percentiles.of(
                        liveToResolved.stream().mapToLong(Long::longValue).toArray()));
        ReplayResult result = new ReplayResult(parked, parkSeconds, replayed, (lastAt - attachAt) / 1e9,
                (lastAt - firstAt) / 1e9, (firstAt - attachAt) / 1e9, liveResult, context.memory.peakUsed(),
                context.memory.peakAfterGc(),
                (double) registry.find(PendingGauges.PENDING).gauges().stream().mapToDouble(Gauge::value).sum());
        context.out.printf("  replay: %,d of %,d replayed in %.2f s from the attach (%,.0f events/s); first replayed"
                + " record seen %.3f s after the attach%n", replayed, parked, result.secondsFromAttach(),
                result.ratePerSecond(), result.secondsToFirst());
        if (liveResult != null) {
            context.out.printf("  live usage during the replay: %,d sent at %,d events/s, %,d attributed; p50 %d ms,"
                    + " p99 %d ms, max %d ms (to resolved_at: p50 %d ms, p99 %d ms)%n", liveResult.sent(), liveRate,
                    liveResult.received(), liveResult.latency().p50(), liveResult.latency().p99(),
                    liveResult.latency().max(), liveResult.toResolvedAt().p50(), liveResult.toResolvedAt().p99());
        }
        return result;
    }

    /** Takes the latencies of {@code usage} if it is one of the live events (its ID starts with {@code prefix}). */
    private static void recordLive(ResolvedUsage usage, String prefix, long wallNow, List<Long> toConsumer,
            List<Long> toResolved) {
        if (usage.getTransactionId().startsWith(prefix)) {
            toConsumer.add(wallNow - usage.getIngestedAt().toEpochMilli());
            toResolved.add(usage.getResolvedAt().toEpochMilli() - usage.getIngestedAt().toEpochMilli());
        }
    }

    /**
     * Live usage sent while the replay ran (from a second before the attach until the last replayed record), and the
     * latency of its ASSIGNs from the producer's timestamp to a read_committed consumer, and to their
     * {@code resolved_at} (when ingest-stream produced them, before the commit).
     */
    record LiveDuringReplay(long rate, long sent, long received, ScenarioContext.Percentiles latency,
                            ScenarioContext.Percentiles toResolvedAt) {
    }

    /**
     * @param parked             events parked under the alias
     * @param parkSeconds        from the start of loading until ingest-stream had parked them all
     * @param replayed           REPLAYED records seen
     * @param secondsFromAttach  from sending the customer change that attaches the alias to the last REPLAYED record
     * @param secondsFirstToLast from the first to the last REPLAYED record
     * @param secondsToFirst     from sending the customer change to the first REPLAYED record seen
     * @param live               live usage during the replay, or null when none was sent
     */
    record ReplayResult(long parked, double parkSeconds, long replayed, double secondsFromAttach,
                        double secondsFirstToLast, double secondsToFirst, LiveDuringReplay live,
                        long peakHeapUsedBytes, long peakHeapAfterGcBytes,
                        double pendingGaugeAtEnd) {
        double ratePerSecond() {
            return secondsFromAttach > 0 ? replayed / secondsFromAttach : 0;
        }
    }
}
