package io.meterflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The runner's order of work, with stand-in apps: no Kafka is needed to check what it does around them. */
@Timeout(60)
class RunnerTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private final List<String> events = new CopyOnWriteArrayList<>();

    /** An app that records what the runner asks of it, and whether HTTP still answered at that moment. */
    private final class FakeApp implements StreamsApp {
        final String name;
        volatile KafkaStreams.State state = KafkaStreams.State.CREATED;
        final CompletableFuture<KafkaStreams.State> terminated = new CompletableFuture<>();
        volatile String baseUrl;
        volatile RuntimeException onStart;

        FakeApp(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void start() {
            if (onStart != null) {
                throw onStart;
            }
            events.add(name + " started");
            state = KafkaStreams.State.RUNNING;
        }

        @Override
        public KafkaStreams.State state() {
            return state;
        }

        @Override
        public CompletableFuture<KafkaStreams.State> terminated() {
            return terminated;
        }

        @Override
        public void stop() {
            if (state == KafkaStreams.State.RUNNING) {
                state = KafkaStreams.State.PENDING_SHUTDOWN;
                events.add(name + " stopping, health " + status(baseUrl + "/health/ready"));
            }
            state = KafkaStreams.State.NOT_RUNNING;
            terminated.complete(state);
        }

        AppDefinition definition(String key) {
            return (settings, context) -> {
                events.add(name + " read " + key + "=" + settings.string(key, "unset"));
                baseUrl = "http://127.0.0.1:" + context.http().port();
                return new AppDefinition.Installed(this, () -> events.add(name + " api closed"
                        + (state == KafkaStreams.State.CREATED ? "" : ", health " + status(baseUrl + "/health/live"))));
            };
        }
    }

    private static String status(String url) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build();
            return Integer.toString(CLIENT.send(request,
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        } catch (IOException e) {
            return "unreachable";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static Settings settings(String... keyValues) {
        Map<String, String> values = new java.util.HashMap<>(Map.of("http.port", "0", "http.host", "127.0.0.1"));
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        return Settings.of(values);
    }

    @Test
    void startsAppsInOrderThenServesAndStopsThemInReverseWhileHttpStillAnswersThenClosesTheirApis() {
        FakeApp first = new FakeApp("first");
        FakeApp second = new FakeApp("second");
        Runner runner = Runner.builder(settings("first.only", "1", "shared", "s"))
                .appSettings((app, given) -> given.forApp(app, Map.of()))
                .healthPart("broker", () -> "RUNNING")
                .app("first", first.definition("only"))
                .app("second", second.definition("shared"))
                .build();
        assertThat(runner.unknownKeys()).isEmpty();
        runner.start();
        runner.awaitRunning(Duration.ofSeconds(5));
        assertThat(runner.health()).containsExactly(Map.entry("broker", "RUNNING"), Map.entry("first", "RUNNING"),
                Map.entry("second", "RUNNING"));
        assertThat(status(runner.httpBaseUrl() + "/health/ready")).isEqualTo("200");
        String unknown = status(runner.httpBaseUrl() + "/v1/nowhere");
        // Every answer is counted by route pattern and status; a path no route matches is "unmatched", never itself.
        assertThat(runner.meterRegistry().counter("meterflow.http.responses", "route", "GET /health/ready",
                "status", "200").count()).isEqualTo(1);
        assertThat(runner.meterRegistry().counter("meterflow.http.responses", "route", "unmatched",
                "status", unknown).count()).isEqualTo(1);

        runner.close();
        runner.close();

        assertThat(events).containsExactly(
                "first read only=1", "second read shared=s", "first started", "second started",
                // While the apps stop, /health/ready says so (503) rather than refusing connections...
                "second stopping, health 503", "first stopping, health 503",
                // ...and their APIs' producers close once no request can reach them.
                "second api closed, health unreachable", "first api closed, health unreachable");
    }

    @Test
    void aSettingNoAppReadsIsReported() {
        FakeApp app = new FakeApp("app");
        try (Runner runner = Runner.builder(settings("wanted", "1", "wnated", "2")).app("app", app.definition("wanted"))
                .build()) {
            assertThat(runner.unknownKeys()).containsExactly("wnated");
        }
    }

    @Test
    void theAdvertisedAddressBecomesKafkaStreamsApplicationServerUnlessSet() {
        FakeApp app = new FakeApp("app");
        try (Runner runner = Runner.builder(settings("http.advertised.host", "node-3"))
                .app("app", app.definition("kafka.application.server")).build()) {
            assertThat(events).containsExactly("app read kafka.application.server=node-3:" + runner.httpPort());
        }
    }

    private int runMain(FakeApp app, String... args) throws InterruptedException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Runner.runMain("app", args, Map.of(), app.definition("x"),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        events.add("stderr: " + err.toString(StandardCharsets.UTF_8).strip());
        return code;
    }

    @Test
    void aMainExitsTwoOnBadArgumentsOrSettingsOneWhenItCannotStartOrFailsAndZeroWhenStopped() throws Exception {
        assertThat(runMain(new FakeApp("app"), "--verbose")).isEqualTo(2);
        assertThat(runMain(new FakeApp("app"), "--set", "http.port=eighty")).isEqualTo(2);
        assertThat(events).filteredOn(e -> e.startsWith("stderr")).containsExactly(
                "stderr: app: unexpected argument '--verbose'; usage: app [--config FILE] [--set key=value]...",
                "stderr: app: Invalid value eighty for configuration http.port: expected a whole number");

        FakeApp refused = new FakeApp("app");
        refused.onStart = new TopicLimits.TopicLimitException("topic t takes records up to 100 bytes");
        assertThat(runMain(refused, "--set", "http.port=0")).isEqualTo(1);
        assertThat(events).last().isEqualTo("stderr: app: topic t takes records up to 100 bytes");

        FakeApp failing = new FakeApp("app");
        CompletableFuture.delayedExecutor(200, java.util.concurrent.TimeUnit.MILLISECONDS)
                .execute(() -> failing.terminated.complete(KafkaStreams.State.ERROR));
        assertThat(runMain(failing, "--set", "http.port=0")).isEqualTo(1);

        FakeApp stopped = new FakeApp("app");
        CompletableFuture.delayedExecutor(200, java.util.concurrent.TimeUnit.MILLISECONDS)
                .execute(() -> stopped.terminated.complete(KafkaStreams.State.NOT_RUNNING));
        assertThat(runMain(stopped, "--set", "http.port=0")).isZero();
    }
}
