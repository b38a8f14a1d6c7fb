package io.meterflow.config;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Both apps' {@code production.exception.handler}: the last resort when Kafka Streams cannot write a record, which
 * by construction should never happen (every record an app writes is kept under {@code record.max.bytes}, and the
 * topics are checked against it at start-up). It never lets a record be skipped:
 *
 * <ul>
 *   <li>A retriable error (a broker timeout, not enough replicas): {@code RETRY}, as Kafka's default handler does.
 *       Kafka Streams then treats the task as corrupted and processes its input again from the last commit; nothing
 *       is lost.</li>
 *   <li>Anything else, on any topic (a changelog, a repartition topic or an output), and any serialization error:
 *       {@code FAIL}. The stream thread stops and its transaction is not committed, so the record's input is
 *       processed again after a restart. {@code RESUME} would drop the record: on a changelog the store and its
 *       changelog would disagree after the next restore; on a repartition topic or an output a counted outcome
 *       would be lost. Under exactly-once it would not even help: the producer has already moved its transaction
 *       into an abortable error state (KafkaProducer#send), so the commit fails anyway.</li>
 * </ul>
 * Each failure is logged at ERROR with the topic, the record's size and the limits, and counted in
 * {@value #FAILURES} (tags {@code app}, {@code topic}, {@code error}) when the app passed its registry in
 * {@value #METER_REGISTRY_CONFIG} ({@link #supplyMetrics}). An operator can still replace the handler with
 * {@code kafka.production.exception.handler}.
 */
public final class NeverSkipProductionExceptionHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(NeverSkipProductionExceptionHandler.class);

    /** Counter of records Kafka Streams could not write; by construction it stays at zero. */
    public static final String FAILURES = "meterflow.production.failures";
    /** Streams property carrying the app's {@link MeterRegistry} (an object, not a string) to the handler. */
    public static final String METER_REGISTRY_CONFIG = "meterflow.meter.registry";
    /** Streams property carrying {@code record.max.bytes}, for the log. */
    public static final String RECORD_MAX_BYTES_CONFIG = "meterflow.record.max.bytes";

    private MeterRegistry registry;
    private String app = "?";
    private String recordMaxBytes = "?";
    private String maxRequestSize = "?";

    /** Puts {@code registry} into {@code streamsProperties}, so that the handler counts what it sees. */
    public static void supplyMetrics(Properties streamsProperties, MeterRegistry registry) {
        streamsProperties.put(METER_REGISTRY_CONFIG, registry);
    }

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(METER_REGISTRY_CONFIG) instanceof MeterRegistry supplied) {
            registry = supplied;
        }
        app = String.valueOf(configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
        recordMaxBytes = String.valueOf(configs.get(RECORD_MAX_BYTES_CONFIG));
        Object prefixed = configs.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
        maxRequestSize = String.valueOf(prefixed != null ? prefixed
                : configs.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
            Exception exception) {
        if (exception instanceof RetriableException) {
            LOG.warn("Could not write a record to {} yet ({}); Kafka Streams will process its input again",
                    record.topic(), exception.toString());
            return Response.retry();
        }
        count(record.topic(), exception);
        LOG.error("Could not write a record of {} bytes (key {}, value {}, headers {}) to {} ({}), read from {}; "
                        + "record.max.bytes is {}, the producer's max.request.size {}. Failing the stream thread so "
                        + "that nothing is skipped; its input is processed again after a restart. Cause: {}",
                size(record), length(record.key()), length(record.value()), headerBytes(record), record.topic(),
                kind(record.topic()), origin(context), recordMaxBytes, maxRequestSize, exception.toString());
        return Response.fail();
    }

    @Override
    @SuppressWarnings("rawtypes") // as Kafka declares it
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
            SerializationExceptionOrigin origin) {
        count(record.topic(), exception);
        LOG.error("Could not serialize the {} of a record for {} ({}), read from {}. Failing the stream thread so "
                        + "that nothing is skipped. Cause: {}", origin.name().toLowerCase(java.util.Locale.ROOT),
                record.topic(), kind(record.topic()), origin(context), exception.toString());
        return Response.fail();
    }

    /** What a topic is to Kafka Streams, for the log: the cost of skipping a record depends on it. */
    static String kind(String topic) {
        if (topic.endsWith("-changelog")) {
            return "a changelog";
        }
        return topic.endsWith("-repartition") ? "a repartition topic" : "an output";
    }

    private void count(String topic, Exception exception) {
        if (registry != null) {
            Counter.builder(FAILURES).tag("app", app).tag("topic", topic)
                    .tag("error", exception.getClass().getSimpleName())
                    .description("Records Kafka Streams could not write (the app stops instead of skipping them)")
                    .register(registry).increment();
        }
    }

    private static String origin(ErrorHandlerContext context) {
        return context == null || context.topic() == null ? "(a punctuation)"
                : context.topic() + "-" + context.partition() + "@" + context.offset();
    }

    private static long size(ProducerRecord<byte[], byte[]> record) {
        return length(record.key()) + length(record.value()) + headerBytes(record);
    }

    private static long headerBytes(ProducerRecord<byte[], byte[]> record) {
        long bytes = 0;
        if (record.headers() != null) {
            for (Header header : record.headers()) {
                bytes += header.key().length() + length(header.value());
            }
        }
        return bytes;
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }
}
