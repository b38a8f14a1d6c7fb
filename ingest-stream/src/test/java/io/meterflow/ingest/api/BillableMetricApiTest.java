package io.meterflow.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterflow.config.Settings;
import io.meterflow.http.HttpError;
import io.meterflow.http.HttpService;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.IngestTopology;
import io.meterflow.ingest.billablemetrics.BillableMetricsQuery;
import io.meterflow.ingest.billablemetrics.BillableMetricsStore;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The billable metric API's handlers over HTTP, without a broker: what the API publishes goes straight into
 * ingest-stream's real topology in a TopologyTestDriver, and reads come from that topology's global store, so a
 * create is readable exactly when the global processor has applied it, as on a broker.
 */
class BillableMetricApiTest {

    private static final String TOKEN = "api-test-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> topic;
    private HttpService http;
    private KeyValueStore<String, BillableMetric> store;
    private final HttpClient client = HttpClient.newHttpClient();
    private final AtomicInteger published = new AtomicInteger();
    /** When false, records are published but never reach the store (a global thread that lags). */
    private final AtomicBoolean applying = new AtomicBoolean(true);
    private final AtomicReference<HttpError> unavailable = new AtomicReference<>();
    private final AtomicReference<Optional<Boolean>> customerExists = new AtomicReference<>(Optional.empty());

    @BeforeEach
    void start() {
        IngestConfig config = IngestConfig.from(Settings.of(Map.of("application.id", "api-test",
                "schema.registry.url", "mock://api-test-" + UUID.randomUUID(), "state.dir", stateDir.toString(),
                "topic.partitions", "1", IngestConfig.DEDUP_HORIZON, "2d", IngestConfig.ATTRIBUTION_HORIZON, "3d",
                IngestConfig.MAX_FUTURE_SKEW, "90m", IngestConfig.MAX_EVENT_AGE, "2d")));
        Topics topics = Topics.create(config.streams().topicNames(), config.streams().serdeConfig());
        driver = new TopologyTestDriver(IngestTopology.build(config, topics, new SimpleMeterRegistry()),
                config.streams().streamsProperties());
        topic = driver.createInputTopic(topics.names().billableMetrics(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer());
        store = driver.getKeyValueStore(BillableMetricsStore.STORE);
        BillableMetricsQuery query = new BillableMetricsQuery(store);
        CustomerNames customers = new CustomerNames() {
            @Override
            public Optional<String> nameOf(String customerId) {
                return Optional.empty();
            }

            @Override
            public Optional<Boolean> exists(String customerId) {
                return customerExists.get();
            }
        };
        BillableMetricApi.Publisher publisher = (id, value) -> {
            published.incrementAndGet();
            if (applying.get()) {
                synchronized (driver) {
                    topic.pipeInput(id.getBytes(StandardCharsets.UTF_8), value);
                }
            }
        };
        http = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1 << 20, 8);
        BillableMetricApi.install(http, new BillableMetricApi(() -> {
            if (unavailable.get() != null) {
                throw unavailable.get();
            }
            return query;
        }, publisher, () -> { }, topics.billableMetrics(), customers, Duration.ofMillis(300), config));
        http.start();
    }

    @AfterEach
    void stop() {
        http.close();
        driver.close();
    }

