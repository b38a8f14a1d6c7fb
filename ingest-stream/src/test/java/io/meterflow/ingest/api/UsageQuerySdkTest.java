package io.meterflow.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meterflow.http.HttpService;
import io.meterflow.http.PeerClient;
import io.meterflow.schemas.AggregationType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Metronome's official Node SDK, unchanged, against the usage queries with fake aggregates:
 * {@code deploy/benchmark/sdk/usage-check.mjs} calls {@code usage.list} and {@code usage.listWithGroups} (one page,
 * and pages of 1 the SDK follows by itself), and this test checks the values the SDK parsed. As
 * {@code MetronomeSdkIT}, it runs only where {@code node} is on the path and the SDK is installed in
 * {@code deploy/benchmark/sdk/node_modules}, and is skipped otherwise.
 */
class UsageQuerySdkTest {

    private static final Path SDK_DIR = Path.of("../deploy/benchmark/sdk").toAbsolutePath().normalize();
    private static final String TOKEN = "usage-sdk-test-token-0123456789";

    @Test
    void theOfficialNodeSdkListsUsageAndGroupsUnchanged() throws Exception {
        assumeTrue(Files.isRegularFile(SDK_DIR.resolve("node_modules/@metronome/sdk/package.json")),
                "Metronome's Node SDK is not installed in " + SDK_DIR + " (npm install there to run this check)");
        assumeTrue(nodeWorks(), "node is not on the path");
        MetricDefinitions metrics = new MetricDefinitions();
        metrics.add("m-tokens", "Tokens", AggregationType.SUM, List.of(List.of("region"), List.of("region", "team")));
        FakeUsageAggregates aggregates = new FakeUsageAggregates().host("c-1")
                .usage("c-1", "m-tokens", "2026-11-01T01:00:00Z", "0.1")
                .usage("c-1", "m-tokens", "2026-11-01T02:00:00Z", "0.2")
                .usage("c-1", "m-tokens", "2026-11-02T01:00:00Z", "12")
                .usage("c-1", "m-tokens", "2026-11-01T01:00:00Z", "0.1", "EU")
                .usage("c-1", "m-tokens", "2026-11-01T02:00:00Z", "0.2", "EU")
                .usage("c-1", "m-tokens", "2026-11-02T01:00:00Z", "12", "NA")
                .usage("c-1", "m-tokens", "2026-11-01T01:00:00Z", "0.1", "EU", "core")
                .usage("c-1", "m-tokens", "2026-11-01T02:00:00Z", "0.2", "EU", "web")
                .usage("c-1", "m-tokens", "2026-11-02T01:00:00Z", "12", "NA", "core");
        HttpService http = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1 << 20, 8);
        try {
            UsageQueryApi.install(http, new UsageQueryApi(() -> aggregates, metrics::query,
                    new PeerClient(TOKEN, Duration.ofSeconds(5)), null, List::of));
            http.start();
            Process check = new ProcessBuilder("node", SDK_DIR.resolve("usage-check.mjs").toString(),
                    "--base-url", http.baseUrl(), "--token", TOKEN, "--customer", "c-1", "--metric", "m-tokens",
                    "--starting-on", "2026-11-01T00:00:00Z", "--ending-before", "2026-11-03T00:00:00Z")
                    .directory(SDK_DIR.toFile()).redirectErrorStream(true).start();
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(check.exitValue()).as(output).isZero();

            String list = "[" + usageRow("2026-11-01", "2026-11-02", "0.3", "{\"EU\":0.3,\"NA\":0,\"APAC\":null}")
                    + "," + usageRow("2026-11-02", "2026-11-03", "12", "{\"EU\":0,\"NA\":12,\"APAC\":null}") + "]";
            String groups = "[" + groupRow("2026-11-01", "2026-11-02", "EU", "0.3") + ","
                    + groupRow("2026-11-01", "2026-11-02", "NA", "0") + ","
                    + groupRow("2026-11-02", "2026-11-03", "EU", "0") + ","
                    + groupRow("2026-11-02", "2026-11-03", "NA", "12") + "]";
            assertThat(output).as(output).contains(
                    "usage.list: " + list + "\n",
                    "usage.list (pages of 1): " + list + "\n",
                    "usage.listWithGroups: " + groups + "\n",
                    "usage.listWithGroups (pages of 1): " + groups + "\n",
                    "usage.listWithGroups (compound): [{\"starting_on\":\"2026-11-01T00:00:00Z\",\"ending_before\":"
                            + "\"2026-11-03T00:00:00Z\",\"group_key\":null,\"group_value\":null,\"group\":{\"region\":"
                            + "\"EU\",\"team\":\"core\"},\"value\":0.1},{\"starting_on\":\"2026-11-01T00:00:00Z\","
                            + "\"ending_before\":\"2026-11-03T00:00:00Z\",\"group_key\":null,\"group_value\":null,"
                            + "\"group\":{\"region\":\"EU\",\"team\":\"web\"},\"value\":0.2}]\n",
                    "usage.list (window_size week): {\"status\":400,\"error\":\"BadRequestError\"",
                    "usage.listWithGroups (current_period): {\"status\":400,\"error\":\"BadRequestError\"",
                    "OK: usage.list and usage.listWithGroups answered as Metronome's API would");
        } finally {
            http.close();
        }
    }

    private static String usageRow(String start, String end, String value, String groups) {
        return "{\"customer_id\":\"c-1\",\"billable_metric_id\":\"m-tokens\",\"billable_metric_name\":\"Tokens\","
                + "\"start_timestamp\":\"" + start + "T00:00:00Z\",\"end_timestamp\":\"" + end + "T00:00:00Z\","
                + "\"value\":" + value + ",\"groups\":" + groups + "}";
    }

    private static String groupRow(String start, String end, String region, String value) {
        return "{\"starting_on\":\"" + start + "T00:00:00Z\",\"ending_before\":\"" + end + "T00:00:00Z\","
                + "\"group_key\":\"region\",\"group_value\":\"" + region + "\",\"group\":{\"region\":\"" + region
                + "\"},\"value\":" + value + "}";
    }

    private static boolean nodeWorks() {
        try {
            Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            node.getInputStream().readAllBytes();
            return node.waitFor(30, TimeUnit.SECONDS) && node.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
