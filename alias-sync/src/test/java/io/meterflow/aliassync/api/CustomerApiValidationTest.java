package io.meterflow.aliassync.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncConfig;
import io.meterflow.aliassync.CustomerChanges;
import io.meterflow.config.Settings;
import io.meterflow.http.HttpService;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.serde.SpecificAvroSerde;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the customer API refuses before anything is published, so without a broker: the app is never started, and a
 * request that got past these checks would be answered 503 (alias-sync is not running).
 */
class CustomerApiValidationTest {

    static final String TOKEN = "validation-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private final HttpClient client = HttpClient.newHttpClient();
    private HttpService http;
    private CustomerApi api;

    private void start(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put("state.dir", tmp.toString());
        all.put("schema.registry.url", "mock://validation-" + UUID.randomUUID());
        all.put("bootstrap.servers", "127.0.0.1:1");
        AliasSyncApp app = new AliasSyncApp(AliasSyncConfig.from(Settings.of(all)), new SimpleMeterRegistry());
        http = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 4 << 20, 2);
        api = CustomerApi.install(http, app, Set.of(TOKEN), Duration.ofSeconds(1));
        http.start();
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
            api.close();
        }
    }

    private HttpResponse<String> post(String path, Object body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(http.baseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body instanceof String text ? text
                        : JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String message(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body()).path("message").asText();
    }

    @Test
    void aCreateOverTheChangeLimitIs413NamingTheLimitBeforeAnythingIsPublished() throws Exception {
        start(Map.of());

        HttpResponse<String> response = post("/v1/customers",
                Map.of("name", "Big", "custom_fields", Map.of("notes", "x".repeat(600_000))));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(message(response)).contains("alias-sync.max.change.bytes", "524288", "nothing was published");
    }

    @Test
    void everyOtherWriteOverTheChangeLimitIs413Too() throws Exception {
        start(Map.of("alias-sync.max.change.bytes", "4096"));
        List<String> aliases = IntStream.range(0, 100).mapToObj(i -> "alias-number-" + i + "-".repeat(40)).toList();

        HttpResponse<String> set = post("/v1/customers/c-1/setIngestAliases", Map.of("ingest_aliases", aliases));
        HttpResponse<String> rename = post("/v1/customers/c-1/setName", Map.of("name", "n".repeat(5000)));

        assertThat(set.statusCode()).isEqualTo(413);
        assertThat(message(set)).contains("4096");
        // A name is cut to 160 characters before it is sent: a long one is not too large.
        assertThat(rename.statusCode()).isEqualTo(503);
    }

    @Test
    void aCreateJustUnderTheLargestChangeLimitWhoseCustomerWouldNotFitARecordIs413WithTheStateBudget() throws Exception {
        int limit = 1_048_576 - 16 * 1024;
        start(Map.of("alias-sync.max.change.bytes", String.valueOf(limit)));
        List<String> aliases = IntStream.range(0, 2000).mapToObj(i -> new StringBuilder()
                .appendCodePoint(0x1F300 + i / 64 % 64).appendCodePoint(0x1F300 + i % 64)
                .append("😀".repeat(126)).toString()).toList();
        // Pad the notes so that the change is a few bytes under the limit, as the API will serialize it: the customer
        // record it creates is then over what a record may hold (its budget keeps room for an archive).
        String notes = "";
        for (int attempt = 0; attempt < 3; attempt++) {
            int size = changeBytes(aliases, notes);
            notes = "n".repeat(notes.length() + limit - 8 - size);
        }

        HttpResponse<String> response = post("/v1/customers",
                Map.of("name", "Emoji", "ingest_aliases", aliases, "custom_fields", Map.of("notes", notes)));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(message(response)).contains("2000 ingest aliases", "record", "nothing was published")
                .doesNotContain("alias-sync.max.change.bytes");
    }

    /** Size of the create the API would publish (its IDs are UUIDs, its time now). */
    private int changeBytes(List<String> aliases, String notes) {
        CustomerChange change = CustomerChanges.of(UUID.randomUUID().toString(), CustomerCreated.newBuilder()
                .setName("Emoji").setIngestAliases(aliases).setCustomFields(Map.of("notes", notes)).build());
        return 36 + SpecificAvroSerde.of(CustomerChange.class, Map.of("schema.registry.url", "mock://validation-size"),
                false).serializer().serialize("customer-changes", change).length;
    }

    private static Object nested(int depth) {
        Object value = "leaf";
        for (int i = 1; i < depth; i++) {
            value = Map.of("a", value);
        }
        return value;
    }

    @Test
    void aBillingConfigurationNested70LevelsIs400NamingTheFieldNot500() throws Exception {
        start(Map.of());

        HttpResponse<String> billing = post("/v1/customers", Map.of("name", "Deep", "billing_config", nested(70)));
        HttpResponse<String> providers = post("/v1/customers",
                Map.of("name", "Deep", "customer_billing_provider_configurations", nested(70)));
        HttpResponse<String> config = post("/v1/customers", Map.of("name", "Deep", "customer_config", nested(70)));

        assertThat(billing.statusCode()).isEqualTo(400);
        assertThat(message(billing)).startsWith("billing_config: ").contains("deeper than 64");
        assertThat(providers.statusCode()).isEqualTo(400);
        assertThat(message(providers)).startsWith("customer_billing_provider_configurations: ");
        assertThat(config.statusCode()).isEqualTo(400);
        assertThat(message(config)).contains("customer_config.a must be a string");
    }

    @Test
    void aBillingConfigurationNested64LevelsPassesTheChecks() throws Exception {
        start(Map.of());

        // The object itself is the first level; 503 means every check passed and the app (not started) was asked.
        HttpResponse<String> response = post("/v1/customers", Map.of("name", "Deep", "billing_config", nested(64)));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
    }

    @Test
    void textWithALoneSurrogateIs400NamingTheField() throws Exception {
        start(Map.of());
        String lone = "\\ud800";

        Map<String, String> bodies = Map.of(
                "name", "{\"name\":\"a" + lone + "\"}",
                "ingest_aliases[1]", "{\"name\":\"n\",\"ingest_aliases\":[\"ok\",\"x" + lone + "\"]}",
                "custom_fields.k", "{\"name\":\"n\",\"custom_fields\":{\"k\":\"v" + lone + "\"}}",
                "custom_fields.k" + "\ud800", "{\"name\":\"n\",\"custom_fields\":{\"k" + lone + "\":\"v\"}}",
                "external_id", "{\"name\":\"n\",\"external_id\":\"e" + lone + "\"}",
                "customer_config.s", "{\"name\":\"n\",\"customer_config\":{\"s\":\"" + lone + "\"}}",
                "billing_config", "{\"name\":\"n\",\"billing_config\":{\"s\":[\"" + lone + "\"]}}");
        for (Map.Entry<String, String> body : bodies.entrySet()) {
            HttpResponse<String> response = post("/v1/customers", body.getValue());
            assertThat(response.statusCode()).as(body.getKey()).isEqualTo(400);
            assertThat(message(response)).as(body.getKey()).contains("lone surrogate");
            assertThat(message(response)).as(body.getKey()).startsWith(body.getKey().replace("\ud800", ""));
        }
        // An archive names the customer in its body: "c" + U+D800 would be sent as "c?", another customer's ID.
        HttpResponse<String> archive = post("/v1/customers/archive", "{\"id\":\"c" + lone + "\"}");
        assertThat(archive.statusCode()).isEqualTo(400);
        assertThat(message(archive)).startsWith("id has a lone surrogate");
    }
}
