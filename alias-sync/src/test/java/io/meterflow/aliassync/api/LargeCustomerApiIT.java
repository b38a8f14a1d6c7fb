package io.meterflow.aliassync.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncConfig;
import io.meterflow.config.Settings;
import io.meterflow.http.HttpConfig;
import io.meterflow.http.HttpService;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 8 of issue 12 through the real API on a real broker: a customer with Metronome's largest alias set (2000
 * aliases of 128 characters) is created and read back, and a conflicting create of the same size is refused before
 * anything is published. The first large create warms the JVM; the second is timed. The bound is loose on purpose
 * (the machine is shared): it fails for the quadratic version (8 to 18 s here) and passes with room to spare.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LargeCustomerApiIT {

    static final String TOKEN = "large-customer-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    final HttpClient client = HttpClient.newHttpClient();

    static List<String> aliases(String prefix) {
        return IntStream.range(0, 2000).mapToObj(i -> (prefix + "-" + i + "-").repeat(128).substring(0, 128)).toList();
    }

    @Test
    void createsACustomerWith2000AliasesOf128CharactersAndRefusesAConflictingOneBeforePublishing(KafkaCluster kafka)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        HttpService http = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1 << 20, 4);
        Map<String, String> s = new HashMap<>();
        s.put("bootstrap.servers", kafka.bootstrapServers());
        s.put("application.id", "alias-sync-large-" + run);
        s.put("schema.registry.url", "mock://alias-sync-large-" + run);
        s.put("state.dir", tmp.resolve("state").toString());
        s.put("topic.partitions", "4");
        for (String topic : List.of("customer-changes", "customers", "alias-bindings", "customer-changes-rejected")) {
            s.put("topic." + topic, topic + "-" + run);
        }
        s.put("kafka.commit.interval.ms", "100");
        // As the mains and the launcher do: key metadata is consulted, as with several instances.
        s.put(HttpConfig.APPLICATION_SERVER, "127.0.0.1:" + http.port());
        AliasSyncApp app = new AliasSyncApp(AliasSyncConfig.from(Settings.of(s)), new SimpleMeterRegistry());
        CustomerApi api = CustomerApi.install(http, app, Set.of(TOKEN), Duration.ofSeconds(60));
        try {
            app.start();
            http.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (app.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(post(http, "/v1/customers", "{\"name\":\"warm\",\"ingest_aliases\":[\"w-" + run + "\"]}")
                    .statusCode()).isEqualTo(200);

            List<Long> millis = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (String prefix : List.of(run + "-first", run + "-second")) {
                List<String> aliases = aliases(prefix);
                String body = JSON.writeValueAsString(Map.of("name", prefix, "ingest_aliases", aliases));
                long start = System.nanoTime();
                HttpResponse<String> created = post(http, "/v1/customers", body);
                millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
                JsonNode data = JSON.readTree(created.body()).path("data");
                assertThat(JSON.convertValue(data.path("ingest_aliases"), List.class)).isEqualTo(aliases);
                ids.add(data.path("id").asText());
            }
            System.out.printf("created customers with 2000 aliases of 128 characters in %s ms (the first warms up)%n",
                    millis);

            JsonNode read = JSON.readTree(get(http, "/v1/customers/" + ids.get(1)).body()).path("data");
            assertThat(read.path("ingest_aliases")).hasSize(2000);
            JsonNode resolved = JSON.readTree(get(http, "/v1/meterflow/identifiers/"
                    + aliases(run + "-second").get(1999)).body()).path("data");
            assertThat(resolved.path("customer_id").asText()).isEqualTo(ids.get(1));

            // 1999 free aliases and one of the first customer's: 409 naming it, and nothing is created.
            List<String> conflicting = new ArrayList<>(aliases(run + "-third").subList(0, 1999));
            conflicting.add(aliases(run + "-first").get(1000));
            long start = System.nanoTime();
            HttpResponse<String> conflict = post(http, "/v1/customers",
                    JSON.writeValueAsString(Map.of("name", "conflict", "ingest_aliases", conflicting)));
            long conflictMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("refused a conflicting create of 2000 aliases in %d ms%n", conflictMillis);
            assertThat(conflict.statusCode()).isEqualTo(409);
            assertThat(conflict.body()).contains(aliases(run + "-first").get(1000)).contains("nothing was applied");
            assertThat(get(http, "/v1/meterflow/identifiers/" + conflicting.get(0)).statusCode()).isEqualTo(404);

            assertThat(millis.get(1)).as("the warm create, in ms").isLessThan(6_000);
        } finally {
            http.close();
            api.close();
            app.close();
        }
    }

    HttpResponse<String> post(HttpService http, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(http.baseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(90))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(HttpService http, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(http.baseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
