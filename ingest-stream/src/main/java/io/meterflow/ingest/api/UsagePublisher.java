package io.meterflow.ingest.api;

import io.meterflow.http.HttpError;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.topics.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one ingest request's events to usage-events in one Kafka transaction, keyed by transaction ID (so each
 * record lands in the partition that owns its ID and ingest-stream needs no reroute hop). Either the whole batch is
 * committed or none of it is visible to ingest-stream, which reads {@code read_committed}: "none published" holds
 * even if the broker fails half-way. Transactions of one instance run one at a time (a producer has one open
 * transaction); a failed one answers 503 and the producer is rebuilt if Kafka says it cannot continue.
 */
public final class UsagePublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UsagePublisher.class);

    private final Map<String, Object> producerConfig;
    private final Topic<String, UsageEvent> topic;
    private final String transactionalIdPrefix;
    private KafkaProducer<String, UsageEvent> producer;
    private boolean closed;

    /**
     * @param clientConfig bootstrap servers and any client security settings
     * @param transactionalIdPrefix unique per deployment; each publisher adds a random suffix
     */
    public UsagePublisher(Map<String, Object> clientConfig, Topic<String, UsageEvent> topic,
            String transactionalIdPrefix) {
        this.producerConfig = new HashMap<>(clientConfig);
        this.topic = topic;
        this.transactionalIdPrefix = transactionalIdPrefix;
    }

    /** Publishes all of {@code events} or none of them. */
    public synchronized void publish(List<UsageEvent> events) {
        if (closed) {
            throw HttpError.unavailable("the server is stopping");
        }
        KafkaProducer<String, UsageEvent> p = producer();
        try {
            p.beginTransaction();
            List<Future<RecordMetadata>> sent = new java.util.ArrayList<>(events.size());
            for (UsageEvent event : events) {
                sent.add(p.send(new ProducerRecord<>(topic.name(), event.getTransactionId(), event)));
            }
            p.commitTransaction();
        } catch (KafkaException e) {
            LOG.warn("Ingest transaction of {} events failed; nothing was published", events.size(), e);
            try {
                p.abortTransaction();
            } catch (KafkaException fatal) {
                LOG.warn("The ingest producer cannot continue; it will be rebuilt", fatal);
                p.close(Duration.ZERO);
                producer = null;
            }
            throw HttpError.unavailable("usage could not be published to Kafka (" + e.getClass().getSimpleName()
                    + "); nothing was ingested, retry");
        }
    }

    private KafkaProducer<String, UsageEvent> producer() {
        if (producer == null) {
            Map<String, Object> config = new HashMap<>(producerConfig);
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalIdPrefix + "-" + UUID.randomUUID());
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
            config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
            config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
            KafkaProducer<String, UsageEvent> created = new KafkaProducer<>(config, topic.keySerde().serializer(),
                    topic.valueSerde().serializer());
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

    @Override
    public synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
