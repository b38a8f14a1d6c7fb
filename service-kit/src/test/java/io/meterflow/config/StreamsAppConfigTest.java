package io.meterflow.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.serde.SerdeConfig;
import io.meterflow.topics.TopicNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StreamsAppConfigTest {

    @TempDir
    Path dir;

    private static StreamsAppConfig config(Map<String, String> values) {
        return StreamsAppConfig.from(Settings.of(values), "meterflow-test");
    }

    @Test
    void defaultsAreExactlyOnceTheMockRegistryAndTheSpecTopicNames() {
        StreamsAppConfig config = config(Map.of());

        assertThat(config.processingGuarantee()).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(config.applicationId()).isEqualTo("meterflow-test");
        assertThat(config.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(config.schemaRegistryUrl()).isEqualTo("mock://meterflow");
        assertThat(config.numStreamThreads()).isEqualTo(1);
        assertThat(config.topicPartitions()).isEqualTo(6);
        assertThat(config.topicReplicationFactor()).isEqualTo((short) -1);
        assertThat(config.topicNames()).isEqualTo(TopicNames.defaults());
        assertThat(config.stateDir()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "meterflow", "meterflow-test"));
    }

    @Test
    void streamsPropertiesAreExactlyOnceWithExplicitNamingByDefault() {
        Properties props = config(Map.of("bootstrap.servers", "kafka:9092")).streamsProperties();

        assertThat(props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
        assertThat(props.get(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG)).isEqualTo(true);
        assertThat(props.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("meterflow-test");
        assertThat(props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)).isEqualTo("kafka:9092");
        assertThat(props.get(SerdeConfig.SCHEMA_REGISTRY_URL)).isEqualTo("mock://meterflow");
        assertThat(props.get("consumer.auto.offset.reset")).isEqualTo("earliest");
        // Kafka Streams itself accepts the result.
        assertThat(new StreamsConfig(props).getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
    }

    @Test
    void atLeastOnceCanBeChosen() {
        assertThat(config(Map.of("processing.guarantee", "AT_LEAST_ONCE")).streamsProperties()
                .get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("at_least_once");
    }

    @Test
    void kafkaPassThroughSettingsWinOverEverythingElse() {
        Properties props = config(Map.of("kafka.processing.guarantee", "at_least_once", "kafka.max.poll.records", "10",
                "kafka.ensure.explicit.internal.resource.naming", "false")).streamsProperties();

        assertThat(props.get("processing.guarantee")).isEqualTo("at_least_once");
        assertThat(props.get("max.poll.records")).isEqualTo("10");
        assertThat(props.get("ensure.explicit.internal.resource.naming")).isEqualTo("false");
    }

    @Test
    void kafkaPassThroughSettingsCanComeFromTheEnvironment() {
        Settings settings = Settings.load(null, Map.of("METERFLOW_KAFKA_COMMIT_INTERVAL_MS", "250"), Map.of());

        assertThat(StreamsAppConfig.from(settings, "app").streamsProperties().get("commit.interval.ms")).isEqualTo("250");
    }

    @Test
    void theEnvironmentOverridesTopicPartitionsFromTheFile() throws IOException {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, "topic.partitions=3\ntopic.replication.factor=3\n");

        Settings settings = Settings.load(file, Map.of("METERFLOW_TOPIC_PARTITIONS", "24"), Map.of());
        StreamsAppConfig config = StreamsAppConfig.from(settings, "app");

        assertThat(config.topicPartitions()).isEqualTo(24);
        assertThat(config.topicReplicationFactor()).isEqualTo((short) 3);
    }

    @Test
    void topicsCanBeRenamed() {
        StreamsAppConfig config = config(Map.of("topic.usage-events", "prod.usage-events",
                "topic.alias-bindings", "prod.alias-bindings"));

        assertThat(config.topicNames().usageEvents()).isEqualTo("prod.usage-events");
        assertThat(config.topicNames().aliasBindings()).isEqualTo("prod.alias-bindings");
        assertThat(config.topicNames().customers()).isEqualTo("customers");
    }

    @Test
    void registrySettingsGoToTheSerdes() {
        StreamsAppConfig config = config(Map.of("schema.registry.url", "https://registry:8081,https://registry-2:8081",
                "basic.auth.user.info", "user:pw", "basic.auth.credentials.source", "USER_INFO",
                "auto.register.schemas", "false", "schema.registry.request.timeout.ms", "2500"));

        assertThat(config.serdeConfig()).containsEntry(SerdeConfig.SCHEMA_REGISTRY_URL,
                        "https://registry:8081,https://registry-2:8081")
                .containsEntry(SerdeConfig.BASIC_AUTH_USER_INFO, "user:pw")
                .containsEntry(SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO")
                .containsEntry(SerdeConfig.AUTO_REGISTER_SCHEMAS, "false")
                .containsEntry(SerdeConfig.REQUEST_TIMEOUT_MS, "2500");
    }

    @Test
    void anEmptyRegistryUrlFallsBackToTheDefault() {
        assertThat(config(Map.of("schema.registry.url", "")).serdeConfig())
                .containsEntry(SerdeConfig.SCHEMA_REGISTRY_URL, StreamsAppConfig.DEFAULT_SCHEMA_REGISTRY_URL);
    }

    @ParameterizedTest(name = "{0}={1} is refused naming the key")
    @CsvSource(delimiter = '|', value = {
        "topic.partitions | six",
        "topic.partitions | 0",
        "topic.partitions | 10001",
        "topic.replication.factor | 0",
        "topic.replication.factor | 33",
        "topic.replication.factor | -2",
        "num.stream.threads | 0",
        "num.stream.threads | many",
        "processing.guarantee | exactly_once",
        "processing.guarantee | none",
        "schema.registry.url | ftp://registry:8081",
        "schema.registry.url | registry:8081",
        "schema.registry.url | mock://",
        "schema.registry.url | http://",
        "schema.registry.url | ' , '",
        "schema.registry.request.timeout.ms | soon",
        "schema.registry.request.timeout.ms | 0",
        "basic.auth.credentials.source | SASL_INHERIT",
        "auto.register.schemas | sometimes",
        "topic.usage-events | bad name!",
        "topic.customers | a/b",
        "application.id | my app"
    })
    void aBadValueIsAConfigExceptionNamingTheKey(String key, String value) {
        Map<String, String> values = Map.of(key, value);

        assertThatThrownBy(() -> config(values).serdeConfig()).isInstanceOf(ConfigException.class)
                .hasMessageContaining(key);
    }

    @Test
    void aTopicNameLongerThanKafkaAllowsIsRefused() {
        assertThatThrownBy(() -> config(Map.of("topic.usage-events", "t".repeat(250))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("topic.usage-events");
    }

    @Test
    void unreadKeysReportsAMisspelledSharedKey() {
        Settings settings = Settings.of(Map.of("topic.partitions", "3", "topic.partitons", "4",
                "kafka.linger.ms", "5", "schema.registry.url", "mock://x", "basic.auth.user.info", "u:p"));

        StreamsAppConfig.from(settings, "app");

        assertThat(settings.unreadKeys()).containsExactly("topic.partitons");
    }

    @Test
    void oneRecordLimitSetsTheProducersRequestSizeAndTheInternalTopicsMessageSize() {
        Properties defaults = config(Map.of()).streamsProperties();
        assertThat(config(Map.of()).recordMaxBytes()).isEqualTo(1_048_576);
        assertThat(defaults.get("producer.max.request.size")).isEqualTo(1_048_576);
        assertThat(defaults.get("topic.max.message.bytes")).isEqualTo("1048576");

        Properties larger = config(Map.of("record.max.bytes", "4194304")).streamsProperties();
        assertThat(larger.get("producer.max.request.size")).isEqualTo(4_194_304);
        assertThat(larger.get("topic.max.message.bytes")).isEqualTo("4194304");
        StreamsConfig streams = new StreamsConfig(larger);
        assertThat(String.valueOf(streams.getProducerConfigs("client").get("max.request.size"))).isEqualTo("4194304");
    }

    @Test
    void anOperatorsKafkaSettingsStillWin() {
        Properties props = config(Map.of("kafka.max.request.size", "2000000",
                "kafka.topic.max.message.bytes", "3000000")).streamsProperties();
        assertThat(props).doesNotContainKey("producer.max.request.size");
        assertThat(String.valueOf(new StreamsConfig(props).getProducerConfigs("client").get("max.request.size")))
                .isEqualTo("2000000");
        assertThat(props.get("topic.max.message.bytes")).isEqualTo("3000000");
    }

    @Test
    void producersCompressAndBatchUpToTheRecordLimitUnlessTheOperatorSaysOtherwise() {
        Map<String, Object> producer = new StreamsConfig(config(Map.of()).streamsProperties())
                .getProducerConfigs("client");
        assertThat(producer.get("compression.type")).isEqualTo("lz4");
        assertThat(String.valueOf(producer.get("batch.size"))).isEqualTo("262144");

        Map<String, Object> small = new StreamsConfig(config(Map.of("record.max.bytes", "131072")).streamsProperties())
                .getProducerConfigs("client");
        assertThat(String.valueOf(small.get("batch.size"))).isEqualTo("131072");

        Map<String, Object> operator = new StreamsConfig(config(Map.of("kafka.compression.type", "zstd",
                "kafka.batch.size", "65536")).streamsProperties()).getProducerConfigs("client");
        assertThat(operator.get("compression.type")).isEqualTo("zstd");
        assertThat(String.valueOf(operator.get("batch.size"))).isEqualTo("65536");
    }

    @ParameterizedTest(name = "record.max.bytes={0} is refused")
    @CsvSource({"1000", "131071", "67108865", "lots"})
    void aRecordLimitARejectionCouldNotFitOrTheBrokerCouldNotTakeIsRefused(String value) {
        assertThatThrownBy(() -> config(Map.of("record.max.bytes", value))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("record.max.bytes");
    }
}
