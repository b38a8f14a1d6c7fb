package io.meterflow.ingest;

import static io.meterflow.ingest.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterflow.http.HttpConfig;
import io.meterflow.ingest.api.BillableMetricApi;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.runtime.Runner;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The usage queries over HTTP against both apps on a real broker, wired as the launcher wires them, end to end:
 * billable metrics created over HTTP (a COUNT, and a SUM over a decimal property with a group key of one name and a compound
 * one), customers created over alias-sync's API, usage ingested over {@code POST /v1/ingest} under a customer's ID and
 * under its alias; then {@code POST /v1/usage} and {@code POST /v1/usage/groups} answer the exact values (0.1 + 0.2 is
 * the JSON number 0.3) in HOUR, DAY and NONE windows, with groups and pages. Then the alias moves to another customer
 * and its usage leaves the first customer's aggregates and joins the second's. Forwarding to the instance that holds
 * a customer's aggregates is {@link UsageApiTwoInstanceIT}'s.
 *
 * <p>Usage is stamped yesterday and today (UTC) at fixed hours, so the windows are known: at most 24 hours ahead,
 * within the default future skew. The answers to one {@code POST /v1/usage} before and after the move are written to
 * {@code target/usage-query-it/} (and printed), as an example of the API.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UsageQueryApiIT {

    static final String TOKEN = "usage-query-it-token-0123456789";
    /** Reads numbers as exact decimals, so a value's text is the JSON number as written. */
    static final ObjectMapper EXACT = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @TempDir
    Path tmp;

    ApiClient api;
    String day0;
    String day1;
    String day2;

    @Test
    void ingestedUsageIsAnsweredExactlyAndFollowsAnAliasThatMoves(KafkaCluster kafka) throws Exception {
        try (IntegrationSupport it = new IntegrationSupport(kafka);
             Runner runner = it.bothApps(tmp, Map.of(HttpConfig.API_TOKENS, TOKEN,
                     BillableMetricApi.WRITE_TIMEOUT, "30s"))) {
            api = new ApiClient(runner.httpBaseUrl(), TOKEN);
            LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
            day0 = yesterday + "T00:00:00Z";
            day1 = yesterday.plusDays(1) + "T00:00:00Z";
            day2 = yesterday.plusDays(2) + "T00:00:00Z";

            String tokens = createMetric("""
                    {"name": "Tokens", "aggregation_type": "SUM", "aggregation_key": "tokens",
                     "event_type_filter": {"in_values": ["completion"]},
                     "property_filters": [{"name": "tokens", "exists": true}, {"name": "region", "exists": true},
                                          {"name": "team", "exists": true}],
                     "group_keys": [["region"], ["region", "team"]]}""");
            String calls = createMetric("""
                    {"name": "Calls", "aggregation_type": "COUNT", "event_type_filter": {"in_values": ["call"]}}""");
            String alias = "usage-it-" + it.suffix + "@example.com";
            String alpha = createCustomer("Alpha", alias);
            String beta = createCustomer("Beta");

            checkRequests(tokens, alpha);

            // Yesterday 01:00-03:00 and today 05:00, under Alpha's ID and under its alias.
            String run = it.suffix;
            ingest(List.of(
                    event("t1-" + run, alpha, "completion", yesterday + "T01:10:00Z", "EU", "core", "0.1"),
                    event("t2-" + run, alias, "completion", yesterday + "T02:20:00Z", "EU", "web", "0.2"),
                    event("t3-" + run, alpha, "completion", yesterday.plusDays(1) + "T05:30:00Z", "NA", "core", "12"),
                    event("c1-" + run, alpha, "call", yesterday + "T01:15:00Z", null, null, null),
                    event("c2-" + run, alias, "call", yesterday + "T01:45:00Z", null, null, null),
                    event("c3-" + run, alpha, "call", yesterday.plusDays(1) + "T05:00:00Z", null, null, null)));

            // Polled until all of it is aggregated: the whole period as one window.
            awaitUsage("Alpha's usage aggregated", "{" + period("NONE", day0, day2) + ",\"customer_ids\":[\"" + alpha
                    + "\"]}", rows -> value(rows, alpha, tokens, day0).equals("12.3")
                    && value(rows, alpha, calls, day0).equals("3"));

            // DAY windows, with the metric grouped by region (values asked for: APAC had none, so null).
            String byRegion = "{" + period("DAY", day0, day2) + ",\"customer_ids\":[\"" + alpha + "\",\"" + beta
                    + "\"],\"billable_metrics\":[{\"id\":\"" + tokens + "\",\"group_by\":{\"key\":\"region\","
                    + "\"values\":[\"EU\",\"NA\",\"APAC\"]}},{\"id\":\"" + calls + "\"}]}";
            HttpResponse<String> before = usage(byRegion);
            record("before-alias-move", byRegion, before);
            JsonNode rows = exact(before).path("data");
            assertThat(rows).hasSize(2 * 2 * 2); // customers x metrics x days
            assertThat(before.body()).contains("\"value\":0.3,\"groups\":{\"EU\":0.3,\"NA\":0,\"APAC\":null}");
            assertThat(value(rows, alpha, tokens, day0)).isEqualTo("0.3");
            assertThat(groups(rows, alpha, tokens, day0)).isEqualTo("{\"EU\":0.3,\"NA\":0,\"APAC\":null}");
            assertThat(value(rows, alpha, tokens, day1)).isEqualTo("12");
            assertThat(groups(rows, alpha, tokens, day1)).isEqualTo("{\"EU\":0,\"NA\":12,\"APAC\":null}");
            assertThat(value(rows, alpha, calls, day0)).isEqualTo("2");
            assertThat(value(rows, alpha, calls, day1)).isEqualTo("1");
            assertThat(value(rows, beta, tokens, day0)).isEqualTo("0");
            assertThat(groups(rows, beta, tokens, day0)).isEqualTo("{\"EU\":null,\"NA\":null,\"APAC\":null}");
            assertThat(value(rows, beta, calls, day1)).isEqualTo("0");
            assertThat(rows.findValuesAsText("billable_metric_name")).containsOnly("Tokens", "Calls");
            // Ordered by customer ID, then metric ID, then window; pages of 3 give the same rows.
            List<String> order = new ArrayList<>();
            rows.forEach(r -> order.add(r.path("customer_id").asText() + " " + r.path("billable_metric_id").asText()
                    + " " + r.path("start_timestamp").asText()));
            assertThat(order).isSorted();
            assertThat(pagedUsage(byRegion, 3)).isEqualTo(rows);

            // HOUR windows: yesterday 01:00 and 02:00.
            String hours = "{" + period("HOUR", yesterday + "T01:00:00Z", yesterday + "T03:00:00Z")
                    + ",\"customer_ids\":[\"" + alpha + "\"]}";
            JsonNode hourly = exact(usage(hours)).path("data");
            assertThat(hourly).hasSize(4);
            assertThat(value(hourly, alpha, tokens, yesterday + "T01:00:00Z")).isEqualTo("0.1");
            assertThat(value(hourly, alpha, tokens, yesterday + "T02:00:00Z")).isEqualTo("0.2");
            assertThat(value(hourly, alpha, calls, yesterday + "T01:00:00Z")).isEqualTo("2");
            assertThat(value(hourly, alpha, calls, yesterday + "T02:00:00Z")).isEqualTo("0");
            assertThat(row(hourly, alpha, tokens, yesterday + "T01:00:00Z").path("end_timestamp").asText())
                    .isEqualTo(yesterday + "T02:00:00Z");

            // /v1/usage/groups: a key of one name in DAY windows, paged by 1; a compound key as one window.
            String regionGroups = "{" + period("DAY", day0, day2) + ",\"customer_id\":\"" + alpha
                    + "\",\"billable_metric_id\":\"" + tokens + "\",\"group_key\":[\"region\"]}";
            JsonNode regions = exact(post("/v1/usage/groups", regionGroups)).path("data");
            assertThat(groupRows(regions)).containsExactly(
                    day0 + " {\"region\":\"EU\"} 0.3", day0 + " {\"region\":\"NA\"} 0",
                    day1 + " {\"region\":\"EU\"} 0", day1 + " {\"region\":\"NA\"} 12");
            assertThat(regions.get(0).path("group_key").asText()).isEqualTo("region");
            assertThat(regions.get(0).path("group_value").asText()).isEqualTo("EU");
            assertThat(pagedGroups(regionGroups, 1)).isEqualTo(regions);
            String compound = "{" + period("NONE", day0, day2) + ",\"customer_id\":\"" + alpha
                    + "\",\"billable_metric_id\":\"" + tokens + "\",\"group_key\":[\"team\",\"region\"]}";
            JsonNode teams = exact(post("/v1/usage/groups?limit=2", compound)).path("data");
            assertThat(groupRows(teams)).containsExactly(
                    day0 + " {\"region\":\"EU\",\"team\":\"core\"} 0.1",
                    day0 + " {\"region\":\"EU\",\"team\":\"web\"} 0.2");
            assertThat(teams.get(0).path("group_key").isNull()).isTrue();
            assertThat(teams.get(0).path("ending_before").asText()).isEqualTo(day2);
            assertThat(groupRows(pagedGroups(compound, 2))).containsExactly(
                    day0 + " {\"region\":\"EU\",\"team\":\"core\"} 0.1",
                    day0 + " {\"region\":\"EU\",\"team\":\"web\"} 0.2",
                    day0 + " {\"region\":\"NA\",\"team\":\"core\"} 12");
            JsonNode filtered = exact(post("/v1/usage/groups", compound.replace("}", ",\"group_filters\":"
                    + "{\"region\":[\"NA\"]}}"))).path("data");
            assertThat(groupRows(filtered)).containsExactly(day0 + " {\"region\":\"NA\",\"team\":\"core\"} 12");

            // The alias moves from Alpha to Beta: its usage (0.2 tokens, one call) goes with it.
            HttpResponse<String> released = api.post("/v1/customers/" + alpha + "/setIngestAliases",
                    "{\"ingest_aliases\":[]}");
            assertThat(released.statusCode()).as(released.body()).isEqualTo(200);
            HttpResponse<String> claimed = api.post("/v1/customers/" + beta + "/setIngestAliases",
                    "{\"ingest_aliases\":[\"" + alias + "\"]}");
            assertThat(claimed.statusCode()).as(claimed.body()).isEqualTo(200);
            awaitUsage("the alias's usage moved to Beta", byRegion, moved -> value(moved, alpha, tokens, day0)
                    .equals("0.1") && value(moved, beta, tokens, day0).equals("0.2")
                    && value(moved, alpha, calls, day0).equals("1") && value(moved, beta, calls, day0).equals("1"));
            HttpResponse<String> after = usage(byRegion);
            record("after-alias-move", byRegion, after);
            JsonNode afterRows = exact(after).path("data");
            assertThat(groups(afterRows, alpha, tokens, day0)).isEqualTo("{\"EU\":0.1,\"NA\":0,\"APAC\":null}");
            assertThat(value(afterRows, alpha, tokens, day1)).isEqualTo("12");
            assertThat(groups(afterRows, beta, tokens, day0)).isEqualTo("{\"EU\":0.2,\"NA\":null,\"APAC\":null}");
            assertThat(groups(afterRows, beta, tokens, day1)).isEqualTo("{\"EU\":0,\"NA\":null,\"APAC\":null}");
            assertThat(value(afterRows, alpha, calls, day1)).isEqualTo("1");
            assertThat(value(afterRows, beta, calls, day1)).isEqualTo("0");
            assertThat(groupRows(exact(post("/v1/usage/groups", compound.replace(alpha, beta))).path("data")))
                    .containsExactly(day0 + " {\"region\":\"EU\",\"team\":\"web\"} 0.2");
            assertThat(groupRows(exact(post("/v1/usage/groups", compound)).path("data"))).containsExactly(
                    day0 + " {\"region\":\"EU\",\"team\":\"core\"} 0.1",
                    day0 + " {\"region\":\"NA\",\"team\":\"core\"} 12");
        }
    }

    /** The request checks: against the definitions this instance holds, before any aggregate is read. */
    private void checkRequests(String metric, String customerId) {
        String period = period("day", day0, day2);
        badRequest(api.post("/v1/usage", "{" + period + ",\"billable_metrics\":[{\"id\":\"" + metric
                + "\"},{\"id\":\"00000000-0000-4000-8000-000000000000\"}]}"),
                "billable_metrics[1].id: billable metric 00000000-0000-4000-8000-000000000000 not found");
        badRequest(api.post("/v1/usage", "{" + period + ",\"billable_metrics\":[{\"id\":\"" + metric
                + "\",\"group_by\":{\"key\":\"team\"}}]}"),
                "billable_metrics[0].group_by.key: team is not a group key of one name");
        badRequest(api.post("/v1/usage/groups", "{" + period + ",\"customer_id\":\"" + customerId
                + "\",\"billable_metric_id\":\"" + metric + "\",\"group_key\":[\"team\"]}"),
                "group_key: [team] is not one of the group keys of billable metric " + metric);
        badRequest(api.post("/v1/usage/groups", "{\"window_size\":\"hour\",\"customer_id\":\"" + customerId
                + "\",\"billable_metric_id\":\"" + metric + "\",\"current_period\":true}"),
                "current_period is not supported: Meterflow has no contracts");
    }

    private String createMetric(String body) {
        HttpResponse<String> created = api.post("/v1/billable-metrics/create", body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        return json(created).path("data").path("id").asText();
    }

    private String createCustomer(String name, String... aliases) {
        HttpResponse<String> r = api.post("/v1/customers", "{\"name\":\"" + name + "\",\"ingest_aliases\":"
                + (aliases.length == 0 ? "[]" : "[\"" + String.join("\",\"", aliases) + "\"]") + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r).path("data").path("id").asText();
    }

    private static String event(String id, String customer, String type, String timestamp, String region,
            String team, String tokens) {
        String properties = region == null ? "{}" : "{\"region\":\"" + region + "\",\"team\":\"" + team
                + "\",\"tokens\":" + tokens + "}";
        return "{\"transaction_id\":\"" + id + "\",\"customer_id\":\"" + customer + "\",\"event_type\":\"" + type
                + "\",\"timestamp\":\"" + timestamp + "\",\"properties\":" + properties + "}";
    }

    private void ingest(List<String> events) {
        HttpResponse<String> r = api.post("/v1/ingest", "[" + String.join(",", events) + "]");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static String period(String size, String start, String end) {
        return "\"window_size\":\"" + size + "\",\"starting_on\":\"" + start + "\",\"ending_before\":\"" + end + "\"";
    }

    private HttpResponse<String> post(String path, String body) {
        HttpResponse<String> r = api.post(path, body);
        assertThat(r.statusCode()).as(path + " " + body + ": " + r.body()).isEqualTo(200);
        return r;
    }

    private HttpResponse<String> usage(String body) {
        return post("/v1/usage", body);
    }

    private void awaitUsage(String what, String body, Predicate<JsonNode> condition) throws InterruptedException {
        String[] last = new String[1];
        try {
            IntegrationSupport.await(what, Duration.ofSeconds(60), () -> {
                HttpResponse<String> r = api.post("/v1/usage", body);
                last[0] = r.statusCode() + " " + r.body();
                return r.statusCode() == 200 && condition.test(exact(r).path("data"));
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last answer: " + last[0], e);
        }
    }

    /** Every row of {@code /v1/usage}, following {@code next_page} with pages of {@code limit}. */
    private JsonNode pagedUsage(String body, int limit) {
        return paged("/v1/usage", body, limit);
    }

    private JsonNode pagedGroups(String body, int limit) {
        return paged("/v1/usage/groups", body, limit);
    }

    private JsonNode paged(String path, String body, int limit) {
        com.fasterxml.jackson.databind.node.ArrayNode all = EXACT.createArrayNode();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = exact(post(path + "?limit=" + limit + (cursor == null ? "" : "&next_page=" + cursor),
                    body));
            assertThat(page.path("data").size()).isLessThanOrEqualTo(limit);
            page.path("data").forEach(all::add);
            cursor = page.path("next_page").isNull() ? null : page.path("next_page").asText();
            pages++;
        } while (cursor != null && pages < 100);
        assertThat(pages).isGreaterThan(1);
        return all;
    }

    /** The row of (customer, metric, window start). */
    private static JsonNode row(JsonNode rows, String customer, String metric, String start) {
        for (JsonNode row : rows) {
            if (row.path("customer_id").asText().equals(customer) && row.path("billable_metric_id").asText()
                    .equals(metric) && row.path("start_timestamp").asText().equals(start)) {
                return row;
            }
        }
        throw new AssertionError("no row for " + customer + " " + metric + " " + start + " in " + rows);
    }

    /** A row's value as the JSON number written (exact), or "null". */
    private static String value(JsonNode rows, String customer, String metric, String start) {
        return row(rows, customer, metric, start).path("value").toString();
    }

    private static String groups(JsonNode rows, String customer, String metric, String start) {
        return row(rows, customer, metric, start).path("groups").toString();
    }

    /** Rows of /v1/usage/groups as "start {group} value". */
    private static List<String> groupRows(JsonNode rows) {
        List<String> out = new ArrayList<>();
        rows.forEach(r -> out.add(r.path("starting_on").asText() + " " + r.path("group") + " " + r.path("value")));
        return out;
    }

    private static JsonNode exact(HttpResponse<String> response) {
        try {
            return EXACT.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** Writes one request and its answer to target/usage-query-it/{name}.json, and prints them. */
    private static void record(String name, String request, HttpResponse<String> answer) throws Exception {
        Path dir = Path.of("target", "usage-query-it");
        Files.createDirectories(dir);
        String text = "POST /v1/usage " + request + "\n" + answer.body() + "\n";
        Files.writeString(dir.resolve(name + ".json"), text, StandardCharsets.UTF_8);
        System.out.println("[UsageQueryApiIT] " + name + " (" + Instant.now() + "):\n" + text);
    }

    private static void badRequest(HttpResponse<String> response, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(json(response).path("message").asText()).contains(message);
    }
}
