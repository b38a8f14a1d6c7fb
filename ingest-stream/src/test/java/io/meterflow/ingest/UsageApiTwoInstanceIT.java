package io.meterflow.ingest;

import static io.meterflow.ingest.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.config.Settings;
import io.meterflow.http.HttpConfig;
import io.meterflow.ingest.aggregate.AggregateLedger;
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
 * pending usage is merged from both; the usage queries of a customer whose aggregates the other instance holds are
 * answered by that owner, and a query of every customer merges both instances' customers.
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
            for (int from = 0; from < events.size(); from += 100) { // a request holds at most 100 events
                assertThat(a.client().post("/v1/ingest", "[" + String.join(",",
                        events.subList(from, Math.min(events.size(), from + 100))) + "]").statusCode()).isEqualTo(200);
            }
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

    @Test
    void usageQueriedOnTheInstanceThatDoesNotHostTheCustomerEqualsTheOwnersAnswer(KafkaCluster kafka)
            throws Exception {
        try (IntegrationSupport it = new IntegrationSupport(kafka);
             Instance a = start(it, "a"); Instance b = start(it, "b")) {
            IntegrationSupport.await("both instances running with tasks", Duration.ofSeconds(90),
                    () -> a.app().isRunning() && b.app().isRunning() && hasTasks(a) && hasTasks(b));
            JsonNode created = json(a.client().post("/v1/billable-metrics/create",
                    "{\"name\":\"Calls\",\"aggregation_type\":\"COUNT\"}"));
            String metric = created.path("data").path("id").asText();
            IntegrationSupport.await("the metric on B", Duration.ofSeconds(30),
                    () -> b.client().get("/v1/billable-metrics/" + metric).statusCode() == 200);
            // Customers bound by their IDs; their usage ingested through A, i + 1 events for customer i.
            List<String> customers = new ArrayList<>();
            List<String> events = new ArrayList<>();
            Instant stamp = Instant.now().minusSeconds(5);
            // 16 customers, so that both instances hold some whatever the hashes (all on one: 1 in 65,536)
            for (int i = 0; i < 16; i++) {
                String customer = it.suffix + "-c" + i;
                customers.add(customer);
                it.bind(customer, customer, true);
                for (int e = 0; e <= i; e++) {
                    events.add("{\"transaction_id\":\"" + customer + "-e" + e + "\",\"customer_id\":\"" + customer
                            + "\",\"event_type\":\"api_call\",\"timestamp\":\"" + stamp + "\"}");
                }
            }
            it.flush();
            for (int from = 0; from < events.size(); from += 100) { // a request holds at most 100 events
                assertThat(a.client().post("/v1/ingest", "[" + String.join(",",
                        events.subList(from, Math.min(events.size(), from + 100))) + "]").statusCode()).isEqualTo(200);
            }
            // A's metadata names B for some customer once the group has settled (a rebalance may still be moving
            // tasks right after both instances first run).
            int[] owner = {-1};
            IntegrationSupport.await("a customer whose aggregates B holds, in A's metadata", Duration.ofSeconds(60),
                    () -> {
                        for (int i = 0; i < customers.size(); i++) {
                            if (b.host().equals(a.app().streams().queryMetadataForKey(AggregateLedger.AGGREGATES,
                                    customers.get(i), Serdes.String().serializer()).activeHost())) {
                                owner[0] = i;
                                return true;
                            }
                        }
                        return false;
                    });
            int owned = owner[0];
            String customer = customers.get(owned);
            String day = stamp.truncatedTo(java.time.temporal.ChronoUnit.DAYS).toString();
            String nextDay = stamp.truncatedTo(java.time.temporal.ChronoUnit.DAYS).plus(Duration.ofDays(1)).toString();
            String period = "\"window_size\":\"NONE\",\"starting_on\":\"" + day + "\",\"ending_before\":\""
                    + nextDay + "\"";
            String one = "{" + period + ",\"customer_ids\":[\"" + customer + "\"],\"billable_metrics\":[{\"id\":\""
                    + metric + "\"}]}";
            int expected = owned + 1;
            IntegrationSupport.await("B's customer's usage, asked of A", Duration.ofSeconds(60), () -> {
                java.net.http.HttpResponse<String> r = a.client().post("/v1/usage", one);
                return r.statusCode() == 200 && json(r).path("data").get(0).path("value").asInt() == expected;
            });
            assertThat(a.client().post("/v1/usage", one).body()).isEqualTo(b.client().post("/v1/usage", one).body());
            String groups = "{" + period + ",\"customer_id\":\"" + customer + "\",\"billable_metric_id\":\"" + metric
                    + "\"}";
            assertThat(a.client().post("/v1/usage/groups", groups).body())
                    .isEqualTo(b.client().post("/v1/usage/groups", groups).body()).contains("\"value\":" + expected);
            // Every customer: both instances' customers merged, the same answer from either, in pages of 3 too.
            String all = "{" + period + ",\"billable_metrics\":[{\"id\":\"" + metric + "\"}]}";
            IntegrationSupport.await("every customer's usage", Duration.ofSeconds(60), () -> {
                java.net.http.HttpResponse<String> r = b.client().post("/v1/usage", all);
                if (r.statusCode() != 200) {
                    return false;
                }
                int total = 0;
                for (JsonNode row : json(r).path("data")) {
                    total += row.path("value").asInt();
                }
                return json(r).path("data").size() == customers.size() && total == 16 * 17 / 2;
            });
            String fromB = b.client().post("/v1/usage", all).body();
            assertThat(a.client().post("/v1/usage", all).body()).isEqualTo(fromB);
            List<String> paged = new ArrayList<>();
            String cursor = null;
            do {
                JsonNode page = json(a.client().post("/v1/usage?limit=3" + (cursor == null ? "" : "&next_page="
                        + cursor), all));
                page.path("data").forEach(row -> paged.add(row.toString()));
                cursor = page.path("next_page").isNull() ? null : page.path("next_page").asText();
            } while (cursor != null);
            List<String> whole = new ArrayList<>();
            json(b.client().post("/v1/usage", all)).path("data").forEach(row -> whole.add(row.toString()));
            assertThat(paged).isEqualTo(whole);
        }
    }

    static boolean hasTasks(Instance instance) {
        return instance.app().streams().metadataForLocalThreads().stream()
                .anyMatch(t -> !t.activeTasks().isEmpty());
    }
}