    private HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(http.baseUrl() + path)).GET());
    }

    private HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(http.baseUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return client.send(request.header("Authorization", "Bearer " + TOKEN).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError(response.body(), e);
        }
    }

    private static final String CPU_HOURS = """
            {"name": "CPU Hours", "aggregation_key": "cpu_hours", "aggregation_type": "SUM",
             "event_type_filter": {"in_values": ["cpu_usage"]},
             "group_keys": [["region"], ["machine_type"]],
             "property_filters": [
               {"name": "cpu_hours", "exists": true},
               {"name": "region", "exists": true, "in_values": ["EU", "NA"]},
               {"name": "machine_type", "exists": true, "in_values": ["slow", "fast"]}],
             "custom_fields": {"team": "infra"}}""";

    private String create(String body) {
        HttpResponse<String> r = post("/v1/billable-metrics/create", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r).path("data").path("id").asText();
    }

    private String count(String name) {
        return create("{\"name\":\"" + name + "\",\"aggregation_type\":\"COUNT\"}");
    }

    // ---- create and retrieve --------------------------------------------------------------------------------------

    @Test
    void aCreatedMetricIsAnsweredWithItsIdAndReadBackInMetronomesShape() throws Exception {
        HttpResponse<String> created = post("/v1/billable-metrics/create", CPU_HOURS);

        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String id = json(created).path("data").path("id").asText();
        assertThat(UUID.fromString(id).toString()).isEqualTo(id);
        String completeFrom = completeFrom(store.get(id).getCreatedAt());
        assertThat(json(created)).isEqualTo(JSON.readTree("{\"data\":{\"id\":\"" + id
                + "\",\"aggregates_complete_from\":\"" + completeFrom + "\"}}"));
        HttpResponse<String> got = get("/v1/billable-metrics/" + id);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(json(got)).isEqualTo(JSON.readTree("""
                {"data": {"id": "%s", "name": "CPU Hours", "aggregation_type": "SUM", "aggregation_key": "cpu_hours",
                 "event_type_filter": {"in_values": ["cpu_usage"]},
                 "property_filters": [
                   {"name": "cpu_hours", "exists": true},
                   {"name": "region", "exists": true, "in_values": ["EU", "NA"]},
                   {"name": "machine_type", "exists": true, "in_values": ["slow", "fast"]}],
                 "group_keys": [["region"], ["machine_type"]],
                 "custom_fields": {"team": "infra"},
                 "aggregates_complete_from": "%s"}}""".formatted(id, completeFrom)));
    }

    /**
     * The first hour a metric created at {@code createdAt} holds completely, computed here by hand with this test's
     * settings: created − max(dedup 2 d, attribution 3 d) + future skew 90 min, rounded up to the hour.
     */
    private static String completeFrom(java.time.Instant createdAt) {
        java.time.Instant from = createdAt.minus(Duration.ofDays(3)).plus(Duration.ofMinutes(90));
        java.time.Instant hour = from.truncatedTo(java.time.temporal.ChronoUnit.HOURS);
        String text = (hour.equals(from) ? hour : hour.plus(Duration.ofHours(1))).toString();
        assertThat(text).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:00:00Z");
        return text;
    }

    @Test
    void completeFromIsTheSameInTheListsAndStaysTheCreationsOnceArchived() {
        String id = count("Complete");
        String completeFrom = completeFrom(store.get(id).getCreatedAt());
        assertThat(json(get("/v1/billable-metrics?limit=100")).path("data").findValues("aggregates_complete_from"))
                .extracting(JsonNode::asText).contains(completeFrom);
        assertThat(post("/v1/billable-metrics/archive", "{\"id\":\"" + id + "\"}").statusCode()).isEqualTo(200);
        assertThat(json(get("/v1/billable-metrics/" + id)).path("data").path("aggregates_complete_from").asText())
                .isEqualTo(completeFrom);
    }

    @Test
    void aCountNeedsNoKeyAndAggregationTypesAreReadInEitherCase() {
        String id = create("{\"name\":\"Calls\",\"aggregation_type\":\"count\"}");

        JsonNode data = json(get("/v1/billable-metrics/" + id)).path("data");
        assertThat(data.path("aggregation_type").asText()).isEqualTo("COUNT");
        assertThat(data.has("aggregation_key")).isFalse();
        assertThat(data.has("event_type_filter")).isFalse();
        assertThat(data.has("archived_at")).isFalse();
        assertThat(data.path("property_filters")).isEmpty();
        assertThat(data.path("group_keys")).isEmpty();
    }

    @Test
    void anUnknownMetricIs404() {
        HttpResponse<String> r = get("/v1/billable-metrics/" + UUID.randomUUID());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("x-should-retry")).contains("false");
        assertThat(json(r).path("message").asText()).contains("not found");
    }

    // ---- refusals -------------------------------------------------------------------------------------------------

    private void assertRefused(String body, int status, String... messageParts) {
        int before = published.get();
        HttpResponse<String> r = post("/v1/billable-metrics/create", body);
        assertThat(r.statusCode()).as(body + " → " + r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("x-should-retry")).as(body).contains("false");
        assertThat(json(r).path("message").asText()).as(body).contains(messageParts);
        assertThat(published.get()).as("published for " + body).isEqualTo(before);
    }

    @Test
    void aSqlMetricIsRefusedSayingSqlMetricsAreNotSupported() {
        assertRefused("{\"name\":\"q\",\"sql\":\"select count(*) from events\"}", 400, "sql",
                "SQL billable metrics are not supported");
        assertRefused("{\"name\":\"q\",\"aggregation_type\":\"COUNT\",\"sql\":\"select 1\"}", 400, "SQL");
    }

    @Test
    void eachInvalidDefinitionIsA400NamingTheField() {
        assertRefused("{\"aggregation_type\":\"COUNT\"}", 400, "name is required");
        assertRefused("{\"name\":\"" + "n".repeat(161) + "\",\"aggregation_type\":\"COUNT\"}", 400,
                "name has 161 characters; at most 160");
        assertRefused("{\"name\":\"x\"}", 400, "aggregation_type is required");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"AVERAGE\"}", 400,
                "aggregation_type must be one of COUNT, SUM, MAX, UNIQUE, LATEST", "AVERAGE");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"SUM\"}", 400, "aggregation_key is required for SUM");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"MAX\",\"aggregation_key\":\"tokens\"}", 400,
                "aggregation_key 'tokens' must be one of the property filter names");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"COUNT\",\"event_type_filter\":{\"in_values\":[]}}",
                400, "event_type_filter.in_values must not be empty");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"COUNT\",\"property_filters\":"
                + "[{\"name\":\"a\",\"not_in_values\":[]}]}", 400, "property_filters[0].not_in_values must not be empty");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"UNIQUE\",\"aggregation_key\":\"user\","
                + "\"property_filters\":[{\"name\":\"user\"}],\"group_keys\":[[\"region\"]]}", 400,
                "group_keys[0][0]", "does not match one of the property filter names");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"COUNT\",\"property_filters\":[{\"name\":\"a\"}],"
                + "\"group_keys\":[[]]}", 400, "group_keys[0] is empty");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"COUNT\",\"group_keys\":[\"region\"]}", 400,
                "group_keys[0] must be an array of property names");
    }

    @Test
    void wrongJsonTypesAreA400NamingTheField() {
        assertRefused("[]", 400, "request body must be a JSON object");
        assertRefused("{\"name\":7,\"aggregation_type\":\"COUNT\"}", 400, "name is required");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":1}", 400, "aggregation_type must be one of");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"COUNT\",\"property_filters\":{}}", 400,
                "property_filters must be an array");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"COUNT\",\"property_filters\":[{\"name\":\"a\","
                + "\"exists\":\"yes\"}]}", 400, "property_filters[0].exists must be true, false or null");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"COUNT\",\"property_filters\":[{\"name\":\"a\","
                + "\"in_values\":[1]}]}", 400, "property_filters[0].in_values[0] must be a string");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"COUNT\",\"event_type_filter\":[\"a\"]}", 400,
                "event_type_filter must be an object");
        assertRefused("{\"name\":\"x\",\"aggregation_type\":\"COUNT\",\"custom_fields\":{\"a\":1}}", 400,
                "custom_fields.a must be a string");
        assertRefused("{\"name\":\"a\\ud800\",\"aggregation_type\":\"COUNT\"}", 400, "name has a lone surrogate");
        assertRefused("not json", 400, "not valid JSON");
    }

    @Test
    void aDefinitionOverTheRecordLimitIs413AndNothingIsPublished() {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            values.add("\"" + "v".repeat(1000) + i + "\"");
        }
        String longValues = "[" + String.join(",", values) + "]";
        // Each value has at most 1002 characters of the 1024 allowed: valid one by one, too large together.
        assertRefused("{\"name\":\"big\",\"aggregation_type\":\"COUNT\",\"property_filters\":[{\"name\":\"a\","
                + "\"in_values\":" + longValues + "}]}", 413, "bytes (key and value)", "at most 65536");
    }

    // ---- list -----------------------------------------------------------------------------------------------------

    @Test
    void listingPagesInIdOrderAndShowsArchivedMetricsOnlyWhenAsked() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(count("m" + i));
        }
        assertThat(post("/v1/billable-metrics/archive", "{\"id\":\"" + ids.get(1) + "\"}").statusCode())
                .isEqualTo(200);
        List<String> active = new ArrayList<>(ids);
        active.remove(1);
        active.sort(String::compareTo);
        List<String> all = new ArrayList<>(ids);
        all.sort(String::compareTo);

        assertThat(pages("/v1/billable-metrics", 2)).containsExactlyElementsOf(active);
        assertThat(pages("/v1/billable-metrics?include_archived=true", 2)).containsExactlyElementsOf(all);
        assertThat(pages("/v1/billable-metrics?include_archived=false", 10)).containsExactlyElementsOf(active);
        JsonNode first = json(get("/v1/billable-metrics?limit=4"));
        assertThat(first.path("data")).hasSize(4);
        assertThat(first.path("next_page").isNull()).isTrue();
    }

    /** Every ID listed by following next_page from {@code path} with pages of {@code limit}. */
    private List<String> pages(String path, int limit) {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            String url = path + (path.contains("?") ? "&" : "?") + "limit=" + limit
                    + (cursor == null ? "" : "&next_page=" + cursor);
            HttpResponse<String> r = get(url);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode page = json(r);
            assertThat(page.path("data").size()).isLessThanOrEqualTo(limit);
            page.path("data").forEach(d -> seen.add(d.path("id").asText()));
            cursor = page.path("next_page").isNull() ? null : page.path("next_page").asText();
            assertThat(++pages).isLessThan(100);
        } while (cursor != null);
        return seen;
    }

    @Test
    void badListParametersAre400() {
        for (String query : List.of("limit=0", "limit=101", "limit=x", "include_archived=yes", "next_page=%25%25")) {
            HttpResponse<String> r = get("/v1/billable-metrics?" + query);
            assertThat(r.statusCode()).as(query + " → " + r.body()).isEqualTo(400);
            assertThat(r.headers().firstValue("x-should-retry")).contains("false");
        }
    }

    // ---- archive --------------------------------------------------------------------------------------------------

    @Test
    void archivingAnswersTheIdKeepsTheMetricReadableAndTwiceChangesNothing() {
        String id = create(CPU_HOURS);
        HttpResponse<String> archived = post("/v1/billable-metrics/archive", "{\"id\":\"" + id + "\"}");

        assertThat(archived.statusCode()).as(archived.body()).isEqualTo(200);
        assertThat(json(archived).path("data").path("id").asText()).isEqualTo(id);
        JsonNode data = json(get("/v1/billable-metrics/" + id)).path("data");
        String archivedAt = data.path("archived_at").asText();
        assertThat(archivedAt).isNotEmpty();
        assertThat(data.path("name").asText()).isEqualTo("CPU Hours");

        int before = published.get();
        assertThat(post("/v1/billable-metrics/archive", "{\"id\":\"" + id + "\"}").statusCode()).isEqualTo(200);
        assertThat(published.get()).isEqualTo(before);
        assertThat(json(get("/v1/billable-metrics/" + id)).path("data").path("archived_at").asText())
                .isEqualTo(archivedAt);
    }

    @Test
    void archivingAnUnknownOrUnnamedMetricIsRefused() {
        HttpResponse<String> unknown = post("/v1/billable-metrics/archive", "{\"id\":\"" + UUID.randomUUID() + "\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("x-should-retry")).contains("false");
        assertThat(post("/v1/billable-metrics/archive", "{}").statusCode()).isEqualTo(400);
        assertThat(post("/v1/billable-metrics/archive", "{\"id\":3}").statusCode()).isEqualTo(400);
        assertThat(published.get()).isZero();
    }

    // ---- a customer's billable metrics ----------------------------------------------------------------------------

    @Test
    void aCustomerHasEveryMetricAndAnUnknownCustomerIs404() {
        String a = count("a");
        String b = count("b");
        post("/v1/billable-metrics/archive", "{\"id\":\"" + b + "\"}");
        String customer = UUID.randomUUID().toString();

        customerExists.set(Optional.of(true));
        assertThat(pages("/v1/customers/" + customer + "/billable-metrics", 1)).containsExactly(a);
        assertThat(pages("/v1/customers/" + customer + "/billable-metrics?include_archived=true&on_current_plan=true",
                1)).containsExactlyInAnyOrder(a, b);
        assertThat(get("/v1/customers/" + customer + "/billable-metrics?on_current_plan=maybe").statusCode())
                .isEqualTo(400);

        customerExists.set(Optional.of(false));
        HttpResponse<String> unknown = get("/v1/customers/" + customer + "/billable-metrics");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).path("message").asText()).isEqualTo("customer " + customer + " not found");

        // Without a source of customers (a separate ingest-stream without customers.api.url), it is not checked.
        customerExists.set(Optional.empty());
        assertThat(get("/v1/customers/" + customer + "/billable-metrics").statusCode()).isEqualTo(200);
    }

    // ---- when the definition does not become visible --------------------------------------------------------------

    @Test
    void aCreateNotVisibleWithinTheWriteTimeoutIs503WithRetryAfterAndNoAutomaticRetry() {
        applying.set(false);
        HttpResponse<String> r = post("/v1/billable-metrics/create", CPU_HOURS);

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).contains("1");
        assertThat(r.headers().firstValue("x-should-retry")).contains("false");
        assertThat(json(r).path("message").asText()).contains("was published", "before creating it again");
        assertThat(published.get()).isEqualTo(1);
    }

    @Test
    void anArchiveNotVisibleWithinTheWriteTimeoutIs503WithRetryAfterAndMayBeRetried() {
        String id = count("late");
        applying.set(false);
        HttpResponse<String> r = post("/v1/billable-metrics/archive", "{\"id\":\"" + id + "\"}");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).contains("1");
        assertThat(r.headers().firstValue("x-should-retry")).isEmpty();
    }

    @Test
    void whenTheDefinitionsCannotBeReadNothingIsPublishedAndTheAnswerIs503() {
        unavailable.set(HttpError.unavailable("ingest-stream is PENDING_SHUTDOWN; retry"));
        assertThat(post("/v1/billable-metrics/create", CPU_HOURS).statusCode()).isEqualTo(503);
        assertThat(get("/v1/billable-metrics").statusCode()).isEqualTo(503);
        assertThat(published.get()).isZero();
    }

    @Test
    void everyRouteNeedsTheToken() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(http.baseUrl()
                + "/v1/billable-metrics")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
    }
}
