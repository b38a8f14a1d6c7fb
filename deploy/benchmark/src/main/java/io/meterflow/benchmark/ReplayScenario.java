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
 * decision and the binding fan-out are included; the first-to-last interval is reported beside it.
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
        try (KafkaProducer<byte[], byte[]> producer = context.kafka.prompt()) {
            attachAt = System.nanoTime();
            context.send(producer, topics, CustomerChanges.created(customer, "Replay customer", List.of(alias)));
            producer.flush();
        }
        long deadline = attachAt + Duration.ofSeconds(120 + parked / 2_000).toNanos();
        while (replayed < parked && System.nanoTime() < deadline) {
            var batch = reader.poll(Duration.ofMillis(20));
            long now = System.nanoTime();
            for (ConsumerRecord<byte[], byte[]> record : batch) {
                ResolvedUsage usage = deserializer.deserialize(record.topic(), record.value());
                if (usage.getResolution() == Resolution.REPLAYED && alias.equals(usage.getIdentifier())) {
                    if (replayed++ == 0) {
                        firstAt = now;
                    }
                    lastAt = now;
                }
            }
            context.progress("replayed", replayed, parked, attachAt);
        }
        ReplayResult result = new ReplayResult(parked, parkSeconds, replayed, (lastAt - attachAt) / 1e9,
                (lastAt - firstAt) / 1e9, context.memory.peakUsed(), context.memory.peakAfterGc(),
                (double) registry.find(PendingGauges.PENDING).gauges().stream().mapToDouble(Gauge::value).sum());
        context.out.printf("  replay: %,d of %,d replayed in %.2f s from the attach (%,.0f events/s)%n", replayed,
                parked, result.secondsFromAttach(), result.ratePerSecond());
        return result;
    }

    /**
     * @param parked             events parked under the alias
     * @param parkSeconds        from the start of loading until ingest-stream had parked them all
     * @param replayed           REPLAYED records seen
     * @param secondsFromAttach  from sending the customer change that attaches the alias to the last REPLAYED record
     * @param secondsFirstToLast from the first to the last REPLAYED record
     */
    record ReplayResult(long parked, double parkSeconds, long replayed, double secondsFromAttach,
                        double secondsFirstToLast, long peakHeapUsedBytes, long peakHeapAfterGcBytes,
                        double pendingGaugeAtEnd) {
        double ratePerSecond() {
            return secondsFromAttach > 0 ? replayed / secondsFromAttach : 0;
        }
    }
}
