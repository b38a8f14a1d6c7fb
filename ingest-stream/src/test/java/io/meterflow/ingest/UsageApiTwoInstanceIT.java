package io.meterflow.ingest;

import static io.meterflow.ingest.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.config.Settings;
import io.meterflow.http.HttpConfig;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.runtime.Runner;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two ingest-stream instances in one JVM (distinct state folders and HTTP ports): event search for a transaction ID
 * whose partition the other instance holds is answered through Kafka Streams' key metadata, and an identifier's
 * pending usage is merged from both.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UsageApiTwoInstanceIT {

    static final String TOKEN = "two-instance-token-0123456789";

    @TempDir
    Path tmp;

    /** One ingest-stream instance, run as its main runs it. */
    record Instance(Runner runner) implements AutoCloseable {
        IngestApp app() {
            return (IngestApp) runner.app(IngestApp.NAME);
        }

        HostInfo host() {
            return new HostInfo("127.0.0.1", runner.httpPort());
        }

        ApiClient client() {
            return new ApiClient(runner.httpBaseUrl(), TOKEN);
        }

        @Override
        public void close() {
            runner.close();
        }
    }

    Instance start(IntegrationSupport it, String name) {
        Map<String, String> s = new HashMap<>(it.settings(tmp.resolve(name)));
        s.putAll(Map.of(HttpConfig.HOST, "127.0.0.1", HttpConfig.PORT, "0", HttpConfig.ADVERTISED_HOST, "127.0.0.1",
                HttpConfig.API_TOKENS, TOKEN));
        Runner runner = Runner.builder(Settings.of(s)).app(IngestApp.NAME, IngestService.definition()).build();
        assertThat(runner.unknownKeys()).isEmpty();
        runner.start();
        return new Instance(runner);
    }

    @Test
    void searchOnTheInstanceThatDoesNotOwnTheTransactionIsAnsweredByTheOwner(KafkaCluster kafka) throws Exception {
        try (IntegrationSupport it = new IntegrationSupport(kafka);
             Instance a = start(it, "a"); Instance b = start(it, "b")) {
            IntegrationSupport.await("both instances running with tasks", Duration.ofSeconds(90),
                    () -> a.app().isRunning() && b.app().isRunning() && hasTasks(a) && hasTasks(b));
            String alias = "parked-" + it.suffix;
            List<String> ids = new ArrayList<>();
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ids.add(it.suffix + "-t" + i);
                events.add("{\"transaction_id\":\"" + ids.get(i) + "\",\"customer_id\":\"" + alias
                        + "\",\"event_type\":\"api_call\",\"timestamp\":\"" + Instant.now().minusSeconds(5) + "\"}");
            }
            assertThat(a.client().post("/v1/ingest", "[" + String.join(",", events) + "]").statusCode())
                    .isEqualTo(200);
            String ownedByB = ids.stream().filter(id -> b.host().equals(a.app().streams().queryMetadataForKey(
                    UsageLedger.USAGE_BY_TRANSACTION, id, Serdes.String().serializer()).activeHost()))
                    .findFirst().orElseThrow(() -> new AssertionError("no transaction owned by B"));
            IntegrationSupport.await("search through A for a transaction B holds", Duration.ofSeconds(45), () -> {
                JsonNode found = json(a.client().post("/v1/events/search",
                        "{\"transactionIds\":[\"" + ownedByB + "\"]}"));
                return found.size() == 1 && found.get(0).path("status").asText().equals("pending");
            });
            // Every one is found through either instance, and the pending list merges both instances' shares.
            JsonNode all = json(b.client().post("/v1/events/search", "{\"transactionIds\":[\""
                    + String.join("\",\"", ids) + "\"]}"));
            IntegrationSupport.await("all 12 searchable", Duration.ofSeconds(30), () -> json(b.client().post(
                    "/v1/events/search", "{\"transactionIds\":[\"" + String.join("\",\"", ids) + "\"]}")).size() == 12);
            List<String> pending = new ArrayList<>();
            String cursor = null;
            do {
                JsonNode page = json(a.client().get("/v1/meterflow/identifiers/" + alias + "/pending?limit=5"
                        + (cursor == null ? "" : "&next_page=" + cursor)));
                page.path("data").forEach(d -> pending.add(d.path("transaction_id").asText()));
                cursor = page.path("next_page").isNull() ? null : page.path("next_page").asText();
            } while (cursor != null);
            assertThat(pending).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(all.size()).isLessThanOrEqualTo(12);
        }
    }

    static boolean hasTasks(Instance instance) {
        return instance.app().streams().metadataForLocalThreads().stream()
                .anyMatch(t -> !t.activeTasks().isEmpty());
    }
}
