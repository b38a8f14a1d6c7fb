package io.meterflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metronome's official Node SDK, unchanged, against the launcher's billable metric API:
 * {@code deploy/benchmark/sdk/billable-metrics-check.mjs} (billableMetrics.create / retrieve / list / archive,
 * customers.listBillableMetrics, the SDK's errors for a SQL metric and an invalid one), and its usage queries:
 * {@code deploy/benchmark/sdk/usage-check.mjs} (usage.list and usage.listWithGroups, with the SDK's pagination).
 *
 * <p>The build never installs the SDK: the test runs only where {@code node} is on the path and the SDK is already in
 * {@code deploy/benchmark/sdk/node_modules} ({@code cd deploy/benchmark/sdk && npm install}), and is skipped with a
 * message otherwise, so the suite does not depend on npm. {@code deploy/benchmark/sdk/check-billable-metrics.sh}
 * runs the same check against the packaged launcher.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MetronomeSdkIT {

    private static final Path SDK_DIR = Path.of("../benchmark/sdk").toAbsolutePath().normalize();
    private static final String TOKEN = "sdk-it-token-0123456789abcdef";

    @TempDir
    Path dataDir;

    @Test
    void theOfficialNodeSdksBillableMetricAndUsageCallsWorkUnchanged() throws Exception {
        assumeTrue(Files.isRegularFile(SDK_DIR.resolve("node_modules/@metronome/sdk/package.json")),
                "Metronome's Node SDK is not installed in " + SDK_DIR + " (npm install there to run this check)");
        assumeTrue(nodeVersion() != null, "node is not on the path");

        try (Standalone standalone = new Standalone(StandaloneOptions.parse(new String[] {
                "--data-dir", dataDir.toString(), "--http-port", "0", "--kafka-port", "0", "--api-token", TOKEN},
                Map.of()))) {
            standalone.start(Duration.ofMinutes(2));
            Process check = new ProcessBuilder("node", SDK_DIR.resolve("billable-metrics-check.mjs").toString(),
                    "--base-url", standalone.httpBaseUrl(), "--token", TOKEN)
                    .directory(SDK_DIR.toFile()).redirectErrorStream(true).start();
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor(2, TimeUnit.MINUTES)).isTrue();

            assertThat(check.exitValue()).as(output).isZero();
            assertThat(output).contains("OK: every call answered as Metronome's API would",
                    "customers.listBillableMetrics (unknown customer): {\"status\":404",
                    "billableMetrics.create (sql): {\"status\":400");

            // The usage queries: a metric, a customer and three events made through the SDK (0.1 tokens EU/core,
            // 0.2 EU/web and 12 NA/core, stamped today), polled until aggregated, then usage.list and
            // usage.listWithGroups; the script checks the values too, and fails on any other.
            String usage = node("usage-check.mjs", standalone.httpBaseUrl());
            assertThat(usage).contains("OK: usage.list and usage.listWithGroups answered as Metronome's API would",
                    "OK: the aggregated values are those of the three events ingested",
                    "aggregated: {\"waited_ms\":",
                    "usage.list (window_size week): {\"status\":400,\"error\":\"BadRequestError\"",
                    "usage.listWithGroups (current_period): {\"status\":400,\"error\":\"BadRequestError\"");
            // Yesterday nothing; today 0.1 + 0.2 + 12, as exact JSON numbers, by region (APAC asked for, never seen).
            for (String call : new String[] {"usage.list", "usage.list (pages of 1)"}) {
                assertThat(line(usage, call)).contains(
                        "\"value\":0,\"groups\":{\"EU\":0,\"NA\":0,\"APAC\":null}",
                        "\"value\":12.3,\"groups\":{\"EU\":0.3,\"NA\":12,\"APAC\":null}");
            }
            for (String call : new String[] {"usage.listWithGroups", "usage.listWithGroups (pages of 1)"}) {
                assertThat(line(usage, call)).contains(
                        "\"group_key\":\"region\",\"group_value\":\"EU\",\"group\":{\"region\":\"EU\"},\"value\":0.3",
                        "\"group_key\":\"region\",\"group_value\":\"NA\",\"group\":{\"region\":\"NA\"},\"value\":12");
            }
            assertThat(line(usage, "usage.listWithGroups (compound)")).contains(
                    "\"group\":{\"region\":\"EU\",\"team\":\"core\"},\"value\":0.1}",
                    "\"group\":{\"region\":\"EU\",\"team\":\"web\"},\"value\":0.2}")
                    .doesNotContain("NA");
        }
    }

    /** Runs a check script of the SDK folder against {@code baseUrl}; its output, once it exited 0. */
    private static String node(String script, String baseUrl, String... more) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("node",
                SDK_DIR.resolve(script).toString(), "--base-url", baseUrl, "--token", TOKEN));
        command.addAll(java.util.List.of(more));
        Process check = new ProcessBuilder(command).directory(SDK_DIR.toFile()).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(check.exitValue()).as(output).isZero();
        return output;
    }

    /** The line {@code <step>: ...} of a script's output. */
    private static String line(String output, String step) {
        return output.lines().filter(l -> l.startsWith(step + ": ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line " + step + " in:\n" + output));
    }

    private static String nodeVersion() {
        try {
            Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String version = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return node.waitFor(30, TimeUnit.SECONDS) && node.exitValue() == 0 ? version : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
