package io.meterflow.ingest;

import static io.meterflow.ingest.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.config.Settings;
import io.meterflow.http.HttpService;
import io.meterflow.ingest.api.CustomerNames;
import io.meterflow.ingest.api.UsageApi;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.runtime.TopicLimits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 on a real broker: no input stops ingest-stream. It refuses to start against a topic too small for its
 * largest record; once running, the largest accepted event is attributed, a value just under the topic's limit and a
 * valid event that would grow past the record limit are rejected TOO_LARGE, an oversize ingest request is answered
 * 413 and publishes nothing, a forged number is rejected and search still answers; the app stays RUNNING, every record
 * is counted in one outcome, and it runs again after a restart on the same state.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SizeLimitsIT {

    static final String TOKEN = "size-limits-token-0123456789";
    static final String ACME = "c0a8e3b2-0000-4000-8000-0000000000aa";

    @TempDir
    Path stateDir;

    private static double count(SimpleMeterRegistry meters, String name, String tag, String value) {
        Counter counter = meters.find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    /** An event whose usage-events record, keyed by its (ASCII) transaction ID, is exactly {@code bytes} long. */
    private static byte[] valueOfRecord(IntegrationSupport it, String transactionId, String identifier, int bytes) {
        UsageEvent probe = withPad(it.event(transactionId, identifier), 100_000);
        int base = serialize(it, probe).length - 100_000 + transactionId.length();
        byte[] value = serialize(it, withPad(probe, bytes - base));
        assertThat(value.length + transactionId.length()).isEqualTo(bytes);
        return value;
    }

    private static UsageEvent withPad(UsageEvent event, int pad) {
        return UsageEvent.newBuilder(event).setProperties(Map.of("pad", new JsonValue("p".repeat(pad)))).build();
    }

    private static byte[] serialize(IntegrationSupport it, UsageEvent event) {
        return it.topics.usageEvents().valueSerde().serializer().serialize(it.names.usageEvents(), event);
    }

    @Test
    void noRecordStopsIngestStreamAndEachGetsItsOutcomeAcrossARestart(KafkaCluster kafka) throws Exception {
        try (IntegrationSupport it = new IntegrationSupport(kafka);
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            IngestConfig config = it.config(stateDir);
            int limit = config.maxEventBytes();

            // A topic that cannot take ingest-stream's largest record: refused at start-up, naming what to change.
            NewTopic small = new NewTopic(it.names.usageResolved(), Optional.of(4), Optional.empty())
                    .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "100000"));
            admin.createTopics(List.of(small)).all().get(30, TimeUnit.SECONDS);
            try (IngestApp refused = new IngestApp(config, new SimpleMeterRegistry())) {
                assertThatThrownBy(refused::start).isInstanceOf(TopicLimits.TopicLimitException.class)
                        .hasMessageContaining("topic " + it.names.usageResolved())
                        .hasMessageContaining("100000").hasMessageContaining("max.message.bytes")
                        .hasMessageContaining("validation.max.event.bytes");
            }
            ConfigResource resolved = new ConfigResource(ConfigResource.Type.TOPIC, it.names.usageResolved());
            admin.incrementalAlterConfigs(Map.of(resolved, List.of(new AlterConfigOp(new ConfigEntry(
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1048576"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            // The change is acknowledged before every broker serves it: start only once it can be read back.
            IntegrationSupport.await("the raised max.message.bytes to be visible", Duration.ofSeconds(30), () -> {
                try {
                    return "1048576".equals(admin.describeConfigs(List.of(resolved)).all().get(30, TimeUnit.SECONDS)
                            .get(resolved).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
                } catch (Exception e) {
                    return false;
                }
            });

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            IngestApp app = new IngestApp(config, meters);
            HttpService http = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1024 * 1024, 4);
            UsageApi api = UsageApi.install(http, app, Set.of(TOKEN), CustomerNames.none());
            try {
                app.start();
                http.start();
                IntegrationSupport.awaitRunning(app);
                ApiClient client = new ApiClient(http.baseUrl(), TOKEN);
                it.bind(ACME, ACME, true);
                it.flush();
                // Every usage task holds its own copy of the binding; wait for all four so that no event is parked.
                IntegrationSupport.await("the binding in every task", Duration.ofSeconds(30), () ->
                        count(meters, IngestMetrics.BINDING_CHANGES, "change", "bound") >= 4);

                // Over HTTP: a body under the 1 MiB limit whose event is over the event limit. Nothing is published.
                String oversize = "[{\"transaction_id\":\"http-oversize\",\"customer_id\":\"" + ACME + "\","
                        + "\"event_type\":\"api_call\",\"timestamp\":\"" + Instant.now().minusSeconds(60) + "\","
                        + "\"properties\":{\"pad\":\"" + "x".repeat(1_000_000) + "\"}}]";
                HttpResponse<String> tooLarge = client.post("/v1/ingest", oversize);
                assertThat(tooLarge.statusCode()).as(tooLarge.body()).isEqualTo(413);
                assertThat(tooLarge.headers().firstValue("x-should-retry")).contains("false");
                assertThat(json(tooLarge).path("message").asText()).contains("TOO_LARGE", String.valueOf(limit),
                        "validation.max.event.bytes");

                // On Kafka: the largest accepted event, a garbage value just under the topic's limit, a valid event
                // that fits usage-events but not the record budget, a forged number, and one ordinary event.
                it.sendRawUsage("largest".getBytes(), valueOfRecord(it, "largest", ACME, limit));
                byte[] garbage = new byte[1_048_480];
                new Random(12).nextBytes(garbage);
                it.sendRawUsage(null, garbage);
                it.sendRawUsage("near-limit".getBytes(), valueOfRecord(it, "near-limit", ACME, 1_048_400));
                it.sendUsage("forged", UsageEvent.newBuilder(it.event("forged", ACME))
                        .setProperties(Map.of("n", new JsonValue(new JsonNumber("abc")))).build());
                it.sendUsage("ordinary", it.event("ordinary", ACME));
                it.flush();

                IntegrationSupport.await("five outcomes", Duration.ofSeconds(60), () ->
                        count(meters, IngestMetrics.OUTCOMES, "outcome", "attributed")
                                + count(meters, IngestMetrics.OUTCOMES, "outcome", "rejected") >= 5);
                assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
                assertThat(count(meters, IngestMetrics.OUTCOMES, "outcome", "attributed")).isEqualTo(2);
                assertThat(count(meters, IngestMetrics.REJECTIONS, "reason", "TOO_LARGE")).isEqualTo(2);
                assertThat(count(meters, IngestMetrics.REJECTIONS, "reason", "INVALID_NUMBER")).isEqualTo(1);
                try (IntegrationSupport.Reader<Rejection> rejected = it.reader(it.names.usageRejected(),
                        it.topics.usageRejected().valueSerde().deserializer())) {
                    IntegrationSupport.await("three rejections", Duration.ofSeconds(30),
                            () -> rejected.poll(Duration.ofMillis(200)).size() >= 3);
                    assertThat(rejected.records).extracting(r -> r.value().getReason())
                            .containsExactlyInAnyOrder("TOO_LARGE", "TOO_LARGE", "INVALID_NUMBER");
                    assertThat(rejected.records).filteredOn(r -> r.value().getReason().equals("TOO_LARGE"))
                            .allSatisfy(r -> assertThat(r.value().getOriginalTruncated()).isTrue());
                }
                JsonNode found = json(client.post("/v1/events/search",
                        "{\"transactionIds\":[\"largest\",\"forged\",\"http-oversize\"]}"));
                assertThat(found).hasSize(2);
                assertThat(found.get(0).path("status").asText()).isEqualTo("attributed");
                assertThat(found.get(1).path("rejection_reason").asText()).isEqualTo("INVALID_NUMBER");
            } finally {
                http.close();
                api.close();
                app.close();
            }

            // Restarted on the same state: running again, and it carries on.
            SimpleMeterRegistry after = new SimpleMeterRegistry();
            try (IngestApp restarted = new IngestApp(config, after);
                 IntegrationSupport.Reader<io.meterflow.schemas.ResolvedUsage> usage = it.resolvedReader()) {
                restarted.start();
                IntegrationSupport.awaitRunning(restarted);
                it.sendUsage("after-restart", it.event("after-restart", ACME));
                it.flush();
                IntegrationSupport.await("the event after the restart", Duration.ofSeconds(60), () ->
                        usage.poll(Duration.ofMillis(200)).stream().map(ConsumerRecord::key).filter(ACME::equals)
                                .count() >= 3);
                assertThat(restarted.state()).isEqualTo(KafkaStreams.State.RUNNING);
                assertThat(usage.records).extracting(r -> r.value().getTransactionId())
                        .containsExactlyInAnyOrder("largest", "ordinary", "after-restart");
            }
        }
    }
}
