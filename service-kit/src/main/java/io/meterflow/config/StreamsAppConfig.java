package io.meterflow.config;

import io.meterflow.serde.SerdeConfig;
import io.meterflow.topics.TopicNames;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The settings every Meterflow Kafka Streams app shares, typed and validated. Each app's own config record holds
 * one of these beside its app-specific settings.
 *
 * <p>Keys (file, or environment as {@code METERFLOW_<KEY>}): {@code bootstrap.servers}, {@code application.id},
 * {@code schema.registry.url}, {@code processing.guarantee}, {@code state.dir}, {@code num.stream.threads},
 * {@code topic.partitions}, {@code topic.replication.factor}, {@code topic.<default-name>} to rename a topic
 * (e.g. {@code topic.usage-events=prod.usage-events}), {@code record.max.bytes}; {@code kafka.<any Streams/client key>}
 * passes a setting to Kafka Streams unchanged; {@code basic.auth.user.info} and {@code schema.registry.*} go to the
 * serdes.
 *
 * <p>{@code record.max.bytes} is the one size limit of everything an app writes: its producers'
 * {@code max.request.size}, the {@code max.message.bytes} of the topics it creates (its own and Kafka Streams'
 * internal ones), and what the apps check existing topics against at start-up. Each app keeps its records under it
 * by construction; {@link NeverSkipProductionExceptionHandler} stops the app, rather than skip a record, if one is not.
 */
