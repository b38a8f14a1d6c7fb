package io.meterflow.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterflow.http.HttpService;
import io.meterflow.http.PeerClient;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Bound;
import io.meterflow.schemas.AggregationType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The usage queries over HTTP with fake aggregates: two instances (A hosts customers c-1 and c-2, B hosts c-3), each
 * a real {@link HttpService} with the API installed as in production, forwarding to each other with a real
 * {@link PeerClient}; definitions from an in-memory store read by the real {@code BillableMetricsQuery}.
 */
class UsageQueryApiTest {

    static final String TOKEN = "usage-query-test-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper().enable(
            DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    static final String DAY1 = "2026-11-01T00:00:00Z";
    static final String DAY2 = "2026-11-02T00:00:00Z";
    static final String DAY3 = "2026-11-03T00:00:00Z";

    private final HttpClient client = HttpClient.newHttpClient();
    final MetricDefinitions metrics = new MetricDefinitions();
    final FakeUsageAggregates a = new FakeUsageAggregates().host("c-1", "c-2");
    final FakeUsageAggregates b = new FakeUsageAggregates().host("c-3");
    HttpService httpA;
    HttpService httpB;

    @BeforeEach
    void start() {
        metrics.add("m-calls", "Calls", AggregationType.COUNT, List.of());
        metrics.add("m-tokens", "Tokens", AggregationType.SUM, List.of(List.of("region"), List.of("region", "team")));
        metrics.add("m-peak", "Peak", AggregationType.MAX, List.of());
        metrics.add("m-old", "Old", AggregationType.COUNT, List.of());
        metrics.archive("m-old");
        httpA = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1 << 20, 8);
        httpB = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1 << 20, 8);
        HostInfo hostA = new HostInfo("127.0.0.1", httpA.port());
        HostInfo hostB = new HostInfo("127.0.0.1", httpB.port());
        a.ownedBy("c-3", hostB);
        b.ownedBy("c-1", hostA).ownedBy("c-2", hostA);
        install(httpA, () -> a, hostA, hostB);
        install(httpB, () -> b, hostB, hostA);
        httpA.start();
        httpB.start();
    }

    void install(HttpService http, Supplier<UsageAggregatesQuery> aggregates, HostInfo self, HostInfo other) {
        UsageQueryApi.install(http, new UsageQueryApi(aggregates, metrics::query,
                new PeerClient(TOKEN, Duration.ofSeconds(5)), self, () -> List.of(other)));
    }

    @AfterEach
    void stop() {
        httpA.close();
        httpB.close();
    }

    HttpResponse<String> post(HttpService http, String path, String body) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(http.baseUrl() + path))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError(response.body(), e);
        }
    }

    static String usage(String window, String from, String to, String rest) {
        return "{\"window_size\":\"" + window + "\",\"starting_on\":\"" + from + "\",\"ending_before\":\"" + to + "\""
                + (rest.isEmpty() ? "" : "," + rest) + "}";
    }

    // ---- request checks -------------------------------------------------------------------------------------------

    @Test
    void everyInvalidUsageRequestIs400NamingTheField() {
        String ok = "\"starting_on\":\"" + DAY1 + "\",\"ending_before\":\"" + DAY2 + "\"";
        Map<String, String> list = new java.util.LinkedHashMap<>();
        list.put("[]", "request body must be a JSON object");
        list.put("{" + ok + "}", "window_size is required");
        list.put("{" + ok + ",\"window_size\":\"week\"}", "window_size must be HOUR, DAY or NONE");
        list.put("{" + ok + ",\"window_size\":3}", "window_size must be HOUR, DAY or NONE");
        list.put("{\"window_size\":\"day\",\"ending_before\":\"" + DAY2 + "\"}", "starting_on is required");
        list.put("{\"window_size\":\"day\",\"starting_on\":\"" + DAY1 + "\"}", "ending_before is required");
        list.put(usage("day", "2026-11-01", DAY2, ""), "starting_on must be an RFC 3339 time");
        list.put(usage("day", "20261-11-01T00:00:00Z", DAY2, ""), "starting_on must be an RFC 3339 time");
        list.put(usage("hour", "2026-11-01T00:30:00Z", DAY2, ""), "starting_on must be on a UTC hour boundary");
        list.put(usage("hour", "2026-11-01T00:00:00.5Z", DAY2, ""), "starting_on must be on a UTC hour boundary");
        list.put(usage("hour", "2026-11-01T00:00:00.0001Z", DAY2, ""), "starting_on must be on a UTC hour boundary");
        list.put(usage("hour", DAY1, "2026-11-01T05:00:00+00:30", ""), "ending_before must be on a UTC hour boundary");
        list.put(usage("day", DAY1, "2026-11-02T05:00:00Z", ""), "ending_before must be on a UTC day boundary");
        list.put(usage("day", DAY2, DAY1, ""), "ending_before must be after starting_on");
        list.put(usage("none", DAY1, DAY1, ""), "ending_before must be after starting_on");
        list.put(usage("day", DAY1, "2027-12-07T00:00:00Z", ""), "ending_before must be at most 400 days");
        list.put(usage("hour", DAY1, "2026-12-02T01:00:00Z", ""), "ending_before: with window_size HOUR");
        list.put(usage("day", DAY1, DAY2, "\"customer_ids\":\"c-1\""), "customer_ids must be an array");
        list.put(usage("day", DAY1, DAY2, "\"customer_ids\":[]"), "customer_ids must hold 1 to 100");
        list.put(usage("day", DAY1, DAY2, "\"customer_ids\":[\"c-1\",7]"), "customer_ids[1] must be a non-empty");
        list.put(usage("day", DAY1, DAY2, "\"customer_ids\":[\"\"]"), "customer_ids[0] must be a non-empty");
        list.put(usage("day", DAY1, DAY2, "\"customer_ids\":[\"" + "x".repeat(129) + "\"]"),
                "customer_ids[0] must be at most 128");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":{}"), "billable_metrics must be an array");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":[]"), "billable_metrics must hold 1 to 100");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":[\"m-calls\"]"), "billable_metrics[0] must be an object");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":[{}]"), "billable_metrics[0].id is required");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":[{\"id\":\"m-calls\"},{\"id\":\"nope\"}]"),
                "billable_metrics[1].id: billable metric nope not found");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":[{\"id\":\"m-calls\"},{\"id\":\"m-calls\"}]"),
                "billable_metrics[1].id: billable metric m-calls is listed twice");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":[{\"id\":\"m-tokens\",\"group_by\":[]}]"),
                "billable_metrics[0].group_by must be an object");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":[{\"id\":\"m-tokens\",\"group_by\":{}}]"),
                "billable_metrics[0].group_by.key is required");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":[{\"id\":\"m-tokens\",\"group_by\":{\"key\":\"team\"}}]"),
                "billable_metrics[0].group_by.key: team is not a group key of one name");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":[{\"id\":\"m-calls\",\"group_by\":{\"key\":\"region\"}}]"),
                "billable_metrics[0].group_by.key: region is not a group key");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":[{\"id\":\"m-tokens\",\"group_by\":{\"key\":\"region\","
                + "\"values\":[1]}}]"), "billable_metrics[0].group_by.values[0] must be a string");
        list.put(usage("day", DAY1, DAY2, "\"billable_metrics\":[{\"id\":\"m-tokens\",\"group_by\":{\"key\":\"region\","
                + "\"values\":[" + "\"v\",".repeat(200) + "\"v\"]}}]"),
                "billable_metrics[0].group_by.values has 201 values; at most 200");
        list.forEach((body, message) -> assertBadRequest(post(httpA, "/v1/usage", body), message));
        assertBadRequest(post(httpA, "/v1/usage?limit=0", usage("day", DAY1, DAY2, "")), "limit must be an integer");
        assertBadRequest(post(httpA, "/v1/usage?limit=1001", usage("day", DAY1, DAY2, "")), "limit must be an integer");
        assertBadRequest(post(httpA, "/v1/usage?next_page=bm90IGEgY3Vyc29y", usage("day", DAY1, DAY2, "")),
                "next_page is not a cursor this API gave out");
        assertBadRequest(post(httpA, "/v1/usage?next_page=%25%25", usage("day", DAY1, DAY2, "")),
                "next_page is not a cursor this API gave out");
    }

    @Test
    void everyInvalidGroupsRequestIs400NamingTheField() {
        String ok = "\"customer_id\":\"c-1\",\"billable_metric_id\":\"m-tokens\",\"window_size\":\"DAY\","
                + "\"starting_on\":\"" + DAY1 + "\",\"ending_before\":\"" + DAY2 + "\"";
        Map<String, String> groups = new java.util.LinkedHashMap<>();
        groups.put("{\"billable_metric_id\":\"m-tokens\",\"window_size\":\"DAY\"}", "customer_id is required");
        groups.put("{\"customer_id\":\"c-1\",\"window_size\":\"DAY\"}", "billable_metric_id is required");
        groups.put("{\"customer_id\":\"c-1\",\"billable_metric_id\":\"m-tokens\"}", "window_size is required");
        groups.put("{\"customer_id\":\"c-1\",\"billable_metric_id\":\"m-tokens\",\"window_size\":\"DAY\","
                + "\"current_period\":true}", "current_period is not supported: Meterflow has no contracts");
        groups.put("{\"customer_id\":\"c-1\",\"billable_metric_id\":\"m-tokens\",\"window_size\":\"DAY\","
                + "\"current_period\":\"yes\"}", "current_period must be true or false");
        groups.put("{\"customer_id\":\"c-1\",\"billable_metric_id\":\"m-tokens\",\"window_size\":\"DAY\","
                + "\"current_period\":false}", "starting_on is required");
        groups.put("{" + ok.replace("m-tokens", "nope") + "}", "billable_metric_id: billable metric nope not found");
        groups.put("{" + ok + ",\"group_key\":[\"region\"],\"group_by\":{\"key\":\"region\"}}",
                "group_by cannot be used together with group_key");
        groups.put("{" + ok + ",\"group_key\":\"region\"}", "group_key must be a non-empty array");
        groups.put("{" + ok + ",\"group_key\":[]}", "group_key must be a non-empty array");
        groups.put("{" + ok + ",\"group_key\":[\"region\",\"region\"]}", "group_key[1]: region is given twice");
        groups.put("{" + ok + ",\"group_key\":[\"team\"]}", "group_key: [team] is not one of the group keys");
        groups.put("{" + ok + ",\"group_key\":[\"region\",\"team\",\"x\"]}", "group_key: [region, team, x] is not one");
        groups.put("{" + ok + ",\"group_by\":{\"key\":\"team\"}}", "group_by.key: team is not a group key of one name");
        groups.put("{" + ok + ",\"group_key\":[\"region\"],\"group_filters\":{\"team\":[\"a\"]}}",
                "group_filters.team: the key must be one of group_key's names");
        groups.put("{" + ok + ",\"group_filters\":{\"region\":[\"EU\"]}}",
                "group_filters.region: the key must be one of group_key's names (group_key is not given)");
        groups.put("{" + ok + ",\"group_key\":[\"region\"],\"group_filters\":{\"region\":\"EU\"}}",
                "group_filters.region must be an array of strings");
        groups.put("{" + ok + ",\"group_key\":[\"region\"],\"group_filters\":[]}", "group_filters must be an object");
        groups.forEach((body, message) -> assertBadRequest(post(httpA, "/v1/usage/groups", body), message));
        assertBadRequest(post(httpA, "/v1/usage/groups?limit=101", "{" + ok + ",\"group_key\":[\"team\",\"region\"]}"),
                "limit must be an integer from 1 to 100");
        assertThat(post(httpA, "/v1/usage/groups?limit=1000", "{" + ok + ",\"group_key\":[\"region\"]}").statusCode())
                .isEqualTo(200);
    }

    private static void assertBadRequest(HttpResponse<String> response, String message) {
        assertThat(response.statusCode()).as(message + " <- " + response.body()).isEqualTo(400);
        assertThat(json(response).path("message").asText()).as(response.body()).contains(message);
        assertThat(response.headers().firstValue("x-should-retry")).contains("false");
    }

    @Test
    void windowSizeIsReadInEitherCaseAndOffsetsAreInstants() {
        for (String size : List.of("day", "DAY", "Day")) {
            HttpResponse<String> r = post(httpA, "/v1/usage", usage(size, DAY1, DAY3,
                    "\"customer_ids\":[\"c-1\"],\"billable_metrics\":[{\"id\":\"m-calls\"}]"));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(json(r).path("data").size()).isEqualTo(2);
        }
        HttpResponse<String> r = post(httpA, "/v1/usage", usage("none", "2026-11-01T01:00:00+01:00",
                "2026-11-01T05:00:00-01:00", "\"customer_ids\":[\"c-1\"],\"billable_metrics\":[{\"id\":\"m-calls\"}]"));
        assertThat(json(r).path("data").get(0).path("start_timestamp").asText()).isEqualTo(DAY1);
        assertThat(json(r).path("data").get(0).path("end_timestamp").asText()).isEqualTo("2026-11-01T06:00:00Z");
    }

    // ---- answers --------------------------------------------------------------------------------------------------

    @Test
    void valuesAreTheExactDecimalsAndWindowsWithoutUsageAreZeroOrNull() {
        a.usage("c-1", "m-tokens", "2026-11-01T00:00:00Z", "0.1")
                .usage("c-1", "m-tokens", "2026-11-01T05:00:00Z", "0.2")
                .usage("c-1", "m-tokens", "2026-11-02T23:00:00Z", "12345678901234567890.000001");
        HttpResponse<String> r = post(httpA, "/v1/usage", usage("DAY", DAY1, DAY3,
                "\"customer_ids\":[\"c-1\"],\"billable_metrics\":[{\"id\":\"m-tokens\"},{\"id\":\"m-peak\"}]"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"data\":["
                + row("c-1", "m-peak", "Peak", DAY1, DAY2, "null") + ","
                + row("c-1", "m-peak", "Peak", DAY2, DAY3, "null") + ","
                + row("c-1", "m-tokens", "Tokens", DAY1, DAY2, "0.3") + ","
                + row("c-1", "m-tokens", "Tokens", DAY2, DAY3, "12345678901234567890.000001")
                + "],\"next_page\":null}");
        HttpResponse<String> none = post(httpA, "/v1/usage", usage("NONE", DAY1, DAY3,
                "\"customer_ids\":[\"c-1\"],\"billable_metrics\":[{\"id\":\"m-tokens\"},{\"id\":\"m-calls\"}]"));
        assertThat(none.body()).isEqualTo("{\"data\":["
                + row("c-1", "m-calls", "Calls", DAY1, DAY3, "0") + ","
                + row("c-1", "m-tokens", "Tokens", DAY1, DAY3, "12345678901234567890.300001")
                + "],\"next_page\":null}");
    }

    static String row(String customer, String metric, String name, String start, String end, String value) {
        return "{\"customer_id\":\"" + customer + "\",\"billable_metric_id\":\"" + metric
                + "\",\"billable_metric_name\":\"" + name + "\",\"start_timestamp\":\"" + start
                + "\",\"end_timestamp\":\"" + end + "\",\"value\":" + value + "}";
    }

    @Test
    void groupByAddsEachGroupsValueAndNullForAGroupWithoutUsage() {
        a.usage("c-1", "m-tokens", "2026-11-01T03:00:00Z", "5")
                .usage("c-1", "m-tokens", "2026-11-02T03:00:00Z", "7")
                .usage("c-1", "m-tokens", "2026-11-01T03:00:00Z", "5", "EU")
                .usage("c-1", "m-tokens", "2026-11-02T03:00:00Z", "7", "NA")
                .usage("c-1", "m-tokens", "2026-11-02T04:00:00Z", "1", (String) null);
        HttpResponse<String> r = post(httpA, "/v1/usage", usage("DAY", DAY1, DAY3, "\"customer_ids\":[\"c-1\"],"
                + "\"billable_metrics\":[{\"id\":\"m-tokens\",\"group_by\":{\"key\":\"region\",\"values\":[\"NA\",\"APAC\",\"EU\"]}}]"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode data = json(r).path("data");
        assertThat(data.get(0).path("value").decimalValue()).isEqualByComparingTo("5");
        assertThat(data.get(0).path("groups").toString()).isEqualTo("{\"NA\":0,\"APAC\":null,\"EU\":5}");
        assertThat(data.get(1).path("groups").toString()).isEqualTo("{\"NA\":7,\"APAC\":null,\"EU\":0}");
        // Without values: every value that had usage in the period (an event without the property is in value only).
        HttpResponse<String> all = post(httpA, "/v1/usage", usage("DAY", DAY1, DAY3, "\"customer_ids\":[\"c-1\"],"
                + "\"billable_metrics\":[{\"id\":\"m-tokens\",\"group_by\":{\"key\":\"region\"}}]"));
        assertThat(json(all).path("data").get(1).path("groups").toString()).isEqualTo("{\"EU\":0,\"NA\":7}");
        assertThat(a.reads).contains("c-1/m-tokens/[region]");
    }

    @Test
    void withoutNamesEveryActiveMetricAndEveryCustomerOfEveryInstanceIsAnswered() {
        a.usage("c-2", "m-calls", "2026-11-01T00:00:00Z", "1");
        b.usage("c-3", "m-calls", "2026-11-01T00:00:00Z", "2");
        for (HttpService http : List.of(httpA, httpB)) {
            JsonNode data = json(post(http, "/v1/usage", usage("NONE", DAY1, DAY2, ""))).path("data");
            List<String> rows = new ArrayList<>();
            data.forEach(d -> rows.add(d.path("customer_id").asText() + "/" + d.path("billable_metric_id").asText()
                    + "=" + d.path("value").asText()));
            assertThat(rows).containsExactly("c-2/m-calls=1", "c-2/m-peak=null", "c-2/m-tokens=0",
                    "c-3/m-calls=2", "c-3/m-peak=null", "c-3/m-tokens=0");
        }
        // An archived metric only when named.
        JsonNode named = json(post(httpA, "/v1/usage", usage("NONE", DAY1, DAY2,
                "\"customer_ids\":[\"c-3\"],\"billable_metrics\":[{\"id\":\"m-old\"}]"))).path("data");
        assertThat(named.get(0).path("billable_metric_name").asText()).isEqualTo("Old");
    }

    // ---- pages ----------------------------------------------------------------------------------------------------

    @Test
    void pagesOfAnySizeGiveEveryRowOnceAcrossCustomersMetricsAndWindows() {
        a.usage("c-1", "m-calls", "2026-11-01T10:00:00Z", "1").usage("c-2", "m-tokens", "2026-11-02T10:00:00Z", "2");
        b.usage("c-3", "m-peak", "2026-11-01T10:00:00Z", "3");
        for (String names : List.of("\"customer_ids\":[\"c-3\",\"c-1\",\"c-2\",\"c-1\"]", "")) {
            String body = usage("DAY", DAY1, DAY3, names);
            JsonNode whole = json(post(httpA, "/v1/usage", body));
            assertThat(whole.path("data").size()).isEqualTo(3 * 3 * 2);
            assertThat(whole.path("next_page").isNull()).isTrue();
            for (int limit = 1; limit <= 7; limit++) {
                List<JsonNode> rows = new ArrayList<>();
                String cursor = null;
                int pages = 0;
                do {
                    JsonNode page = json(post(pages % 2 == 0 ? httpA : httpB, "/v1/usage?limit=" + limit
                            + (cursor == null ? "" : "&next_page=" + cursor), body));
                    page.path("data").forEach(rows::add);
                    assertThat(page.path("data").size()).isLessThanOrEqualTo(limit);
                    cursor = page.path("next_page").isNull() ? null : page.path("next_page").asText();
                    assertThat(++pages).as("pages of " + limit + " (a cursor that does not advance)").isLessThan(40);
                } while (cursor != null);
                assertThat(rows).as("limit " + limit).containsExactlyElementsOf(whole.path("data"));
            }
        }
    }

    @Test
    void aCursorIsStableWhenUsageArrivesAndIsReadFromTheBodyToo() {
        a.usage("c-2", "m-calls", "2026-11-01T10:00:00Z", "1");
        String body = usage("DAY", DAY1, DAY3, "");
        JsonNode first = json(post(httpA, "/v1/usage?limit=4", body));
        JsonNode last = first.path("data").get(3);
        assertThat(last.path("customer_id").asText() + last.path("billable_metric_id").asText()).isEqualTo("c-2m-peak");
        // New usage: a customer before the cursor, and more for the cursor's customer.
        a.usage("c-1", "m-calls", "2026-11-01T10:00:00Z", "1").usage("c-2", "m-tokens", "2026-11-01T10:00:00Z", "4");
        String cursor = first.path("next_page").asText();
        JsonNode second = json(post(httpA, "/v1/usage", body.replace("}", ",\"next_page\":\"" + cursor + "\"}")));
        assertThat(second.path("data").get(0).path("billable_metric_id").asText()).isEqualTo("m-tokens");
        assertThat(second.path("data").get(0).path("start_timestamp").asText()).isEqualTo(DAY1);
        assertThat(second.path("data").get(0).path("value").asText()).isEqualTo("4");
        assertThat(second.path("data").size()).isEqualTo(2);
    }

    // ---- /v1/usage/groups -----------------------------------------------------------------------------------------

    private String groups(String customer, String rest) {
        return "{\"customer_id\":\"" + customer + "\",\"billable_metric_id\":\"m-tokens\",\"window_size\":\"day\","
                + "\"starting_on\":\"" + DAY1 + "\",\"ending_before\":\"" + DAY3 + "\"" + (rest.isEmpty() ? "" : ","
                + rest) + "}";
    }

    @Test
    void groupsAreAnsweredInMetronomesShape() {
        b.usage("c-3", "m-tokens", "2026-11-01T01:00:00Z", "1.50", "EU")
                .usage("c-3", "m-tokens", "2026-11-02T01:00:00Z", "2", "NA")
                .usage("c-3", "m-tokens", "2026-11-01T01:00:00Z", "1.50", "EU", "core")
                .usage("c-3", "m-tokens", "2026-11-01T02:00:00Z", "3", "EU", null);
        HttpResponse<String> single = post(httpA, "/v1/usage/groups", groups("c-3", "\"group_key\":[\"region\"]"));
        assertThat(single.statusCode()).as(single.body()).isEqualTo(200);
        assertThat(single.body()).isEqualTo("{\"data\":["
                + "{\"starting_on\":\"" + DAY1 + "\",\"ending_before\":\"" + DAY2 + "\",\"group_key\":\"region\","
                + "\"group_value\":\"EU\",\"group\":{\"region\":\"EU\"},\"value\":1.50},"
                + "{\"starting_on\":\"" + DAY1 + "\",\"ending_before\":\"" + DAY2 + "\",\"group_key\":\"region\","
                + "\"group_value\":\"NA\",\"group\":{\"region\":\"NA\"},\"value\":0},"
                + "{\"starting_on\":\"" + DAY2 + "\",\"ending_before\":\"" + DAY3 + "\",\"group_key\":\"region\","
                + "\"group_value\":\"EU\",\"group\":{\"region\":\"EU\"},\"value\":0},"
                + "{\"starting_on\":\"" + DAY2 + "\",\"ending_before\":\"" + DAY3 + "\",\"group_key\":\"region\","
                + "\"group_value\":\"NA\",\"group\":{\"region\":\"NA\"},\"value\":2}],\"next_page\":null}");
        // The deprecated group_by, with values as the filter.
        JsonNode byValues = json(post(httpA, "/v1/usage/groups", groups("c-3",
                "\"group_by\":{\"key\":\"region\",\"values\":[\"NA\"]}"))).path("data");
        assertThat(byValues.size()).isEqualTo(2);
        assertThat(byValues.get(1).path("value").asText()).isEqualTo("2");
        // Compound: group_key in any order; the deprecated fields are null, a missing property is null.
        JsonNode compound = json(post(httpA, "/v1/usage/groups", groups("c-3",
                "\"group_key\":[\"team\",\"region\"],\"group_filters\":{\"region\":[\"EU\"],\"team\":[]}"))).path("data");
        assertThat(compound.get(0).toString()).isEqualTo("{\"starting_on\":\"" + DAY1 + "\",\"ending_before\":\""
                + DAY2 + "\",\"group_key\":null,\"group_value\":null,\"group\":{\"region\":\"EU\",\"team\":null},"
                + "\"value\":3}");
        assertThat(compound.get(1).path("group").toString()).isEqualTo("{\"region\":\"EU\",\"team\":\"core\"}");
        assertThat(compound.size()).isEqualTo(4);
        // No grouping: the totals per window, without group.
        JsonNode totals = json(post(httpA, "/v1/usage/groups", groups("c-3", ""))).path("data");
        assertThat(totals.get(0).toString()).isEqualTo("{\"starting_on\":\"" + DAY1 + "\",\"ending_before\":\""
                + DAY2 + "\",\"group_key\":null,\"group_value\":null,\"value\":0}");
    }

    @Test
    void groupPagesGiveEveryRowOnce() {
        for (String region : List.of("EU", "NA", "APAC")) {
            for (String team : List.of("core", "web")) {
                a.usage("c-1", "m-tokens", "2026-11-01T01:00:00Z", "1", region, team);
            }
        }
        String body = groups("c-1", "\"group_key\":[\"region\",\"team\"]");
        JsonNode whole = json(post(httpA, "/v1/usage/groups", body)).path("data");
        assertThat(whole.size()).isEqualTo(12);
        assertThat(whole.get(0).path("group").toString()).isEqualTo("{\"region\":\"APAC\",\"team\":\"core\"}");
        for (boolean older : List.of(false, true)) {
            if (older) {
                a.ignoreBounds(); // an owner of an older version answers every group: the pages are the same
            }
            for (int limit = 1; limit <= 5; limit++) {
                List<JsonNode> rows = new ArrayList<>();
                String cursor = null;
                do {
                    JsonNode page = json(post(httpB, "/v1/usage/groups?limit=" + limit
                            + (cursor == null ? "" : "&next_page=" + cursor), body));
                    page.path("data").forEach(rows::add);
                    cursor = page.path("next_page").isNull() ? null : page.path("next_page").asText();
                    assertThat(rows.size()).as("a cursor that does not advance").isLessThan(40);
                } while (cursor != null);
                assertThat(rows).as("limit " + limit + (older ? ", older owner" : "")).containsExactlyElementsOf(whole);
            }
        }
    }

    @Test
    void aPageOfManyGroupsEndsEarlyWithACursorAndTheNextPageGoesOn() {
        for (int g = 0; g < 150; g++) {
            a.usage("c-1", "m-tokens", "2026-11-01T01:00:00Z", "1", String.format("region-%03d", g));
        }
        a.usage("c-1", "m-tokens", "2026-11-07T10:00:00Z", "3", "region-149"); // row 155, on the second page
        String body = usage("HOUR", DAY1, "2026-11-08T00:00:00Z", "\"customer_ids\":[\"c-1\"],"
                + "\"billable_metrics\":[{\"id\":\"m-tokens\",\"group_by\":{\"key\":\"region\"}}]");
        List<JsonNode> rows = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = json(post(httpA, "/v1/usage?limit=1000" + (cursor == null ? "" : "&next_page=" + cursor),
                    body));
            page.path("data").forEach(rows::add);
            sizes.add(page.path("data").size());
            cursor = page.path("next_page").isNull() ? null : page.path("next_page").asText();
        } while (cursor != null && sizes.size() < 10);
        // a row is its value and 150 groups: 132 rows hold 19,932 values, a 133rd would pass 20,000
        assertThat(sizes).containsExactly(132, 168 - 132);
        assertThat(rows).extracting(r -> r.path("start_timestamp").asText()).doesNotHaveDuplicates().hasSize(168);
        assertThat(rows.get(0).path("groups").size()).isEqualTo(150);
        assertThat(rows.get(1).path("groups").path("region-007").decimalValue()).isEqualByComparingTo("1");
        assertThat(rows.get(154).path("start_timestamp").asText()).isEqualTo("2026-11-07T10:00:00Z");
        assertThat(rows.get(154).path("groups").path("region-149").decimalValue()).isEqualByComparingTo("3");
        assertThat(rows.get(154).path("groups").path("region-000").decimalValue()).isEqualByComparingTo("0");
    }

    @Test
    void theOwnerIsAskedOnlyForTheGroupsAPageCanShowAndTheBoundCrossesToIt() {
        a.usage("c-1", "m-tokens", "2026-11-01T01:00:00Z", "1", "EU")
                .usage("c-1", "m-tokens", "2026-11-02T01:00:00Z", "2", "NA");
        String body = groups("c-1", "\"group_key\":[\"region\"]");
        JsonNode first = json(post(httpB, "/v1/usage/groups?limit=1", body));
        json(post(httpB, "/v1/usage/groups?limit=1&next_page=" + first.path("next_page").asText(), body));
        post(httpB, "/v1/usage", usage("DAY", DAY1, DAY3, "\"customer_ids\":[\"c-1\"],"
                + "\"billable_metrics\":[{\"id\":\"m-tokens\",\"group_by\":{\"key\":\"region\"}}]"));
        // c-1 is A's: B forwards every read, with the rows its page needs (one more, to know whether more follow)
        assertThat(a.bounds).containsExactly(Bound.rowsAfter(2, null, null),
                Bound.rowsAfter(2, java.time.Instant.parse(DAY1), List.of("EU")),
                Bound.firstGroups(UsageQueryJson.MAX_GROUP_VALUES + 1, null, UsageQueryApi.MAX_PAGE_VALUES));
        assertThat(b.bounds).isEmpty();
    }

    // ---- forwarding -----------------------------------------------------------------------------------------------

    @Test
    void aCustomerHostedByAnotherInstanceIsReadThere() {
        b.usage("c-3", "m-tokens", "2026-11-01T00:00:00Z", "0.000000000000000000001");
        HttpResponse<String> r = post(httpA, "/v1/usage", usage("NONE", DAY1, DAY2,
                "\"customer_ids\":[\"c-3\",\"c-1\"],\"billable_metrics\":[{\"id\":\"m-tokens\"}]"));
        assertThat(r.body()).isEqualTo("{\"data\":[" + row("c-1", "m-tokens", "Tokens", DAY1, DAY2, "0") + ","
                + row("c-3", "m-tokens", "Tokens", DAY1, DAY2, "0.000000000000000000001") + "],\"next_page\":null}");
        assertThat(a.reads).containsExactly("c-1/m-tokens");
        assertThat(b.reads).containsExactly("c-3/m-tokens");
    }

    @Test
    void withoutAKnownOwnerTheAnswerIs503WithRetryAfter() {
        HttpResponse<String> r = post(httpA, "/v1/usage", usage("NONE", DAY1, DAY2, "\"customer_ids\":[\"c-9\"]"));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).contains("1");
        assertThat(json(r).path("message").asText()).contains("customer c-9", "retry");
        // Hosted when asked, moved away when read: the same.
        a.movedAway.add("c-1");
        HttpResponse<String> moved = post(httpA, "/v1/usage/groups", groups("c-1", ""));
        assertThat(moved.statusCode()).isEqualTo(503);
        assertThat(moved.headers().firstValue("Retry-After")).contains("1");
        // Forwarded to B, which has lost it meanwhile: B's 503 becomes A's 503.
        b.movedAway.add("c-3");
        HttpResponse<String> forwarded = post(httpA, "/v1/usage/groups", groups("c-3", ""));
        assertThat(forwarded.statusCode()).isEqualTo(503);
        assertThat(json(forwarded).path("message").asText()).contains("answered 503");
    }

    @Test
    void anOwnerThatCannotBeReachedIs503() {
        a.ownedBy("c-8", new HostInfo("127.0.0.1", 1));
        HttpResponse<String> r = post(httpA, "/v1/usage/groups", groups("c-8", ""));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(json(r).path("message").asText()).contains("could not be reached");
    }

    @Test
    void withTheAggregationOffValidQueriesAre404AndInvalidOnes400() {
        HttpService http = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1 << 20, 8);
        try {
            UsageQueryApi.install(http, new UsageQueryApi(UsageQueryApi.AGGREGATION_OFF, metrics::query,
                    new PeerClient(TOKEN, Duration.ofSeconds(5)), null, List::of));
            http.start();
            HttpResponse<String> r = post(http, "/v1/usage", usage("DAY", DAY1, DAY2, ""));
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(json(r).path("message").asText()).startsWith("usage aggregation is off");
            assertThat(post(http, "/v1/usage/groups", groups("c-1", "")).statusCode()).isEqualTo(404);
            assertBadRequest(post(http, "/v1/usage", usage("week", DAY1, DAY2, "")), "window_size");
        } finally {
            http.close();
        }
    }
}
