package io.meterflow.ingest;

import static io.meterflow.ingest.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.http.HttpConfig;
import io.meterflow.ingest.api.BillableMetricApi;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.runtime.Runner;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The usage queries over HTTP against both apps on a real broker, wired as the launcher wires them: requests are
 * checked against billable metrics created over HTTP (the global store), and a valid request reaches the aggregates.
 * Until the stream side's aggregation is merged, the launcher's aggregates are the placeholder, so a valid request is
 * answered 503 "aggregates not available"; the merge replaces those assertions with the values of ingested usage.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UsageQueryApiIT {

    static final String TOKEN = "usage-query-it-token-0123456789";

    @TempDir
    Path tmp;

    @Test
    void queriesAreCheckedAgainstTheDefinitionsAndThenReadTheAggregates(KafkaCluster kafka) throws Exception {
        try (IntegrationSupport it = new IntegrationSupport(kafka);
             Runner runner = it.bothApps(tmp, Map.of(HttpConfig.API_TOKENS, TOKEN,
                     BillableMetricApi.WRITE_TIMEOUT, "30s"))) {
            ApiClient api = new ApiClient(runner.httpBaseUrl(), TOKEN);
            HttpResponse<String> created = api.post("/v1/billable-metrics/create", """
                    {"name": "Tokens", "aggregation_type": "SUM", "aggregation_key": "tokens",
                     "property_filters": [{"name": "tokens", "exists": true}, {"name": "region", "exists": true},
                                          {"name": "team", "exists": true}],
                     "group_keys": [["region"], ["region", "team"]]}""");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            String metric = json(created).path("data").path("id").asText();
            HttpResponse<String> customer = api.post("/v1/customers", "{\"name\":\"Usage\"}");
            assertThat(customer.statusCode()).as(customer.body()).isEqualTo(200);
            String customerId = json(customer).path("data").path("id").asText();
            String period = "\"window_size\":\"day\",\"starting_on\":\"2026-11-01T00:00:00Z\","
                    + "\"ending_before\":\"2026-11-03T00:00:00Z\"";

            // Checked against the definitions this instance holds, before any aggregate is read.
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

            // Valid: the aggregates are read (today: the placeholder's 503, until the aggregation is merged).
            for (HttpResponse<String> valid : List.of(
                    api.post("/v1/usage", "{" + period + "}"),
                    api.post("/v1/usage", "{" + period + ",\"customer_ids\":[\"" + customerId + "\"],"
                            + "\"billable_metrics\":[{\"id\":\"" + metric + "\",\"group_by\":{\"key\":\"region\"}}]}"),
                    api.post("/v1/usage/groups?limit=100", "{" + period + ",\"customer_id\":\"" + customerId
                            + "\",\"billable_metric_id\":\"" + metric + "\",\"group_key\":[\"team\",\"region\"]}"))) {
                assertThat(valid.statusCode()).as(valid.body()).isEqualTo(503);
                assertThat(json(valid).path("message").asText()).startsWith("aggregates not available");
                assertThat(valid.headers().firstValue("Retry-After")).contains("1");
            }
        }
    }

    private static void badRequest(HttpResponse<String> response, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(json(response).path("message").asText()).contains(message);
    }
}
