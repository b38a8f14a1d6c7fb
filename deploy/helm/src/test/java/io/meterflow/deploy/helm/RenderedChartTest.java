package io.meterflow.deploy.helm;

import static io.meterflow.deploy.helm.RenderedChart.container;
import static io.meterflow.deploy.helm.RenderedChart.env;
import static io.meterflow.deploy.helm.RenderedChart.envValue;
import static io.meterflow.deploy.helm.RenderedChart.name;
import static io.meterflow.deploy.helm.RenderedChart.podSpec;
import static io.meterflow.deploy.helm.RenderedChart.strings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The invariants of a Kafka Streams app on Kubernetes, checked on what {@code helm template} rendered for every value
 * set (check-chart.sh writes them to {@code target/helm-checks/rendered}; their Kubernetes types are checked there).
 * Skipped where check-chart.sh could not get helm: its notice, above in the build's output, says why.
 */
@DisabledIf(value = "notRendered", disabledReason = "check-chart.sh rendered nothing (see its notice)")
class RenderedChartTest {

    private static final String STATE_DIR = "/var/lib/meterflow/state";
    private static final int COMMIT_ON_CLOSE_SECONDS = 30;
    private static final Set<String> SECRET_KEYS = Set.of("METERFLOW_API_TOKENS", "METERFLOW_BASIC_AUTH_USER_INFO");

    private static List<RenderedChart> charts;

    private static Path checks() {
        return Path.of(System.getProperty("meterflow.helm.checks", "target/helm-checks"));
    }

    static boolean notRendered() {
        return !Files.isDirectory(checks().resolve("rendered"));
    }

    @BeforeAll
    static void readRenderedValueSets() {
        charts = RenderedChart.readAll(checks().resolve("rendered"));
        assertThat(charts).extracting(RenderedChart::valueSet)
                .contains("defaults", "registry-basic-auth", "existing-secret", "servicemonitor", "single-replica");
    }

    static List<RenderedChart> valueSets() {
        return charts;
    }

