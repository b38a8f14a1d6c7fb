package io.meterflow.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Result;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.SerializationExceptionOrigin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The last resort of both apps: a record Kafka Streams cannot write is never skipped. */
class NeverSkipProductionExceptionHandlerTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final NeverSkipProductionExceptionHandler handler = new NeverSkipProductionExceptionHandler();

    NeverSkipProductionExceptionHandlerTest() {
        Properties props = StreamsAppConfig.from(Settings.of(Map.of()), "meterflow-ingest").streamsProperties();
        NeverSkipProductionExceptionHandler.supplyMetrics(props, meters);
        @SuppressWarnings({"unchecked", "rawtypes"})
        Map<String, ?> configs = (Map) props;
        handler.configure(configs);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic) {
        return new ProducerRecord<>(topic, new byte[512], new byte[1_048_500]);
    }

    private double failures(String topic) {
        var counter = meters.find(NeverSkipProductionExceptionHandler.FAILURES).tag("topic", topic).counter();
        return counter == null ? 0 : counter.count();
    }

    @ParameterizedTest(name = "a record too large for {0} fails the thread instead of being skipped")
    @ValueSource(strings = {"meterflow-ingest-usage-by-transaction-changelog",
            "meterflow-ingest-usage-rerouted-repartition", "usage-resolved", "usage-rejected"})
    void aRecordTooLargeForAnyTopicFailsTheThreadAndIsCounted(String topic) {
        ProductionExceptionHandler.Response response = handler.handleError(null, record(topic),
                new RecordTooLargeException("The message is 1049093 bytes when serialized"));

        assertThat(response.result()).isEqualTo(Result.FAIL);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
        assertThat(failures(topic)).isEqualTo(1);
        assertThat(meters.find(NeverSkipProductionExceptionHandler.FAILURES).tag("app", "meterflow-ingest")
                .tag("error", "RecordTooLargeException").counter()).isNotNull();
    }

    @Test
    void anyOtherPermanentErrorFailsToo() {
        assertThat(handler.handleError(null, record("usage-resolved"), new UnknownServerException("boom")).result())
                .isEqualTo(Result.FAIL);
    }

    @Test
    void aRetriableErrorIsRetriedNotSkippedAndNotCountedAsAFailure() {
        assertThat(handler.handleError(null, record("usage-resolved"), new TimeoutException("slow")).result())
                .isEqualTo(Result.RETRY);
        assertThat(handler.handleError(null, record("usage-resolved"), new NotEnoughReplicasException("few"))
                .result()).isEqualTo(Result.RETRY);
        assertThat(failures("usage-resolved")).isZero();
    }

    @Test
    void aSerializationErrorFailsTheThread() {
        ProductionExceptionHandler.Response response = handler.handleSerializationError(null,
                new ProducerRecord<>("usage-expired", "key", "value"), new SerializationException("cannot"),
                SerializationExceptionOrigin.VALUE);

        assertThat(response.result()).isEqualTo(Result.FAIL);
        assertThat(failures("usage-expired")).isEqualTo(1);
    }

    @Test
    void withoutARegistryItStillDecidesTheSame() {
        NeverSkipProductionExceptionHandler bare = new NeverSkipProductionExceptionHandler();
        bare.configure(Map.of());

        assertThat(bare.handleError(null, record("usage-resolved"), new RecordTooLargeException("big")).result())
                .isEqualTo(Result.FAIL);
    }

    @Test
    void kafkaStreamsBuildsItFromTheAppsPropertiesWithTheAppsRegistry() {
        Properties props = StreamsAppConfig.from(Settings.of(Map.of()), "meterflow-ingest").streamsProperties();
        NeverSkipProductionExceptionHandler.supplyMetrics(props, meters);

        ProductionExceptionHandler built = new StreamsConfig(props).productionExceptionHandler();
        assertThat(built).isInstanceOf(NeverSkipProductionExceptionHandler.class);
        built.handleError(null, record("usage-expired"), new RecordTooLargeException("big"));
        assertThat(failures("usage-expired")).isEqualTo(1);
    }

    @Test
    void bothAppsUseItUnlessAnOperatorChoosesAnother() {
        StreamsAppConfig config = StreamsAppConfig.from(Settings.of(Map.of()), "meterflow-alias-sync");
        assertThat(new StreamsConfig(config.streamsProperties()).getClass(
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG))
                .isEqualTo(NeverSkipProductionExceptionHandler.class);

        StreamsAppConfig overridden = StreamsAppConfig.from(Settings.of(Map.of("kafka.production.exception.handler",
                "org.apache.kafka.streams.errors.DefaultProductionExceptionHandler")), "meterflow-alias-sync");
        assertThat(new StreamsConfig(overridden.streamsProperties()).getClass(
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG).getSimpleName())
                .isEqualTo("DefaultProductionExceptionHandler");
    }
}
