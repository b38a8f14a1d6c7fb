package io.meterflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.meterflow.aliassync.CustomerChanges;
import io.meterflow.config.StreamsAppConfig;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.topics.Topic;
import io.meterflow.topics.Topics;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as a user runs it (embedded broker, both apps, one HTTP port, the registry it creates), driven through
 * its topics and observed only through {@code /health/ready} and {@code /metrics}. One start serves every test here:
 * they run in order and each builds on the traffic of the one before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ObservabilityIT {

    private static final Path DEPLOY = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern METRIC_NAME = Pattern.compile("\\bmeterflow_[a-zA-Z0-9_]+");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Integer> readyStatusesDuringStart = new CopyOnWriteArrayList<>();
    private final String run = Long.toString(System.nanoTime(), 36);
    private String baseUrl;
    private Standalone standalone;
    private Topics topics;
    private KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    void start(@TempDir Path dataDir) throws Exception {
        int httpPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            httpPort = socket.getLocalPort();
        }
        baseUrl = "http://127.0.0.1:" + httpPort;
        StandaloneOptions options = StandaloneOptions.parse(new String[] {
                "--data-dir", dataDir.toString(), "--http-port", Integer.toString(httpPort), "--kafka-port", "0",
                // the pending gauges are refreshed by the expiry punctuation
                "--set", "ingest-stream.expiry.interval=200ms",
                "--set", "kafka.commit.interval.ms=100"}, Map.of());
        standalone = new Standalone(options);
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
            // Every answer of /health/ready from the moment the port opens until start() returns.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (readyStatusesDuringStart.lastIndexOf(200) < 0 && System.nanoTime() < deadline) {
                try {
                    readyStatusesDuringStart.add(get("/health/ready").statusCode());
                } catch (IOException e) {
                    sleep(20);
                }
            }
        });
        standalone.start(Duration.ofSeconds(120));
        watcher.get(30, TimeUnit.SECONDS);
        StreamsAppConfig config = StreamsAppConfig.from(standalone.appSettings(Standalone.INGEST_STREAM), "test");
        topics = Topics.create(config.topicNames(), config.serdeConfig());
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, standalone.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    void stop() {
        if (producer != null) {
            producer.close();
        }
        if (standalone != null) {
            standalone.close();
        }
    }

    @Test
    @Order(1)
    void readinessIsRefusedUntilBothAppsAreRunning() throws Exception {
        assertThat(readyStatusesDuringStart).as("answers while starting").contains(503);
        assertThat(readyStatusesDuringStart.get(readyStatusesDuringStart.size() - 1)).isEqualTo(200);
        assertThat(readyStatusesDuringStart.subList(0, readyStatusesDuringStart.indexOf(200))).containsOnly(503);
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"alias-sync\":\"RUNNING\"", "\"ingest-stream\":\"RUNNING\"");
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        Scrape scrape = scrape();
        assertThat(scrape.sum("meterflow_app_ready", "app", "alias-sync")).isEqualTo(1);
        assertThat(scrape.sum("meterflow_app_ready", "app", "ingest-stream")).isEqualTo(1);
    }

    @Test
    @Order(2)
    void countsEveryOutcomeAndParksUntilTheAliasIsAttached() throws Exception {
        String a = "cust-a-" + run;
        String b = "cust-b-" + run;
        String c = "cust-c-" + run;
        String aliasA = "alias-a-" + run;
        String parked = "parked-" + run;

        // Customers: two created, one whose alias is held (ALIAS_IN_USE), one unknown, one malformed.
        sendChange(created(a, List.of(aliasA)));
        sendChange(created(b, List.of()));
        await("alias-sync to bind " + aliasA, () -> scrape().sum("meterflow_alias_bindings", "kind", "alias") == 1
                && scrape().sum("meterflow_alias_bindings", "kind", "customer_id") == 2);
        sendChange(created(c, List.of(aliasA)));
        sendChange(CustomerChanges.ingestAliasesSet("nobody-" + run, List.of("x-" + run)));
        producer.send(new ProducerRecord<>(topics.customerChanges().name(), bytes(a), bytes("not avro"))).get();
        await("alias-sync to decide every change",
                () -> scrape().sum("meterflow_customer_refusals_total") == 3);
        // ingest-stream's replica of the bindings: every usage task holds a copy of the four bindings.
        await("ingest-stream to replicate the bindings",
                () -> scrape().sum("meterflow_usage_binding_changes_total", "change", "bound")
                        == 4.0 * Standalone.DEFAULT_PARTITIONS);

        // Usage: 2 attributed (ID, alias), 2 parked, 2 duplicates, 4 rejected.
        UsageEvent direct = usage("u1", a);
        sendUsage(direct);
        sendUsage(usage("u2", aliasA));
        UsageEvent firstParked = usage("u3", parked);
        sendUsage(firstParked);
        sendUsage(usage("u4", parked));
        sendUsage(firstParked);
        sendUsage(direct);
        producer.send(new ProducerRecord<>(topics.usageEvents().name(), bytes("garbage-" + run),
                bytes("not avro"))).get();
        UsageEvent missing = usage("u5", a);
        missing.setEventType(null);
        sendUsage(missing);
        sendUsage(usage("u6", ""));
        UsageEvent badTime = usage("u7", a);
        badTime.setTimestamp("yesterday");
        sendUsage(badTime);

        await("ingest-stream to read all 10 records", () -> scrape().sum("meterflow_usage_outcomes_total") == 10);
        await("the pending gauge to show both parked events", () -> scrape().sum("meterflow_usage_pending") == 2);
        Scrape before = scrape();
        assertThat(before.sum("meterflow_usage_outcomes_total", "outcome", "attributed")).isEqualTo(2);
        assertThat(before.sum("meterflow_usage_outcomes_total", "outcome", "pending")).isEqualTo(2);
        assertThat(before.sum("meterflow_usage_outcomes_total", "outcome", "duplicate")).isEqualTo(2);
        assertThat(before.sum("meterflow_usage_outcomes_total", "outcome", "rejected")).isEqualTo(4);
        assertThat(before.nonZero("meterflow_usage_rejections_total", "reason")).isEqualTo(Map.of(
                "MALFORMED", 1.0, "MISSING_FIELD", 1.0, "EMPTY_FIELD", 1.0, "INVALID_TIMESTAMP", 1.0));
        assertThat(before.sum("meterflow_usage_pending_oldest_age_seconds")).isGreaterThan(0);
        assertThat(before.sum("meterflow_usage_attribution_latency_seconds_count", "path", "live")).isEqualTo(2);
        assertThat(before.sum("meterflow_usage_replayed_total")).isZero();

        // Attach the parked identifier to B (its two events replay), then move A's alias to B (its event moves).
        sendChange(CustomerChanges.ingestAliasesSet(b, List.of(parked)));
        await("the parked events to be replayed", () -> scrape().sum("meterflow_usage_replayed_total") == 2);
        await("the pending gauge to go back to zero", () -> scrape().sum("meterflow_usage_pending") == 0);
        sendChange(CustomerChanges.ingestAliasesSet(a, List.of()));
        await("alias-sync to release " + aliasA, () -> scrape().sum("meterflow_alias_bindings", "kind", "alias") == 1);
        sendChange(CustomerChanges.ingestAliasesSet(b, List.of(parked, aliasA)));
        await("the alias's usage to move", () -> scrape().sum("meterflow_usage_reassigned_total") == 1);

        Scrape after = scrape();
        assertThat(after.sum("meterflow_usage_pending_oldest_age_seconds")).isZero();
        assertThat(after.sum("meterflow_usage_retracted_total")).isEqualTo(1);
        assertThat(after.sum("meterflow_usage_expired_total")).isZero();
        assertThat(after.sum("meterflow_usage_attribution_latency_seconds_count", "path", "replayed")).isEqualTo(2);
        assertThat(after.sum("meterflow_usage_outcomes_total")).as("moves are not new records").isEqualTo(10);
        assertThat(after.sum("meterflow_alias_bindings", "kind", "alias")).isEqualTo(2);
        assertThat(after.sum("meterflow_alias_bindings", "kind", "customer_id")).isEqualTo(3);
        assertThat(after.nonZero("meterflow_customer_refusals_total", "reason")).isEqualTo(Map.of(
                "ALIAS_IN_USE", 1.0, "UNKNOWN_CUSTOMER", 1.0, "MALFORMED", 1.0));
        assertThat(after.sum("meterflow_customer_changes_total", "type", "created", "outcome", "applied"))
                .isEqualTo(3);
        assertThat(after.sum("meterflow_customer_changes_total", "type", "ingest_aliases_set", "outcome", "applied"))
                .isEqualTo(3);
        assertThat(after.sum("meterflow_customer_changes_total", "type", "ingest_aliases_set", "outcome", "refused"))
                .isEqualTo(1);
        assertThat(after.sum("meterflow_customer_changes_total", "type", "malformed", "outcome", "refused"))
                .isEqualTo(1);
        Files.writeString(Path.of("target", "observability-scrape.txt"), after.text);
    }

    @Test
    @Order(3)
    void everyMetricTheDashboardAndTheAlertsUseIsExported() throws Exception {
        Set<String> used = new TreeSet<>();
        JsonNode dashboard = new ObjectMapper().readTree(DEPLOY.resolve("grafana/dashboards/meterflow.json").toFile());
        dashboard.findValues("expr").forEach(expr -> used.addAll(names(expr.asText())));
        dashboard.findValues("query").forEach(query -> used.addAll(names(query.toString())));
        JsonNode alerts = new YAMLMapper().readTree(DEPLOY.resolve("prometheus/alerts.yml").toFile());
        List<String> alertNames = new ArrayList<>();
        for (JsonNode group : alerts.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                alertNames.add(rule.get("alert").asText());
                used.addAll(names(rule.get("expr").asText()));
            }
        }
        assertThat(alertNames).contains("MeterflowParkedUsageTooOld", "MeterflowRejectionRatioHigh",
                "MeterflowConsumerLagGrowing", "MeterflowAppNotReady");
        assertThat(used).as("metric names in the dashboard and the alerts").hasSizeGreaterThan(10);
        // Per-partition lag appears once the Kafka metrics binder has seen the assignments (it looks every 10 s).
        await("every metric used to be exported", () -> scrape().missing(used).isEmpty());
        assertThat(scrape().missing(used)).isEmpty();
        // The other deployment files parse.
        JsonNode scrapeConfig = new YAMLMapper().readTree(DEPLOY.resolve("prometheus/prometheus.yml").toFile());
        assertThat(scrapeConfig.get("rule_files").toString()).contains("alerts.yml");
        assertThat(new YAMLMapper().readTree(DEPLOY.resolve("grafana/provisioning/datasources/meterflow.yml")
                .toFile()).get("datasources")).hasSize(1);
        assertThat(new YAMLMapper().readTree(DEPLOY.resolve("grafana/provisioning/dashboards/meterflow.yml")
                .toFile()).get("providers")).hasSize(1);
    }

    @Test
    @Order(4)
    void readinessIsRefusedOnceShutdownBegins() throws Exception {
        List<String> answers = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(standalone::close);
        while (!closing.isDone()) {
            try {
                HttpResponse<String> ready = get("/health/ready");
                answers.add(ready.statusCode() + " " + ready.body());
            } catch (IOException e) {
                break;
            }
        }
        closing.get(60, TimeUnit.SECONDS);
        assertThat(answers).as("answers while shutting down").isNotEmpty();
        assertThat(answers.get(answers.size() - 1)).startsWith("503").containsAnyOf("PENDING_SHUTDOWN", "NOT_RUNNING");
        assertThat(answers).filteredOn(answer -> answer.startsWith("503")).isNotEmpty();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private static Set<String> names(String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = METRIC_NAME.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group());
        }
        return names;
    }

    private HttpResponse<String> get(String path) throws IOException {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private Scrape scrape() {
        try {
            HttpResponse<String> response = get("/metrics");
            assertThat(response.statusCode()).isEqualTo(200);
            return new Scrape(response.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plusSeconds(90);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            sleep(100);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void sendChange(CustomerChange change) throws Exception {
        send(topics.customerChanges(), change.getCustomerId(), change);
    }

    private void sendUsage(UsageEvent event) throws Exception {
        send(topics.usageEvents(), event.getTransactionId() == null ? run : event.getTransactionId(), event);
    }

    private <V> void send(Topic<String, V> topic, String key, V value) throws Exception {
        producer.send(new ProducerRecord<>(topic.name(), bytes(key),
                topic.valueSerde().serializer().serialize(topic.name(), value))).get();
    }

    private UsageEvent usage(String label, String identifier) {
        return UsageEvent.newBuilder()
                .setTransactionId(run + "-" + label)
                .setCustomerId(identifier)
                .setEventType("api_call")
                .setTimestamp(Instant.now().toString())
                .setProperties(Map.of("tokens", new JsonValue(new JsonNumber("7"))))
                .build();
    }

    private static CustomerChange created(String customerId, List<String> aliases) {
        return CustomerChanges.created(customerId, customerId, aliases);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** One Prometheus text exposition, read line by line. */
    private static final class Scrape {
        private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

        final String text;

        Scrape(String text) {
            this.text = text;
        }

        /** The sum of a metric's samples whose labels include the given name/value pairs. */
        double sum(String name, String... labels) {
            double sum = 0;
            for (String line : text.split("\n")) {
                Matcher sample = SAMPLE.matcher(line);
                if (!sample.find() || !sample.group(1).equals(name)) {
                    continue;
                }
                Map<String, String> present = labels(sample.group(3));
                boolean matches = true;
                for (int i = 0; i < labels.length; i += 2) {
                    matches &= labels[i + 1].equals(present.get(labels[i]));
                }
                if (matches) {
                    sum += Double.parseDouble(sample.group(4));
                }
            }
            return sum;
        }

        /** A metric's non-zero samples by the value of one label. */
        Map<String, Double> nonZero(String name, String label) {
            Map<String, Double> values = new java.util.TreeMap<>();
            for (String line : text.split("\n")) {
                Matcher sample = SAMPLE.matcher(line);
                if (sample.find() && sample.group(1).equals(name)) {
                    double value = Double.parseDouble(sample.group(4));
                    if (value != 0) {
                        values.merge(labels(sample.group(3)).get(label), value, Double::sum);
                    }
                }
            }
            return values;
        }

        /** Of the given names, those with no sample in this scrape. */
        Set<String> missing(Set<String> names) {
            Set<String> present = new TreeSet<>();
            for (String line : text.split("\n")) {
                Matcher sample = SAMPLE.matcher(line);
                if (sample.find()) {
                    present.add(sample.group(1));
                }
            }
            Set<String> missing = new TreeSet<>(names);
            missing.removeAll(present);
            return missing;
        }

        private static Map<String, String> labels(String text) {
            Map<String, String> labels = new java.util.HashMap<>();
            if (text != null) {
                Matcher label = LABEL.matcher(text);
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            return labels;
        }
    }
}
