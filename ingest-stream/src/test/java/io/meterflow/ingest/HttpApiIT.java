package io.meterflow.ingest;

import static io.meterflow.ingest.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.api.CustomerApi;
import io.meterflow.http.HttpConfig;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.runtime.Runner;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP API against running apps on a real broker, as the launcher wires it: alias-sync's customer API and
 * ingest-stream's usage API on one port. One pair of apps serves every test of the class (each test uses its own
 * IDs and aliases).
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HttpApiIT {

    static final String TOKEN = "test-token-0123456789abcdef";

    static IntegrationSupport it;
    static AliasSyncApp aliasSync;
    static IngestApp ingest;
    static Runner runner;
    static ApiClient api;

    @BeforeAll
    static void start(KafkaCluster kafka) throws Exception {
        it = new IntegrationSupport(kafka);
        Path tmp = Files.createTempDirectory("http-api-it");
        // Both apps behind one HTTP port, as the standalone launcher runs them.
        runner = it.bothApps(tmp, Map.of(HttpConfig.API_TOKENS, TOKEN,
                HttpConfig.MAX_BODY_BYTES, String.valueOf(64 * 1024), HttpConfig.MAX_CONCURRENT_REQUESTS, "8",
                CustomerApi.WRITE_TIMEOUT, "30s"));
        aliasSync = (AliasSyncApp) runner.app(AliasSyncApp.NAME);
        ingest = (IngestApp) runner.app(IngestApp.NAME);
        api = new ApiClient(runner.httpBaseUrl(), TOKEN);
    }

    @AfterAll
    static void stop() {
        if (runner != null) {
            runner.close();
        }
        if (it != null) {
            it.close();
        }
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String event(String transactionId, String customer) {
        return "{\"transaction_id\":\"" + transactionId + "\",\"customer_id\":\"" + customer
                + "\",\"event_type\":\"api_call\",\"timestamp\":\"" + Instant.now().minusSeconds(60)
                + "\",\"properties\":{\"tokens\":12345678901234567890,\"price\":0.1,\"tier\":\"0.1\"}}";
    }

    static JsonNode search(String... ids) {
        HttpResponse<String> r = api.post("/v1/events/search", "{\"transactionIds\":[\""
                + String.join("\",\"", ids) + "\"]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r);
    }

    static JsonNode awaitSearch(String id, Predicate<JsonNode> condition) throws InterruptedException {
        JsonNode[] last = new JsonNode[1];
        IntegrationSupport.await("search for " + id + " to match (last: " + id + ")", Duration.ofSeconds(45), () -> {
            JsonNode found = search(id);
            last[0] = found.isEmpty() ? null : found.get(0);
            return last[0] != null && condition.test(last[0]);
        });
        return last[0];
    }

    static String createCustomer(String name, String... aliases) {
        HttpResponse<String> r = api.post("/v1/customers", "{\"name\":\"" + name + "\",\"ingest_aliases\":"
                + aliasArray(aliases) + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r).path("data").path("id").asText();
    }

    static String aliasArray(String... aliases) {
        return aliases.length == 0 ? "[]" : "[\"" + String.join("\",\"", aliases) + "\"]";
    }

    // ---- ingest ---------------------------------------------------------------------------------------------------

    @Test
    void ingestAcceptsABatchAndSearchShowsEachEventWithItsExactProperties() throws Exception {
        String customer = createCustomer("Ingest Co");
        String t1 = unique("t");
        String t2 = unique("t");
        HttpResponse<String> r = api.post("/v1/ingest", "[" + event(t1, customer) + "," + event(t2, unique("nobody"))
                + "]");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode attributed = awaitSearch(t1, e -> e.path("status").asText().equals("attributed"));
        assertThat(attributed.path("matched_customer").path("id").asText()).isEqualTo(customer);
        assertThat(attributed.path("matched_customer").path("name").asText()).isEqualTo("Ingest Co");
        assertThat(attributed.path("customer_id").asText()).isEqualTo(customer);
        assertThat(attributed.path("is_duplicate").asBoolean()).isFalse();
        assertThat(attributed.path("processed_at").asText()).isNotEmpty();
        assertThat(awaitSearch(t2, e -> true).path("status").asText()).isEqualTo("pending");
        HttpResponse<String> raw = api.post("/v1/events/search", "{\"transactionIds\":[\"" + t1 + "\"]}");
        assertThat(raw.body()).contains("\"tokens\":12345678901234567890", "\"price\":0.1", "\"tier\":\"0.1\"");
    }

    @Test
    void ingestAcceptsAGzipBody() throws Exception {
        String t = unique("gz");
        HttpResponse<String> r = api.postGzip("/v1/ingest", "[" + event(t, unique("nobody")) + "]");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(awaitSearch(t, e -> true).path("status").asText()).isEqualTo("pending");
    }

    @Test
    void anInvalidEventRefusesTheWholeBatchNamingEachBadEventAndPublishesNothing() throws Exception {
        String good = unique("good");
        String tooLong = "x".repeat(129);
        HttpResponse<String> r = api.post("/v1/ingest", "[" + event(good, "someone") + ","
                + "{\"transaction_id\":\"a\",\"customer_id\":\"b\",\"event_type\":\"c\"},"
                + event(tooLong, "someone") + ","
                + "{\"transaction_id\":\"d\",\"customer_id\":\"e\",\"event_type\":\"f\",\"timestamp\":\"yesterday\"}]");
        assertThat(r.statusCode()).isEqualTo(400);
        String message = json(r).path("message").asText();
        assertThat(message).contains("3 of 4", "[1] MISSING_FIELD", "[2] TRANSACTION_ID_TOO_LONG",
                "[3] INVALID_TIMESTAMP").doesNotContain("[0]");
        // A later batch is searchable; the refused one never is.
        String later = unique("later");
        assertThat(api.post("/v1/ingest", "[" + event(later, "someone") + "]").statusCode()).isEqualTo(200);
        awaitSearch(later, e -> true);
        Thread.sleep(1000);
        assertThat(search(good)).isEmpty();
    }

    @Test
    void ingestRefusesAnEmptyBodyAnObjectAnEmptyArrayAndMoreThanAHundredEvents() {
        assertThat(api.post("/v1/ingest", "").statusCode()).isEqualTo(400);
        assertThat(api.post("/v1/ingest", event("t", "c")).statusCode()).isEqualTo(400);
        assertThat(api.post("/v1/ingest", "[]").statusCode()).isEqualTo(400);
        assertThat(api.post("/v1/ingest", "[1]").statusCode()).isEqualTo(400);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            many.add(event("many-" + i, "c"));
        }
        HttpResponse<String> r = api.post("/v1/ingest", "[" + String.join(",", many) + "]");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("message").asText()).contains("at most 100");
    }

    @Test
    void requestsWithoutOrWithAWrongTokenAre401AndHealthStaysOpen() {
        HttpResponse<String> none = api.withToken(null).post("/v1/ingest", "[]");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(json(none).path("message").asText()).isNotEmpty();
        assertThat(api.withToken("wrong-token-0123456789").get("/v1/customers").statusCode()).isEqualTo(401);
        assertThat(api.withToken(null).get("/openapi.yaml").statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyOverTheConfiguredSizeIs413() throws Exception {
        // The server answers before reading such a body, so a raw socket reads the answer (an HTTP client may fail
        // on the closed upload instead of showing it).
        java.net.URI base = java.net.URI.create(runner.httpBaseUrl());
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            String head = "POST /v1/ingest HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + (70 * 1024) + "\r\n\r\n[";
            socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            assertThat(status).startsWith("HTTP/1.1 413");
        }
    }

    // ---- customers ------------------------------------------------------------------------------------------------

    @Test
    void aCreatedCustomerIsReadableAtOnceWithItsDetail() {
        String alias = unique("acme@example.com");
        HttpResponse<String> r = api.post("/v1/customers", "{\"name\":\"Acme\",\"ingest_aliases\":[\"" + alias
                + "\"],\"custom_fields\":{\"plan\":\"gold\"},\"external_id\":\"ext-1\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode data = json(r).path("data");
        String id = data.path("id").asText();
        assertThat(UUID.fromString(id).toString()).isEqualTo(id);
        assertThat(data.path("ingest_aliases").get(0).asText()).isEqualTo(alias);
        assertThat(data.path("custom_fields").path("plan").asText()).isEqualTo("gold");
        HttpResponse<String> got = api.get("/v1/customers/" + id);
        assertThat(got.statusCode()).isEqualTo(200);
        JsonNode detail = json(got).path("data");
        assertThat(detail.path("name").asText()).isEqualTo("Acme");
        assertThat(detail.path("external_id").asText()).isEqualTo("ext-1");
        assertThat(detail.has("created_at") && detail.has("updated_at") && detail.has("archived_at")
                && detail.has("customer_config")).isTrue();
        assertThat(detail.path("archived_at").isNull()).isTrue();
    }

    @Test
    void anUnknownCustomerIs404() {
        HttpResponse<String> r = api.get("/v1/customers/" + UUID.randomUUID());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).path("message").asText()).contains("not found");
        assertThat(api.post("/v1/customers/" + UUID.randomUUID() + "/setIngestAliases", "{\"ingest_aliases\":[]}")
                .statusCode()).isEqualTo(404);
        assertThat(api.post("/v1/customers/" + UUID.randomUUID() + "/setName", "{\"name\":\"x\"}").statusCode())
                .isEqualTo(404);
        assertThat(api.post("/v1/customers/archive", "{\"id\":\"" + UUID.randomUUID() + "\"}").statusCode())
                .isEqualTo(404);
    }

    @Test
    void anAliasHeldByAnotherCustomerIs409WithoutRetryAndNothingIsApplied() {
        String alias = unique("taken");
        String holder = createCustomer("Holder", alias);
        HttpResponse<String> r = api.post("/v1/customers", "{\"name\":\"Second\",\"ingest_aliases\":[\"" + alias
                + "\"]}");
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.headers().firstValue("x-should-retry")).contains("false");
        assertThat(json(r).path("message").asText()).contains(alias);
        String other = createCustomer("Other", unique("own"));
        HttpResponse<String> set = api.post("/v1/customers/" + other + "/setIngestAliases",
                "{\"ingest_aliases\":[\"" + unique("new") + "\",\"" + alias + "\"]}");
        assertThat(set.statusCode()).isEqualTo(409);
        assertThat(set.headers().firstValue("x-should-retry")).contains("false");
        assertThat(json(api.get("/v1/customers/" + other)).path("data").path("ingest_aliases").size()).isEqualTo(1);
        assertThat(json(api.get("/v1/customers/" + holder)).path("data").path("ingest_aliases").get(0).asText())
                .isEqualTo(alias);
        // Another customer's ID is not available as an alias either.
        assertThat(api.post("/v1/customers/" + other + "/setIngestAliases", "{\"ingest_aliases\":[\"" + holder
                + "\"]}").statusCode()).isEqualTo(409);
    }

    @Test
    void invalidCustomerInputIs400() {
        assertThat(api.post("/v1/customers", "{\"ingest_aliases\":[]}").statusCode()).isEqualTo(400);
        assertThat(api.post("/v1/customers", "{\"name\":\"x\",\"ingest_aliases\":[\"" + "a".repeat(129) + "\"]}")
                .statusCode()).isEqualTo(400);
        assertThat(api.post("/v1/customers", "{\"name\":\"x\",\"ingest_aliases\":[\"\"]}").statusCode())
                .isEqualTo(400);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 2001; i++) {
            many.add("alias-" + i);
        }
        HttpResponse<String> tooMany = api.post("/v1/customers", "{\"name\":\"x\",\"ingest_aliases\":"
                + aliasArray(many.toArray(String[]::new)) + "}");
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(json(tooMany).path("message").asText()).contains("2000");
        assertThat(api.post("/v1/customers", "[]").statusCode()).isEqualTo(400);
        assertThat(api.get("/v1/customers?limit=0").statusCode()).isEqualTo(400);
        assertThat(api.get("/v1/customers?limit=101").statusCode()).isEqualTo(400);
    }

    @Test
    void setNameAndArchiveAnswerLikeMetronomeAndAreReadBackAtOnce() {
        String id = createCustomer("Before");
        HttpResponse<String> named = api.post("/v1/customers/" + id + "/setName", "{\"name\":\"After\"}");
        assertThat(named.statusCode()).isEqualTo(200);
        assertThat(json(named).path("data").path("name").asText()).isEqualTo("After");
        assertThat(json(api.get("/v1/customers/" + id)).path("data").path("name").asText()).isEqualTo("After");
        HttpResponse<String> archived = api.post("/v1/customers/archive", "{\"id\":\"" + id + "\"}");
        assertThat(archived.statusCode()).isEqualTo(200);
        assertThat(json(archived).path("data").path("id").asText()).isEqualTo(id);
        assertThat(json(api.get("/v1/customers/" + id)).path("data").path("archived_at").isNull()).isFalse();
    }

    @Test
    void listingFiltersByAliasIdsAndArchivedStateAndPagesWithACursor() {
        String tag = unique("list");
        String a = createCustomer("A", tag + "-a");
        String b = createCustomer("B", tag + "-b");
        String c = createCustomer("C", tag + "-c");
        api.post("/v1/customers/archive", "{\"id\":\"" + c + "\"}");
        JsonNode byAlias = json(api.get("/v1/customers?ingest_alias=" + tag + "-b"));
        assertThat(byAlias.path("data")).hasSize(1);
        assertThat(byAlias.path("data").get(0).path("id").asText()).isEqualTo(b);
        assertThat(byAlias.path("next_page").isNull()).isTrue();
        JsonNode byIds = json(api.get("/v1/customers?customer_ids=" + a + "," + b + "," + c));
        assertThat(byIds.path("data").findValuesAsText("id")).containsExactlyInAnyOrder(a, b);
        JsonNode archivedOnly = json(api.get("/v1/customers?only_archived=true&customer_ids=" + a + "," + c));
        assertThat(archivedOnly.path("data").findValuesAsText("id")).containsExactly(c);
        // Paging through everything one at a time visits every active customer once, in ID order.
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = json(api.get("/v1/customers?limit=2" + (cursor == null ? "" : "&next_page=" + cursor)));
            page.path("data").forEach(d -> seen.add(d.path("id").asText()));
            cursor = page.path("next_page").isNull() ? null : page.path("next_page").asText();
        } while (cursor != null);
        assertThat(seen).contains(a, b).doesNotContain(c).doesNotHaveDuplicates();
        assertThat(seen).isSortedAccordingTo(String::compareTo);
    }

    // ---- Meterflow's own ------------------------------------------------------------------------------------------

    @Test
    void anIdentifierResolvesToItsCustomerAndPendingUsageIsPaged() throws Exception {
        String alias = unique("resolve");
        String id = createCustomer("Resolver", alias);
        JsonNode resolved = json(api.get("/v1/meterflow/identifiers/" + alias)).path("data");
        assertThat(resolved.path("customer_id").asText()).isEqualTo(id);
        assertThat(resolved.path("is_customer_id").asBoolean()).isFalse();
        assertThat(api.get("/v1/meterflow/identifiers/" + unique("unbound")).statusCode()).isEqualTo(404);

        String unbound = unique("parked");
        List<String> events = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(unique("p" + i));
            events.add(event(ids.get(i), unbound));
        }
        assertThat(api.post("/v1/ingest", "[" + String.join(",", events) + "]").statusCode()).isEqualTo(200);
        for (String t : ids) {
            awaitSearch(t, e -> true);
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = json(api.get("/v1/meterflow/identifiers/" + unbound + "/pending?limit=2"
                    + (cursor == null ? "" : "&next_page=" + cursor)));
            page.path("data").forEach(d -> seen.add(d.path("transaction_id").asText()));
            cursor = page.path("next_page").isNull() ? null : page.path("next_page").asText();
            pages++;
        } while (cursor != null);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(pages).isEqualTo(3);
    }

    // ---- the retroactive story, over HTTP only --------------------------------------------------------------------

    @Test
    void usageUnderAnUnknownAliasIsAttributedWhenTheAliasIsAttachedAndMovesWithIt() throws Exception {
        String alias = unique("story@example.com");
        String t = unique("story");
        assertThat(api.post("/v1/ingest", "[" + event(t, alias) + "]").statusCode()).isEqualTo(200);
        assertThat(awaitSearch(t, e -> true).path("status").asText()).isEqualTo("pending");

        String first = createCustomer("First", alias);
        JsonNode attributed = awaitSearch(t, e -> e.path("status").asText().equals("attributed"));
        assertThat(attributed.path("matched_customer").path("id").asText()).isEqualTo(first);
        assertThat(attributed.path("matched_customer").path("name").asText()).isEqualTo("First");

        assertThat(api.post("/v1/customers/" + first + "/setIngestAliases", "{\"ingest_aliases\":[]}").statusCode())
                .isEqualTo(200);
        String second = createCustomer("Second", alias);
        JsonNode moved = awaitSearch(t, e -> e.path("matched_customer").path("id").asText().equals(second));
        assertThat(moved.path("matched_customer").path("name").asText()).isEqualTo("Second");
        assertThat(moved.path("status").asText()).isEqualTo("attributed");
    }

    // ---- the OpenAPI document -------------------------------------------------------------------------------------

    @Test
    void everyPathInTheOpenApiDocumentAnswers() {
        String alias = unique("doc");
        String customer = createCustomer("Documented", alias);
        HttpResponse<String> doc = api.withToken(null).get("/openapi.yaml");
        assertThat(doc.statusCode()).isEqualTo(200);
        Matcher paths = Pattern.compile("(?m)^  (/[^:\\s]*):\\s*$").matcher(doc.body());
        List<String> checked = new ArrayList<>();
        while (paths.find()) {
            String path = paths.group(1);
            String section = doc.body().substring(paths.end());
            Matcher next = Pattern.compile("(?m)^  /").matcher(section);
            if (next.find()) {
                section = section.substring(0, next.start());
            }
            Matcher methods = Pattern.compile("(?m)^    (get|post):\\s*$").matcher(section);
            while (methods.find()) {
                String concrete = path.replace("{customer_id}", customer).replace("{identifier}", alias)
                        .replace("{billable_metric_id}", UUID.randomUUID().toString());
                HttpResponse<String> r = methods.group(1).equals("get") ? api.get(concrete)
                        : api.post(concrete, "{}");
                assertThat(r.statusCode()).as(methods.group(1) + " " + path + ": " + r.body()).isNotEqualTo(405);
                assertThat(r.body()).as(methods.group(1) + " " + path).doesNotContain("no such endpoint");
                checked.add(methods.group(1) + " " + path);
            }
        }
        assertThat(checked).contains("post /v1/ingest", "post /v1/customers", "get /v1/customers/{customer_id}",
                "post /v1/events/search", "post /v1/billable-metrics/create", "get /v1/billable-metrics",
                "get /v1/customers/{customer_id}/billable-metrics");
    }
}