    private static RenderedChart valueSet(String name) {
        return charts.stream().filter(c -> c.valueSet().equals(name)).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void rendersBothAppsAsStatefulSets(RenderedChart chart) {
        assertThat(chart.ofKind("StatefulSet").map(s -> container(s).path("args").get(0).asText()))
                .containsExactlyInAnyOrder("alias-sync", "ingest-stream");
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void everyStatefulSetKeepsItsStateOnAClaimTemplateMountedAtTheStateDir(RenderedChart chart) {
        chart.ofKind("StatefulSet").forEach(sts -> {
            JsonNode claims = sts.path("spec").path("volumeClaimTemplates");
            assertThat(claims).as(name(sts)).hasSize(1);
            String claim = name(claims.get(0));
            assertThat(claims.get(0).path("spec").path("resources").path("requests").path("storage").asText())
                    .as(name(sts)).isNotEmpty();
            assertThat(podSpec(sts).path("volumes").findValuesAsText("name")).as("a pod volume would shadow the claim")
                    .doesNotContain(claim);
            JsonNode container = container(sts);
            assertThat(mountPath(container, claim)).as(name(sts)).isEqualTo(STATE_DIR);
            assertThat(envValue(container, "METERFLOW_STATE_DIR")).isEqualTo(STATE_DIR);
        });
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void everyPodJoinsItsGroupWithStaticMembershipUnderItsPodName(RenderedChart chart) {
        chart.ofKind("StatefulSet").forEach(sts -> {
            JsonNode container = container(sts);
            assertDownwardApi(container, "POD_NAME", "metadata.name");
            assertThat(envValue(container, "METERFLOW_KAFKA_GROUP_INSTANCE_ID")).isEqualTo("$(POD_NAME)");
            assertThat(Integer.parseInt(envValue(container, "METERFLOW_KAFKA_SESSION_TIMEOUT_MS")))
                    .as("a restart within the session timeout moves no partition").isGreaterThanOrEqualTo(30_000);
        });
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void everyPodAdvertisesItsStableNameUnderTheHeadlessService(RenderedChart chart) {
        chart.ofKind("StatefulSet").forEach(sts -> {
            String serviceName = sts.path("spec").path("serviceName").asText();
            JsonNode headless = chart.named("Service", serviceName);
            assertThat(headless.path("spec").path("clusterIP").asText()).isEqualTo("None");
            assertThat(headless.path("spec").path("publishNotReadyAddresses").asBoolean())
                    .as("peers restoring state must still resolve").isTrue();
            assertSelects(headless.path("spec").path("selector"), sts);

            JsonNode container = container(sts);
            assertDownwardApi(container, "POD_NAMESPACE", "metadata.namespace");
            assertThat(envValue(container, "METERFLOW_HTTP_ADVERTISED_HOST"))
                    .isEqualTo("$(POD_NAME)." + serviceName + ".$(POD_NAMESPACE).svc.cluster.local");
            assertThat(names(container).indexOf("POD_NAME"))
                    .as("$(POD_NAME) expands only from a variable defined before it")
                    .isLessThan(names(container).indexOf("METERFLOW_HTTP_ADVERTISED_HOST"))
                    .isLessThan(names(container).indexOf("METERFLOW_KAFKA_GROUP_INSTANCE_ID"));
        });
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void probesAskTheHealthEndpointsOnTheHttpPort(RenderedChart chart) {
        chart.ofKind("StatefulSet").forEach(sts -> {
            JsonNode container = container(sts);
            int httpPort = Integer.parseInt(envValue(container, "METERFLOW_HTTP_PORT"));
            JsonNode port = container.path("ports").get(0);
            assertThat(port.path("name").asText()).isEqualTo("http");
            assertThat(port.path("containerPort").asInt()).isEqualTo(httpPort);
            assertThat(probe(container, "readinessProbe")).isEqualTo("/health/ready @ http");
            assertThat(probe(container, "livenessProbe")).isEqualTo("/health/live @ http");
            assertThat(probe(container, "startupProbe")).isEqualTo("/health/live @ http");
        });
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void terminationGraceOutlastsTheCommitOnClose(RenderedChart chart) {
        chart.ofKind("StatefulSet").forEach(sts -> assertThat(
                podSpec(sts).path("terminationGracePeriodSeconds").asInt()).as(name(sts))
                .isGreaterThanOrEqualTo(2 * COMMIT_ON_CLOSE_SECONDS));
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void everyAppHasADisruptionBudgetThatStillLetsANodeDrain(RenderedChart chart) {
        chart.ofKind("StatefulSet").forEach(sts -> {
            List<JsonNode> budgets = chart.ofKind("PodDisruptionBudget")
                    .filter(pdb -> pdb.path("spec").path("selector").path("matchLabels")
                            .equals(sts.path("spec").path("selector").path("matchLabels")))
                    .toList();
            assertThat(budgets).as(name(sts)).hasSize(1);
            assertThat(budgets.get(0).path("spec").path("maxUnavailable").asInt())
                    .as("a budget of 0 unavailable pods blocks every drain").isGreaterThanOrEqualTo(1);
        });
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void podsRunAsTheNonRootUser(RenderedChart chart) {
        chart.ofKind("StatefulSet").forEach(sts -> {
            JsonNode pod = podSpec(sts).path("securityContext");
            assertThat(pod.path("runAsNonRoot").asBoolean()).isTrue();
            assertThat(pod.path("runAsUser").asInt()).isEqualTo(10001);
            assertThat(pod.path("fsGroup").asInt()).as("the state volume must be writable").isEqualTo(10001);
            JsonNode container = container(sts).path("securityContext");
            assertThat(container.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
            assertThat(container.path("capabilities").path("drop").toString()).contains("ALL");
        });
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void everyPodIsScrapedThroughAnnotationsOrAServiceMonitor(RenderedChart chart) {
        List<JsonNode> monitors = chart.ofKind("ServiceMonitor").toList();
        chart.ofKind("StatefulSet").forEach(sts -> {
            Map<String, String> annotations = strings(sts.path("spec").path("template").path("metadata")
                    .path("annotations"));
            JsonNode container = container(sts);
            if (monitors.isEmpty()) {
                assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                        .containsEntry("prometheus.io/path", "/metrics")
                        .containsEntry("prometheus.io/port", envValue(container, "METERFLOW_HTTP_PORT"));
                return;
            }
            assertThat(annotations).as("one way of scraping, not two").doesNotContainKey("prometheus.io/scrape");
            JsonNode monitor = monitors.get(0);
            JsonNode headless = chart.named("Service", sts.path("spec").path("serviceName").asText());
            Map<String, String> labels = strings(headless.path("metadata").path("labels"));
            assertThat(labels).containsAllEntriesOf(strings(monitor.path("spec").path("selector").path("matchLabels")));
            String jobLabel = monitor.path("spec").path("jobLabel").asText();
            assertThat(labels.get(jobLabel)).as("the shipped alerts select job=~\"meterflow.*\"").startsWith("meterflow");
            JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
            assertThat(endpoint.path("port").asText()).isEqualTo(headless.path("spec").path("ports").get(0)
                    .path("name").asText());
            assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        });
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void secretsReachThePodsAsFilesNeverAsEnvironmentValues(RenderedChart chart) {
        // Each secret value, each token of a list, and the password of user:password.
        List<String> secretValues = new ArrayList<>();
        chart.ofKind("Secret").forEach(secret -> secret.path("data").forEach(v -> {
            String value = new String(Base64.getDecoder().decode(v.asText()), StandardCharsets.UTF_8);
            secretValues.add(value);
            secretValues.addAll(List.of(value.split(",")));
            secretValues.add(value.substring(value.indexOf(':') + 1));
        }));
        chart.ofKind("StatefulSet").forEach(sts -> {
            JsonNode container = container(sts);
            env(container).forEach((name, entry) -> {
                assertThat(SECRET_KEYS).as(name + " would put a secret in the pod spec").doesNotContain(name);
                String value = entry.path("value").asText();
                secretValues.forEach(secret -> assertThat(value).as(name).doesNotContain(secret));
                if (name.endsWith("_FILE")) {
                    assertThat(value).as(name + " must name a file of a Secret volume")
                            .startsWith(secretMountPath(sts) + "/");
                }
            });
        });
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void standbyReplicasNeverOutnumberTheOtherPods(RenderedChart chart) {
        chart.ofKind("StatefulSet").forEach(sts -> {
            int replicas = sts.path("spec").path("replicas").asInt();
            int standbys = Integer.parseInt(envValue(container(sts), "METERFLOW_KAFKA_NUM_STANDBY_REPLICAS"));
            assertThat(standbys).as(name(sts)).isBetween(Math.min(1, replicas - 1), replicas - 1);
        });
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void ingestStreamReachesAliasSyncThroughItsClientService(RenderedChart chart) {
        JsonNode aliasSync = statefulSet(chart, "alias-sync");
        JsonNode client = chart.named("Service", name(aliasSync));
        assertThat(client.path("spec").path("clusterIP").asText()).isNotEqualTo("None");
        assertSelects(client.path("spec").path("selector"), aliasSync);
        assertThat(envValue(container(statefulSet(chart, "ingest-stream")), "METERFLOW_CUSTOMERS_API_URL"))
                .isEqualTo("http://" + name(client) + "." + client.path("metadata").path("namespace").asText()
                        + ".svc.cluster.local:" + client.path("spec").path("ports").get(0).path("port").asInt());
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void namesFitKubernetesLimits(RenderedChart chart) {
        chart.objects().forEach(o -> assertThat(name(o)).matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"));
        chart.ofKind("StatefulSet").forEach(sts -> assertThat(name(sts).length())
                .as("pod label controller-revision-hash = <name>-<hash> must fit 63").isLessThanOrEqualTo(52));
    }

    @Test
    void chartSecretHoldsTheGivenTokensAndRegistryCredentialsAndRollsThePodsOnChange() {
        RenderedChart chart = valueSet("registry-basic-auth");
        JsonNode secret = chart.ofKind("Secret").findFirst().orElseThrow();
        assertThat(decode(secret, "api-tokens")).isEqualTo("token-one-0123456789abcdef,token-two-0123456789abcdef");
        assertThat(decode(secret, "user-info")).isEqualTo("meterflow:registry-password-value");
        chart.ofKind("StatefulSet").forEach(sts -> {
            assertThat(secretSources(sts)).containsExactly(
                    name(secret) + "/api-tokens -> api-tokens", name(secret) + "/user-info -> registry-user-info");
            assertThat(sts.path("spec").path("template").path("metadata").path("annotations").has("checksum/secret"))
                    .isTrue();
            JsonNode container = container(sts);
            assertThat(envValue(container, "METERFLOW_SCHEMA_REGISTRY_URL")).isEqualTo("https://registry.internal:8081");
            assertThat(envValue(container, "METERFLOW_RECORD_MAX_BYTES")).as("not 2.097152e+06").isEqualTo("2097152");
            assertThat(envValue(container, "METERFLOW_KAFKA_SECURITY_PROTOCOL")).isEqualTo("SSL");
        });
        assertThat(envValue(container(statefulSet(chart, "ingest-stream")), "METERFLOW_PENDING_HORIZON"))
                .isEqualTo("30d");
    }

    @Test
    void existingSecretsAreReadInPlaceAndTheChartMakesNone() {
        RenderedChart chart = valueSet("existing-secret");
        assertThat(chart.ofKind("Secret")).isEmpty();
        chart.ofKind("StatefulSet").forEach(sts -> {
            assertThat(secretSources(sts)).containsExactly(
                    "meterflow-api/tokens -> api-tokens", "meterflow-registry/basic-auth -> registry-user-info");
            assertThat(mountPath(container(sts), "truststore")).isEqualTo("/etc/meterflow/truststore");
        });
    }

    @Test
    void withoutTokensNoSecretIsMountedAndTheNotesSayTheApiAnswers401() {
        RenderedChart chart = valueSet("defaults");
        assertThat(chart.ofKind("Secret")).isEmpty();
        chart.ofKind("StatefulSet").forEach(sts -> assertThat(env(container(sts)).keySet())
                .noneMatch(name -> name.endsWith("_FILE")));
        assertThat(notes("defaults")).contains("WARNING: no API tokens");
        assertThat(notes("existing-secret")).doesNotContain("WARNING");
    }

    @ParameterizedTest
    @MethodSource("valueSets")
    void notesNameEveryAppAndHowToWaitForIt(RenderedChart chart) {
        String notes = notes(chart.valueSet());
        chart.ofKind("StatefulSet").forEach(sts -> assertThat(notes)
                .contains("rollout status statefulset/" + name(sts)).contains("svc/" + name(sts)));
    }

    @Test
    void oneReplicaAsksForNoStandby() {
        valueSet("single-replica").ofKind("StatefulSet").forEach(sts -> {
            assertThat(sts.path("spec").path("replicas").asInt()).isEqualTo(1);
            assertThat(envValue(container(sts), "METERFLOW_KAFKA_NUM_STANDBY_REPLICAS")).isEqualTo("0");
        });
    }

    @Test
    void chartAppVersionIsTheProjectVersionSoTheDefaultImageTagIsThisBuild() throws Exception {
        String chartYaml = Files.readString(Path.of(System.getProperty("meterflow.chart.dir"), "Chart.yaml"));
        assertThat(chartYaml).containsPattern("(?m)^appVersion: \"?"
                + java.util.regex.Pattern.quote(System.getProperty("meterflow.project.version")) + "\"?$");
    }

    /** NOTES.txt as rendered for a value set (check-chart.sh renders it through a copy of the chart). */
    private static String notes(String valueSet) {
        Path file = checks().resolve("notes").resolve(valueSet + ".yaml");
        return RenderedChart.read(file).objects().get(0).path("notes").asText();
    }

    private static JsonNode statefulSet(RenderedChart chart, String role) {
        return chart.ofKind("StatefulSet").filter(s -> container(s).path("args").get(0).asText().equals(role))
                .findFirst().orElseThrow();
    }

    private static void assertDownwardApi(JsonNode container, String name, String fieldPath) {
        assertThat(env(container).get(name).path("valueFrom").path("fieldRef").path("fieldPath").asText())
                .as(name).isEqualTo(fieldPath);
    }

    private static void assertSelects(JsonNode selector, JsonNode statefulSet) {
        assertThat(strings(statefulSet.path("spec").path("template").path("metadata").path("labels")))
                .containsAllEntriesOf(strings(selector));
        assertThat(strings(selector)).isNotEmpty();
    }

    private static List<String> names(JsonNode container) {
        return List.copyOf(env(container).keySet());
    }

    private static String mountPath(JsonNode container, String volume) {
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("name").asText().equals(volume)) {
                return mount.path("mountPath").asText();
            }
        }
        throw new AssertionError("volume " + volume + " is not mounted");
    }

    /** Where the pod's Secret volume is mounted (a projected volume of Secrets, or a Secret volume). */
    private static String secretMountPath(JsonNode statefulSet) {
        for (JsonNode volume : podSpec(statefulSet).path("volumes")) {
            boolean secrets = volume.has("secret") || (volume.has("projected") && volume.path("projected")
                    .path("sources").findValues("secret").size() == volume.path("projected").path("sources").size());
            if (secrets) {
                return mountPath(container(statefulSet), volume.path("name").asText());
            }
        }
        throw new AssertionError(name(statefulSet) + " mounts no Secret");
    }

    /** Each file of the projected Secret volume as {@code secret/key -> path}. */
    private static List<String> secretSources(JsonNode statefulSet) {
        List<String> sources = new ArrayList<>();
        for (JsonNode volume : podSpec(statefulSet).path("volumes")) {
            for (JsonNode source : volume.path("projected").path("sources")) {
                JsonNode secret = source.path("secret");
                secret.path("items").forEach(item -> sources.add(secret.path("name").asText() + "/"
                        + item.path("key").asText() + " -> " + item.path("path").asText()));
            }
        }
        return sources;
    }

    private static String probe(JsonNode container, String probe) {
        JsonNode get = container.path(probe).path("httpGet");
        return get.path("path").asText() + " @ " + get.path("port").asText();
    }

    private static String decode(JsonNode secret, String key) {
        return new String(Base64.getDecoder().decode(secret.path("data").path(key).asText()), StandardCharsets.UTF_8);
    }
}
