package io.meterflow.aliassync.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncService;
import io.meterflow.config.Settings;
import io.meterflow.http.HttpConfig;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.runtime.Runner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write that is published but not applied within {@code api.write.timeout}: 503, "it will still be applied". A
 * create then also says {@code x-should-retry: false}, because Metronome's SDKs retry a 503 by default and a retried
 * create would create a second customer. Processing is paused ({@code KafkaStreams#pause}), so the state answers
 * queries but applies nothing.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(180)
class CustomerWriteTimeoutIT {

    static final String TOKEN = "write-timeout-token-0123456789";

    @TempDir
    Path tmp;

    @Test
    void aCreateNotAppliedInTimeIsA503TheSdkMustNotRetry(KafkaCluster kafka) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> s = new HashMap<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "application.id", "write-timeout-" + run, "schema.registry.url", "mock://write-timeout-" + run,
                "state.dir", tmp.toString(), "topic.partitions", "1",
                HttpConfig.HOST, "127.0.0.1", HttpConfig.PORT, "0", HttpConfig.API_TOKENS, TOKEN,
                CustomerApi.WRITE_TIMEOUT, "1s"));
        for (String topic : List.of("customer-changes", "customers", "alias-bindings", "customer-changes-rejected")) {
            s.put("topic." + topic, topic + "-" + run);
        }
        try (Runner runner = Runner.builder(Settings.of(s)).app(AliasSyncApp.NAME, AliasSyncService.definition())
                .build()) {
            runner.start();
            runner.awaitRunning(Duration.ofSeconds(90));
            ((AliasSyncApp) runner.app(AliasSyncApp.NAME)).streams().pause();

            HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(runner.httpBaseUrl() + "/v1/customers"))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Slow Ltd\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(created.statusCode()).as(created.body()).isEqualTo(503);
            assertThat(created.body()).contains("was published", "a retried create would create another customer");
            assertThat(created.headers().firstValue("x-should-retry")).hasValue("false");
        }
    }
}
