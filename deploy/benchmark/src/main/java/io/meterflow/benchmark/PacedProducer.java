package io.meterflow.benchmark;

import io.meterflow.schemas.UsageEvent;
import io.meterflow.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Live usage at a fixed rate, on its own thread: events under bound identifiers (a third under the customer's own ID,
 * the rest under its alias), keyed by transaction ID ({@code prefix} then a sequence number), through the prompt
 * producer (acks=all, 1 ms linger), for {@code duration} or until {@link #stop}. The record's producer timestamp is the
 * event's {@code ingested_at}, so a consumer of usage-resolved can take each ASSIGN's latency from one clock.
 */
final class PacedProducer {

    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stopped;

    PacedProducer(ScenarioContext context, Topics topics, String prefix, double rate, Duration duration) {
        Workload workload = context.workload;
        this.thread = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = context.kafka.prompt()) {
                Serializer<UsageEvent> serializer = topics.usageEvents().valueSerde().serializer();
                String topic = topics.usageEvents().name();
                long intervalNanos = (long) (1e9 / rate);
                long start = System.nanoTime();
                long end = start + duration.toNanos();
                for (long j = 0; !stopped; j++) {
                    long due = start + j * intervalNanos;
                    if (due - end >= 0) {
                        break;
                    }
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    int k = (int) (j % workload.customers());
                    String identifier = j % 3 == 0 ? workload.customerId(k) : workload.alias(k);
                    String id = prefix + j;
                    producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8),
                            serializer.serialize(topic, workload.event(id, identifier, j))));
                    sent.incrementAndGet();
                }
                producer.flush();
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, "benchmark-paced-producer");
    }

    void start() {
        thread.start();
    }

    /** Stops sending (what was sent is flushed). */
    void stop() {
        stopped = true;
    }

    boolean running() {
        return thread.isAlive();
    }

    long sent() {
        return sent.get();
    }

    /** Waits for the thread to end; rethrows what made it fail. */
    void join() throws InterruptedException {
        thread.join();
        if (failure.get() != null) {
            throw new IllegalStateException("the paced producer failed", failure.get());
        }
    }
}
