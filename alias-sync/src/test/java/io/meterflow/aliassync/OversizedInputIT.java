package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterflow.aliassync.api.CustomerApi;
import io.meterflow.config.Settings;
import io.meterflow.http.HttpConfig;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.runtime.Runner;
import io.meterflow.schemas.CustomFieldsSet;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.Rejection;
import io.meterflow.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 on a real broker, whose producer and topics enforce the 1 MiB record limit: no input stops alias-sync.
 * The largest change alias-sync accepts and one byte more, nearly a megabyte of garbage, custom fields that grow a
 * customer to its budget and past it, an oversized create through the API, and an API change that only alias-sync
 * can find too large. Each gets its outcome (applied, or refused {@code TOO_LARGE}, or 413), the app stays RUNNING
 * throughout, and it starts again on the same state.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class OversizedInputIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOKEN = "oversized-token-0123456789";
    private static final int PARTITIONS = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final HttpClient client = HttpClient.newHttpClient();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private Instance instance;
    private int changes;

    /** alias-sync, run as its main runs it. */
    private record Instance(AliasSyncApp app, Runner runner) implements AutoCloseable {
        @Override
        public void close() {
            runner.close();
        }
    }

    @AfterEach
    void closeEverything() throws Exception {
        if (instance != null) {
            instance.close();
        }
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private Instance start(KafkaCluster kafka) throws InterruptedException {
        Map<String, String> s = new HashMap<>();
        s.put("bootstrap.servers", kafka.bootstrapServers());
        s.put("application.id", "alias-sync-oversized-" + run);
        s.put("schema.registry.url", "mock://alias-sync-oversized-" + run);
        s.put("state.dir", dir.resolve("state").toString());
        s.put("topic.partitions", String.valueOf(PARTITIONS));
        for (String topic : List.of("customer-changes", "customers", "alias-bindings", "customer-changes-rejected")) {
            s.put("topic." + topic, topic + "-" + run);
        }
        s.put("kafka.commit.interval.ms", "100");
        s.putAll(Map.of(HttpConfig.HOST, "127.0.0.1", HttpConfig.PORT, "0", HttpConfig.API_TOKENS, TOKEN,
                HttpConfig.MAX_BODY_BYTES, String.valueOf(2 << 20), CustomerApi.WRITE_TIMEOUT, "60s"));
        Runner runner = Runner.builder(Settings.of(s)).app(AliasSyncApp.NAME, AliasSyncService.definition()).build();
        assertThat(runner.unknownKeys()).isEmpty();
        runner.start();
        AliasSyncApp app = (AliasSyncApp) runner.app(AliasSyncApp.NAME);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (app.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
        return new Instance(app, runner);
    }

    @Test
    void theLargestChangeOneByteMoreAMegabyteOfGarbageAndAnOversizedCreateLeaveAliasSyncRunning(KafkaCluster kafka)
            throws Exception {
        instance = start(kafka);
        Topics topics = instance.app().topics();
        String changesTopic = topics.customerChanges().name();
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 0),
                new ByteArraySerializer(), new ByteArraySerializer());
        resources.add(producer);
        CommittedOutput<Customer> customers = output(kafka, topics.customers().name(),
                topics.customers().valueSerde().deserializer());
        CommittedOutput<Rejection> rejections = output(kafka, topics.customerChangesRejected().name(),
                topics.customerChangesRejected().valueSerde().deserializer());
        int limit = instance.app().config().maxChangeBytes();
        List<String> aliases = IntStream.range(0, 2000)
                .mapToObj(i -> ("big-" + run + "-" + i + "-").repeat(20).substring(0, 128)).toList();

        // 1. The largest change accepted: a create of exactly the limit, with 2000 aliases of 128 characters.
        CustomerChange largest = change("big", AliasSyncDriver.created("Big", aliases.toArray(String[]::new)));
        byte[] largestValue = padTo(topics, largest, limit);
        send(producer, changesTopic, "big", largestValue);
        // 2. One byte more.
        CustomerChange over = change("over", AliasSyncDriver.created("Over", "over-" + run));
        send(producer, changesTopic, "over", padTo(topics, over, limit + 1));
        // 3. Nearly a megabyte of garbage: the largest record the default producer sends.
        byte[] garbage = new byte[1_048_480];
        new Random(7).nextBytes(garbage);
        send(producer, changesTopic, "big", garbage);
        // 4. Custom fields that grow a customer: two of about 500 KB fit its budget, the third does not.
        send(producer, changesTopic, "grower", value(topics, change("grower", AliasSyncDriver.created("Grower"))));
        for (int i = 0; i < 3; i++) {
            Map<String, String> fields = Map.of("field-" + i, String.valueOf(i).repeat(500_000));
            send(producer, changesTopic, "grower", value(topics, change("grower",
                    CustomFieldsSet.newBuilder().setCustomFields(fields).setRemovedKeys(List.of()).build())));
        }

        Map<String, Customer> view = customers.await(v -> v.containsKey("big")
                && v.get("big").getIngestAliases().size() == 2000
                && v.containsKey("grower") && v.get("grower").getCustomFields().size() == 2);
        assertThat(view.get("big").getIngestAliases()).containsExactlyElementsOf(aliases);
        List<Rejection> refused = rejections.awaitRecords(list -> list.size() >= 3);
        assertThat(refused).extracting(Rejection::getReason).containsOnly("TOO_LARGE").hasSize(3);
        assertThat(refused).extracting(Rejection::getOriginalValueSize)
                .contains(limit + 1 - "over".length(), garbage.length);
        assertThat(instance.app().state()).isEqualTo(KafkaStreams.State.RUNNING);

        // 5. Through the API: an oversized create is refused before it is published; an ordinary one still works.
        long endBefore = endOffsets(kafka, changesTopic);
        HttpResponse<String> oversized = post("/v1/customers", JSON.writeValueAsString(
                Map.of("name", "Oversized", "custom_fields", Map.of("notes", "x".repeat(limit)))));
        assertThat(oversized.statusCode()).isEqualTo(413);
        assertThat(oversized.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(JSON.readTree(oversized.body()).path("message").asText()).contains("alias-sync.max.change.bytes");
        assertThat(endOffsets(kafka, changesTopic)).as("nothing published").isEqualTo(endBefore);
        HttpResponse<String> ordinary = post("/v1/customers", "{\"name\":\"Ordinary\",\"ingest_aliases\":[\"ord-"
                + run + "\"]}");
        assertThat(ordinary.statusCode()).as(ordinary.body()).isEqualTo(200);
        // A change whose size only alias-sync can judge (the grown customer's record would pass its budget): it is
        // published, refused TOO_LARGE, and the write-wait answers 413 with the reason instead of a 503.
        List<String> more = IntStream.range(0, 300).mapToObj(i -> ("more-" + run + "-" + i + "-").repeat(10)
                .substring(0, 128)).toList();
        HttpResponse<String> grow = post("/v1/customers/grower/setIngestAliases",
                JSON.writeValueAsString(Map.of("ingest_aliases", more)));
        assertThat(grow.statusCode()).as(grow.body()).isEqualTo(413);
        assertThat(JSON.readTree(grow.body()).path("message").asText())
                .contains("alias-sync refused change", "(TOO_LARGE)", "grower", "nothing was applied");
        assertThat(instance.app().state()).isEqualTo(KafkaStreams.State.RUNNING);

        // 6. A restart on the same state: running again, with everything it had.
        instance.close();
        instance = null;
        instance = start(kafka);
        HttpResponse<String> big = get("/v1/customers/big");
        assertThat(big.statusCode()).as(big.body()).isEqualTo(200);
        assertThat(JSON.readTree(big.body()).path("data").path("ingest_aliases")).hasSize(2000);
        JsonNode grower = JSON.readTree(get("/v1/customers/grower").body()).path("data");
        assertThat(grower.path("custom_fields").size()).isEqualTo(2);
        HttpResponse<String> after = post("/v1/customers", "{\"name\":\"After\",\"ingest_aliases\":[\"after-"
                + run + "\"]}");
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        assertThat(instance.app().state()).isEqualTo(KafkaStreams.State.RUNNING);
    }

    // ---- helpers

    private CustomerChange change(String customerId, Object payload) {
        changes++;
        return CustomerChange.newBuilder().setChangeId(run + "-" + changes).setCustomerId(customerId)
                .setOccurredAt(Instant.parse("2026-11-22T10:00:00Z").plusSeconds(changes))
                .setPayload(payload).build();
    }

    private static byte[] value(Topics topics, CustomerChange change) {
        return topics.customerChanges().valueSerde().serializer().serialize(topics.customerChanges().name(), change);
    }

    /** The create's value padded with a custom field so that key and value together are exactly {@code bytes}. */
    private static byte[] padTo(Topics topics, CustomerChange change, int bytes) {
        CustomerCreated created = (CustomerCreated) change.getPayload();
        int keyLength = change.getCustomerId().getBytes(StandardCharsets.UTF_8).length;
        int pad = 0;
        for (int attempt = 0; attempt < 5; attempt++) {
            created.setCustomFields(Map.of("pad", "p".repeat(pad)));
            byte[] value = value(topics, change);
            if (keyLength + value.length == bytes) {
                return value;
            }
            pad += bytes - keyLength - value.length;
        }
        throw new AssertionError("could not pad the change to " + bytes + " bytes");
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static long endOffsets(KafkaCluster kafka, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(info -> info.offset()).sum();
        }
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(instance.runner().httpBaseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(90)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(instance.runner().httpBaseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(90)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private <V> CommittedOutput<V> output(KafkaCluster kafka, String topic, Deserializer<V> values) {
        CommittedOutput<V> output = new CommittedOutput<>(kafka, topic, PARTITIONS, values, WAIT);
        resources.add(output);
        return output;
    }
}