public record StreamsAppConfig(
        String bootstrapServers,
        String applicationId,
        String schemaRegistryUrl,
        String processingGuarantee,
        Path stateDir,
        int numStreamThreads,
        int topicPartitions,
        short topicReplicationFactor,
        int recordMaxBytes,
        TopicNames topicNames,
        Map<String, String> kafkaOverrides,
        Map<String, String> serdeOverrides) {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String APPLICATION_ID = "application.id";
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    public static final String STATE_DIR = "state.dir";
    public static final String NUM_STREAM_THREADS = "num.stream.threads";
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
    public static final String RECORD_MAX_BYTES = "record.max.bytes";
    public static final String TOPIC_PREFIX = "topic.";
    public static final String KAFKA_PREFIX = "kafka.";

    /** The default registry: in-process, with schema IDs derived from the schemas so they are stable everywhere. */
    public static final String DEFAULT_SCHEMA_REGISTRY_URL = "mock://meterflow";
    /** Default of {@code record.max.bytes}: Kafka's own default {@code max.request.size}, 1 MiB. */
    public static final int DEFAULT_RECORD_MAX_BYTES = 1024 * 1024;
    /** A rejection carries up to 64 KiB of the refused record; below this it could not fit. */
    public static final int MIN_RECORD_MAX_BYTES = 128 * 1024;
    /** A produce request of a few records this size still fits the broker's socket.request.max.bytes (100 MiB). */
    public static final int MAX_RECORD_MAX_BYTES = 64 * 1024 * 1024;
    /** Default {@code compression.type} of the apps' Kafka Streams producers. */
    public static final String PRODUCER_COMPRESSION = "lz4";
    /** Default {@code batch.size} of the apps' Kafka Streams producers (at most {@code record.max.bytes}). */
    public static final int PRODUCER_BATCH_BYTES = 256 * 1024;

    public StreamsAppConfig {
        kafkaOverrides = Map.copyOf(kafkaOverrides);
        serdeOverrides = Map.copyOf(serdeOverrides);
    }

    /** Reads and validates the shared settings; {@code defaultApplicationId} names the app. */
    public static StreamsAppConfig from(Settings settings, String defaultApplicationId) {
        String guarantee = settings.string(PROCESSING_GUARANTEE, StreamsConfig.EXACTLY_ONCE_V2).toLowerCase(Locale.ROOT);
        if (!guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2) && !guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
            throw new ConfigException(PROCESSING_GUARANTEE, guarantee, "expected exactly_once_v2 or at_least_once");
        }
        String applicationId = settings.string(APPLICATION_ID, defaultApplicationId);
        if (!applicationId.matches("[A-Za-z0-9._-]+")) {
            throw new ConfigException(APPLICATION_ID, applicationId, "may contain only letters, digits, '.', '_' and '-'");
        }
        String registry = settings.string(SerdeConfig.SCHEMA_REGISTRY_URL, DEFAULT_SCHEMA_REGISTRY_URL);
        Map<String, String> serde = new HashMap<>();
        settings.withPrefix("schema.registry.").forEach((k, v) -> serde.put("schema.registry." + k, v));
        // After the prefix copy, so that an empty schema.registry.url falls back to the default like every other key.
        serde.put(SerdeConfig.SCHEMA_REGISTRY_URL, registry);
        for (String key : new String[] {SerdeConfig.BASIC_AUTH_USER_INFO, SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE,
                SerdeConfig.AUTO_REGISTER_SCHEMAS}) {
            if (settings.has(key)) {
                serde.put(key, settings.string(key, ""));
            }
        }
        // Validates the registry URL now rather than when the first record is serialized.
        SerdeConfig.registry(serde);
        TopicNames defaults = TopicNames.defaults();
        TopicNames names = new TopicNames(
                topicName(settings, defaults.usageEvents()),
                topicName(settings, defaults.customerChanges()),
                topicName(settings, defaults.customers()),
                topicName(settings, defaults.aliasBindings()),
                topicName(settings, defaults.customerChangesRejected()),
                topicName(settings, defaults.usageResolved()),
                topicName(settings, defaults.usageRejected()),
                topicName(settings, defaults.usageExpired()),
                topicName(settings, defaults.billableMetrics()),
                topicName(settings, defaults.usageAggregates()));
        Path stateDir = Path.of(settings.string(STATE_DIR,
                Path.of(System.getProperty("java.io.tmpdir"), "meterflow", applicationId).toString()));
        Map<String, String> kafka = new HashMap<>();
        settings.withPrefix(KAFKA_PREFIX).forEach(kafka::put);
        return new StreamsAppConfig(
                settings.string(BOOTSTRAP_SERVERS, "localhost:9092"),
                applicationId,
                registry,
                guarantee,
                stateDir,
                settings.intValue(NUM_STREAM_THREADS, 1, 1, 64),
                settings.intValue(TOPIC_PARTITIONS, 6, 1, 10_000),
                replicationFactor(settings),
                settings.intValue(RECORD_MAX_BYTES, DEFAULT_RECORD_MAX_BYTES, MIN_RECORD_MAX_BYTES,
                        MAX_RECORD_MAX_BYTES),
                names,
                kafka,
                serde);
    }

    private static short replicationFactor(Settings settings) {
        int factor = settings.intValue(TOPIC_REPLICATION_FACTOR, -1, -1, Short.MAX_VALUE);
        if (factor == 0 || factor > 32) {
            throw new ConfigException(TOPIC_REPLICATION_FACTOR, factor,
                    "must be -1 (the broker's default.replication.factor) or between 1 and 32");
        }
        return (short) factor;
    }

    private static String topicName(Settings settings, String defaultName) {
        String name = settings.string(TOPIC_PREFIX + defaultName, defaultName);
        if (!name.matches("[A-Za-z0-9._-]{1,249}")) {
            throw new ConfigException(TOPIC_PREFIX + defaultName, name, "not a valid Kafka topic name");
        }
        return name;
    }

    /**
     * What a plain Kafka client of the app needs to reach the cluster: the bootstrap servers and the
     * {@code security.*}, {@code sasl.*} and {@code ssl.*} settings among the {@code kafka.*} pass-through.
     */
    public Map<String, Object> clientConfig() {
        Map<String, Object> client = new HashMap<>();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        kafkaOverrides.forEach((k, v) -> {
            if (k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl.")) {
                client.put(k, v);
            }
        });
        return client;
    }

    /**
     * The producer of an app's HTTP API that publishes one record per write and waits for it: idempotent (a retried
     * send is not written twice), {@code acks=all}, no lingering, at most 15 s blocked on metadata; client ID
     * {@code <application.id>-<purpose>}.
     */
    public Map<String, Object> apiProducerConfig(String purpose) {
        Map<String, Object> producer = clientConfig();
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, applicationId + "-" + purpose);
        return producer;
    }

    /** Settings for the serdes (registry URL and auth). */
    public Map<String, Object> serdeConfig() {
        return new HashMap<>(serdeOverrides);
    }

    /**
     * The Kafka Streams properties: identity, guarantee, state, explicit naming of every internal resource, the record
     * size limit (producer {@code max.request.size}, internal topics' {@code max.message.bytes}), lz4-compressed
     * producer batches of up to 256 KiB, the production exception handler, and the {@code kafka.*} pass-through last
     * so that an operator can override anything.
     */
    public Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, numStreamThreads);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) topicReplicationFactor);
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        // Opts in to Kafka 5.0's default now (the processing exception handler also covers global-store processors,
        // such as ingest-stream's billable-metrics) and silences a start-up warning.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        putProducerDefault(props, ProducerConfig.MAX_REQUEST_SIZE_CONFIG, recordMaxBytes);
        // Compressed batches of up to 256 KiB (Kafka's defaults: none, 16 KiB). ingest-stream writes each event two
        // to four times (its output and its changelogs, in one transaction), and on a small machine the bytes the
        // broker takes in cost more than lz4 does: measured in docs/benchmark.md (issue 15). Never above the record
        // limit, which the apps' topics take whole.
        putProducerDefault(props, ProducerConfig.COMPRESSION_TYPE_CONFIG, PRODUCER_COMPRESSION);
        putProducerDefault(props, ProducerConfig.BATCH_SIZE_CONFIG, Math.min(PRODUCER_BATCH_BYTES, recordMaxBytes));
        props.put(StreamsConfig.topicPrefix(TopicConfig.MAX_MESSAGE_BYTES_CONFIG), String.valueOf(recordMaxBytes));
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, NeverSkipProductionExceptionHandler.class);
        props.put(NeverSkipProductionExceptionHandler.RECORD_MAX_BYTES_CONFIG, recordMaxBytes);
        props.putAll(serdeConfig());
        props.putAll(kafkaOverrides);
        return props;
    }

    /**
     * Sets a producer default under its {@code producer.} prefix, unless the operator set the plain key: a prefixed
     * setting beats an unprefixed one, so the default must not shadow an operator's {@code kafka.<key>}.
     */
    private void putProducerDefault(Properties props, String key, Object value) {
        if (!kafkaOverrides.containsKey(key)) {
            props.put(StreamsConfig.producerPrefix(key), value);
        }
    }
}
