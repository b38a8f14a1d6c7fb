package io.meterflow.ingest;

import static io.meterflow.ingest.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.http.HttpConfig;
import io.meterflow.ingest.api.BillableMetricApi;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.runtime.Runner;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Billable metrics over HTTP against both apps on a real broker, wired as the launcher wires them (one port; a
 * customer's billable metrics check the customer in alias-sync's store): create, retrieve, list in pages with and
 * without archived metrics, archive; and the record each write put on billable-metrics.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BillableMetricsApiIT {

    static final String TOKEN = "test-token-0123456789abcdef";

    static IntegrationSupport it;
    static Runner runner;
    static ApiClient api;

    @BeforeAll
    static void start(KafkaCluster kafka) throws Exception {
        it = new IntegrationSupport(kafka);
        Path tmp = Files.createTempDirectory("billable-metrics-it");
        runner = it.bothApps(tmp, Map.of(HttpConfig.API_TOKENS, TOKEN, BillableMetricApi.WRITE_TIMEOUT, "30s"));
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

    static String create(String body) {
        HttpResponse<String> r = api.post("/v1/billable-metrics/create", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r).path("data").path("id").asText();
    }

    static List<String> listAll(String path) {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            HttpResponse<String> r = api.get(path + (path.contains("?") ? "&" : "?") + "limit=2"
                    + (cursor == null ? "" : "&next_page=" + cursor));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode page = json(r);
            assertThat(page.path("data").size()).isLessThanOrEqualTo(2);
            page.path("data").forEach(d -> seen.add(d.path("id").asText()));
            cursor = page.path("next_page").isNull() ? null : page.path("next_page").asText();
        } while (cursor != null);
        return seen;
    }

    @Test
    void createRetrieveListAndArchiveOverHttpAreReadYourWrites() {
        java.time.Instant before = java.time.Instant.now();
        HttpResponse<String> createdCpu = api.post("/v1/billable-metrics/create", """
                {"name": "CPU Hours", "aggregation_key": "cpu_hours", "aggregation_type": "SUM",
                 "event_type_filter": {"in_values": ["cpu_usage"]}, "group_keys": [["region"]],
                 "property_filters": [{"name": "cpu_hours", "exists": true},
                                      {"name": "region", "exists": true, "in_values": ["EU", "NA"]}]}""");
        java.time.Instant after = java.time.Instant.now();
        assertThat(createdCpu.statusCode()).as(createdCpu.body()).isEqualTo(200);
        String cpu = json(createdCpu).path("data").path("id").asText();
        // Complete from: created − max(34 d, 34 d) + 24 h (the defaults), rounded up to the hour.
        String completeFrom = json(createdCpu).path("data").path("aggregates_complete_from").asText();
        java.time.Instant completeHour = java.time.Instant.parse(completeFrom);
        assertThat(completeFrom).endsWith(":00:00Z");
        assertThat(completeHour).isAfterOrEqualTo(before.minus(java.time.Duration.ofDays(33)))
                .isBefore(after.minus(java.time.Duration.ofDays(33)).plus(java.time.Duration.ofHours(1)));
        // Readable at once: the answer came once this instance's global store held it.
        JsonNode data = json(api.get("/v1/billable-metrics/" + cpu)).path("data");
        assertThat(data.path("aggregates_complete_from").asText()).isEqualTo(completeFrom);
        assertThat(data.path("name").asText()).isEqualTo("CPU Hours");
        assertThat(data.path("aggregation_type").asText()).isEqualTo("SUM");
        assertThat(data.path("property_filters").get(1).path("in_values").get(1).asText()).isEqualTo("NA");
        assertThat(data.has("archived_at")).isFalse();

        List<String> counts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            counts.add(create("{\"name\":\"Calls " + i + "\",\"aggregation_type\":\"COUNT\"}"));
        }
        HttpResponse<String> archived = api.post("/v1/billable-metrics/archive", "{\"id\":\"" + counts.get(0) + "\"}");
        assertThat(archived.statusCode()).as(archived.body()).isEqualTo(200);
        assertThat(json(archived).path("data").path("id").asText()).isEqualTo(counts.get(0));
        assertThat(json(api.get("/v1/billable-metrics/" + counts.get(0))).path("data").path("archived_at").asText())
                .isNotEmpty();

        List<String> active = new ArrayList<>(List.of(cpu, counts.get(1), counts.get(2), counts.get(3)));
        active.sort(String::compareTo);
        List<String> all = new ArrayList<>(active);
        all.add(counts.get(0));
        all.sort(String::compareTo);
        assertThat(listAll("/v1/billable-metrics")).containsExactlyElementsOf(active);
        assertThat(listAll("/v1/billable-metrics?include_archived=true")).containsExactlyElementsOf(all);

        // Every write is one whole definition on the compacted topic, keyed by the metric's ID.
        List<String> ours = new ArrayList<>(all);
        List<String> keys = readTopic(it.names.billableMetrics(), 6, ours).stream().map(ConsumerRecord::key).toList();
        assertThat(keys).containsExactlyInAnyOrder(cpu, counts.get(0), counts.get(1), counts.get(2), counts.get(3),
                counts.get(0));
    }

    @Test
    void aCustomersBillableMetricsAreEveryMetricAndAnUnknownCustomerIs404() {
        String metric = create("{\"name\":\"Per customer\",\"aggregation_type\":\"COUNT\"}");
        HttpResponse<String> customer = api.post("/v1/customers", "{\"name\":\"Metered\"}");
        assertThat(customer.statusCode()).as(customer.body()).isEqualTo(200);
        String id = json(customer).path("data").path("id").asText();

        assertThat(listAll("/v1/customers/" + id + "/billable-metrics")).contains(metric)
                .containsExactlyElementsOf(listAll("/v1/billable-metrics"));
        HttpResponse<String> unknown = api.get("/v1/customers/" + UUID.randomUUID() + "/billable-metrics");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("x-should-retry")).contains("false");
    }

    @Test
    void aSqlMetricIsRefusedAndNothingIsPublished() {
        HttpResponse<String> r = api.post("/v1/billable-metrics/create", "{\"name\":\"q\",\"sql\":\"select 1\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("message").asText()).contains("SQL billable metrics are not supported");
    }

    /** The records of {@code topic} keyed by one of {@code keys} (other tests of the class write there too). */
    private static List<ConsumerRecord<String, byte[]>> readTopic(String topic, int atLeast, List<String> keys) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, it.kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "read-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < atLeast && System.nanoTime() < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (keys.contains(r.key())) {
                        records.add(r);
                    }
                });
            }
            // Anything more for these keys would be a write this test did not make.
            consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                if (keys.contains(r.key())) {
                    records.add(r);
                }
            });
        }
        return records;
    }
}
