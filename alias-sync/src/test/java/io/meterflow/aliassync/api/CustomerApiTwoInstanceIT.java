package io.meterflow.aliassync.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncService;
import io.meterflow.aliassync.AliasSyncTopology;
import io.meterflow.config.Settings;
import io.meterflow.http.HttpConfig;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.runtime.Runner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two alias-sync instances in one JVM (distinct state folders and HTTP ports, one broker, one application ID): a
 * request for a customer whose partition the other instance holds is answered through Kafka Streams' key metadata,
 * and a write answered 200 by one instance is read back from the other.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CustomerApiTwoInstanceIT {

    static final String TOKEN = "two-instance-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    final HttpClient client = HttpClient.newHttpClient();

    /** One alias-sync instance, run as its main runs it. */
    record Instance(Runner runner) implements AutoCloseable {
        AliasSyncApp app() {
            return (AliasSyncApp) runner.app(AliasSyncApp.NAME);
        }

        HostInfo host() {
            return new HostInfo("127.0.0.1", runner.httpPort());
        }

        @Override
        public void close() {
            runner.close();
        }
    }

    Instance start(KafkaCluster kafka, String run, String name) {
        Map<String, String> s = new HashMap<>();
        s.put("bootstrap.servers", kafka.bootstrapServers());
        s.put("application.id", "alias-sync-2i-" + run);
        s.put("schema.registry.url", "mock://alias-sync-2i-" + run);
        s.put("state.dir", tmp.resolve(name).toString());
        s.put("topic.partitions", "4");
        for (String topic : List.of("customer-changes", "customers", "alias-bindings", "customer-changes-rejected")) {
            s.put("topic." + topic, topic + "-" + run);
        }
        s.put("kafka.commit.interval.ms", "100");
        s.putAll(Map.of(HttpConfig.HOST, "127.0.0.1", HttpConfig.PORT, "0", HttpConfig.ADVERTISED_HOST, "127.0.0.1",
                HttpConfig.API_TOKENS, TOKEN, CustomerApi.WRITE_TIMEOUT, "30s"));
        Runner runner = Runner.builder(Settings.of(s)).app(AliasSyncApp.NAME, AliasSyncService.definition()).build();
        assertThat(runner.unknownKeys()).isEmpty();
        runner.start();
        return new Instance(runner);
    }

    @Test
    void aRequestOnTheInstanceThatDoesNotOwnTheKeyIsAnsweredThroughTheOwner(KafkaCluster kafka) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (Instance a = start(kafka, run, "a"); Instance b = start(kafka, run, "b")) {
            await(() -> a.app().state() == KafkaStreams.State.RUNNING && b.app().state() == KafkaStreams.State.RUNNING
                    && hasActiveTasks(a) && hasActiveTasks(b));
            // Create through A until one customer is owned by B (ownership is by partition of the customer ID).
            String ownedByB = null;
            List<String> created = new ArrayList<>();
            for (int i = 0; i < 20 && ownedByB == null; i++) {
                HttpResponse<String> r = post(a, "/v1/customers", "{\"name\":\"C" + i + "\",\"ingest_aliases\":[\"al-"
                        + run + "-" + i + "\"]}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                String id = JSON.readTree(r.body()).path("data").path("id").asText();
                created.add(id);
                HostInfo owner = a.app().streams().queryMetadataForKey(AliasSyncTopology.CUSTOMER_STORE, id,
                        Serdes.String().serializer()).activeHost();
                if (owner.equals(b.host())) {
                    ownedByB = id;
                }
            }
            assertThat(ownedByB).as("a customer owned by instance B").isNotNull();

            // Read through the non-owner A: answered from B's store.
            HttpResponse<String> got = get(a, "/v1/customers/" + ownedByB);
            assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
            assertThat(JSON.readTree(got.body()).path("data").path("id").asText()).isEqualTo(ownedByB);

            // Write through the non-owner A, read back at once from the owner B and from A.
            HttpResponse<String> renamed = post(a, "/v1/customers/" + ownedByB + "/setName", "{\"name\":\"Renamed\"}");
            assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
            assertThat(JSON.readTree(get(b, "/v1/customers/" + ownedByB).body()).path("data").path("name").asText())
                    .isEqualTo("Renamed");
            assertThat(JSON.readTree(get(a, "/v1/customers/" + ownedByB).body()).path("data").path("name").asText())
                    .isEqualTo("Renamed");

            // A 409 pre-check on an alias whose binding the other instance may hold.
            HttpResponse<String> conflict = post(b, "/v1/customers", "{\"name\":\"X\",\"ingest_aliases\":[\"al-" + run
                    + "-0\"]}");
            assertThat(conflict.statusCode()).isEqualTo(409);

            // Listing on either instance sees every customer, whichever instance holds it; the cursor of one is
            // continued by the other.
            List<String> seen = new ArrayList<>();
            String cursor = null;
            boolean onA = true;
            int pages = 0;
            do {
                assertThat(++pages).as("pages so far: " + seen).isLessThan(20);
                HttpResponse<String> listed = get(onA ? a : b, "/v1/customers?limit=3"
                        + (cursor == null ? "" : "&next_page=" + cursor));
                assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
                JsonNode page = JSON.readTree(listed.body());
                page.path("data").forEach(d -> seen.add(d.path("id").asText()));
                cursor = page.path("next_page").isNull() ? null : page.path("next_page").asText();
                onA = !onA;
            } while (cursor != null);
            assertThat(seen).containsExactlyInAnyOrderElementsOf(created);
        }
    }

    static boolean hasActiveTasks(Instance instance) {
        return instance.app().streams().metadataForLocalThreads().stream()
                .anyMatch(t -> !t.activeTasks().isEmpty());
    }

    HttpResponse<String> get(Instance instance, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(instance.runner().httpBaseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(40)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(Instance instance, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(instance.runner().httpBaseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for both instances to run with tasks");
            }
            Thread.sleep(200);
        }
    }
}
