package io.meterflow.ingest.api;

import io.meterflow.http.HttpError;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.topics.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes ingest requests' events to usage-events, keyed by transaction ID (so each record lands in the partition
 * that owns its ID and ingest-stream needs no reroute hop), with <em>group commit</em>: the requests that arrive while
 * one Kafka transaction commits are published together in the next one. A request is answered only when the
 * transaction holding all of its events has committed (durable, {@code acks=all}); if that transaction fails, every
 * request in it is answered 503 and none of their events is visible to ingest-stream, which reads
 * {@code read_committed}. So each request stays all-or-nothing, while concurrent requests share one commit instead of
 * waiting for each other's (one transaction per request capped an instance at the commit rate: about 45 requests/s).
 *
 * <p>Events are serialized on the caller's thread, so the single publishing thread only moves bytes. A record that
 * could never be published ({@code max.request.size}) is refused before it is queued: one unpublishable request must
 * not abort the transaction of the others. The queue is bounded; when it is full the answer is 503 with
 * {@code Retry-After}. A failed producer is rebuilt when Kafka says it cannot continue.
 */
public final class UsagePublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UsagePublisher.class);

    /** Most events in one transaction; more wait for the next. */
    static final int MAX_EVENTS_PER_TRANSACTION = 10_000;
    /** Most events waiting for a transaction; beyond it requests are answered 503 at once. */
    static final int MAX_QUEUED_EVENTS = 50_000;
    /** What the producer adds to key and value when it checks a record against {@code max.request.size}. */
    static final int RECORD_OVERHEAD_BYTES = 128;

    private final Map<String, Object> producerConfig;
    private final String topic;
    private final Serializer<String> keySerializer;
    private final Serializer<UsageEvent> valueSerializer;
    private final String transactionalIdPrefix;
    private final int maxRecordBytes;
    private final Duration answerTimeout;
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedEvents = new AtomicInteger();
    private final AtomicLong committedTransactions = new AtomicLong();
    private final Thread worker;
    private volatile boolean closed;
    /** Only the worker thread touches the producer. */
    private KafkaProducer<byte[], byte[]> producer;

    /** One request's records and its answer. */
    private record Request(List<ProducerRecord<byte[], byte[]>> records, CompletableFuture<Void> done) {
    }

    /**
     * @param clientConfig          bootstrap servers and any client security settings
     * @param transactionalIdPrefix unique per deployment; each publisher adds a random suffix
     * @param maxRecordBytes        the producer's {@code max.request.size}: a larger record is refused with 413
     */
    public UsagePublisher(Map<String, Object> clientConfig, Topic<String, UsageEvent> topic,
            String transactionalIdPrefix, int maxRecordBytes) {
        this.producerConfig = new HashMap<>(clientConfig);
        this.producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRecordBytes);
        this.topic = topic.name();
        this.keySerializer = topic.keySerde().serializer();
        this.valueSerializer = topic.valueSerde().serializer();
        this.transactionalIdPrefix = transactionalIdPrefix;
        this.maxRecordBytes = maxRecordBytes;
        // The producer gives up on a transaction after delivery.timeout.ms (30 s); a request waits a little longer.
        this.answerTimeout = Duration.ofSeconds(35);
        this.worker = new Thread(this::run, "meterflow-ingest-publisher");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Publishes all of {@code events} or none of them; returns once they are committed. */
    public void publish(List<UsageEvent> events) {
        if (closed) {
            throw HttpError.unavailable("the server is stopping");
        }
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(events.size());
        for (UsageEvent event : events) {
            byte[] key = keySerializer.serialize(topic, event.getTransactionId());
            byte[] value = valueSerializer.serialize(topic, event);
            long size = (long) key.length + value.length + RECORD_OVERHEAD_BYTES;
            if (size > maxRecordBytes) {
                throw new HttpError(413, "event " + event.getTransactionId() + " is " + size + " bytes as a Kafka"
                        + " record; at most " + maxRecordBytes + " can be published; nothing was ingested",
                        Map.of("x-should-retry", "false"));
            }
            records.add(new ProducerRecord<>(topic, key, value));
        }
        if (queuedEvents.addAndGet(records.size()) > MAX_QUEUED_EVENTS) {
            queuedEvents.addAndGet(-records.size());
            throw new HttpError(503, "ingest is saturated (" + MAX_QUEUED_EVENTS + " events waiting to be"
                    + " published); nothing was ingested, retry", Map.of("Retry-After", "1"));
        }
        Request request = new Request(records, new CompletableFuture<>());
        queue.add(request);
        if (closed) {
            failQueued("the server is stopping");
        }
        try {
            request.done().get(answerTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof HttpError error ? error
                    : HttpError.unavailable("usage could not be published: " + e.getCause());
        } catch (TimeoutException e) {
            throw HttpError.unavailable("publishing was not confirmed within " + answerTimeout.toSeconds()
                    + " s; the events may or may not have been ingested: retry (duplicates are dropped by"
                    + " transaction_id)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HttpError.unavailable("interrupted while publishing; retry (duplicates are dropped by"
                    + " transaction_id)");
        }
    }

    private void run() {
        while (!closed) {
            Request first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (first == null) {
                continue;
            }
            List<Request> group = new ArrayList<>();
            group.add(first);
            int events = first.records().size();
            for (Request next = queue.peek(); next != null
                    && events + next.records().size() <= MAX_EVENTS_PER_TRANSACTION; next = queue.peek()) {
                group.add(queue.poll());
                events += next.records().size();
            }
            queuedEvents.addAndGet(-events);
            commit(group, events);
        }
        failQueued("the server is stopping");
    }

    /** Publishes {@code group} in one transaction and answers each of its requests. */
    private void commit(List<Request> group, int events) {
        HttpError failure = null;
        try {
            KafkaProducer<byte[], byte[]> p = producer();
            try {
                p.beginTransaction();
                for (Request request : group) {
                    for (ProducerRecord<byte[], byte[]> record : request.records()) {
                        p.send(record);
                    }
                }
                p.commitTransaction();
                committedTransactions.incrementAndGet();
            } catch (KafkaException e) {
                LOG.warn("Ingest transaction of {} events from {} requests failed; none was published", events,
                        group.size(), e);
                abort(p);
                failure = HttpError.unavailable("usage could not be published to Kafka ("
                        + e.getClass().getSimpleName() + "); nothing was ingested, retry");
            }
        } catch (HttpError e) {
            failure = e;
        }
        for (Request request : group) {
            if (failure == null) {
                request.done().complete(null);
            } else {
                request.done().completeExceptionally(failure);
            }
        }
    }

    private void abort(KafkaProducer<byte[], byte[]> p) {
        try {
            p.abortTransaction();
        } catch (KafkaException fatal) {
            LOG.warn("The ingest producer cannot continue; it will be rebuilt", fatal);
            p.close(Duration.ZERO);
            producer = null;
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            Map<String, Object> config = new HashMap<>(producerConfig);
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalIdPrefix + "-" + UUID.randomUUID());
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            // The commit flushes: waiting for more records before sending would only add latency.
            config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
            config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
            config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
            KafkaProducer<byte[], byte[]> created = new KafkaProducer<>(config, new ByteArraySerializer(),
                    new ByteArraySerializer());
            try {
                created.initTransactions();
            } catch (KafkaException e) {
                created.close(Duration.ZERO);
                throw HttpError.unavailable("Kafka is not reachable for ingest (" + e.getMessage() + "); retry");
            }
            producer = created;
        }
        return producer;
    }

    private void failQueued(String why) {
        for (Request request = queue.poll(); request != null; request = queue.poll()) {
            queuedEvents.addAndGet(-request.records().size());
            request.done().completeExceptionally(HttpError.unavailable(why + "; nothing was ingested, retry"));
        }
    }

    /** Transactions committed so far (each holds one or more requests). */
    public long committedTransactions() {
        return committedTransactions.get();
    }

    @Override
    public void close() {
        closed = true;
        try {
            worker.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failQueued("the server is stopping");
        if (producer != null && !worker.isAlive()) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
