package io.meterflow.benchmark;

import io.meterflow.config.Settings;
import io.meterflow.http.HttpService;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.api.CustomerNames;
import io.meterflow.ingest.api.UsageApi;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;

/**
 * HTTP ingest as a Metronome client uses it: {@code POST /v1/ingest} with 100-event batches, each client on one
 * kept-alive connection sending its next request when the previous one is answered, for a fixed time, with 1 and with
 * 16 clients. ingest-stream runs behind the API as in the standalone (it competes for the same cores), and the
 * count check waits until every event answered 200 has reached ingest-stream and ended in an outcome.
 */
final class HttpIngestScenario {

    static final String NAME = "http-ingest";
    static final int EVENTS_PER_REQUEST = 100;
    private static final String TOKEN = "benchmark-token-0123456789";

    /** One measured run with {@code connections} clients. */
    record Run(int connections, double seconds, long requests, long events, long failed,
               ScenarioContext.Percentiles requestMs) {
        double eventsPerSecond() {
            return seconds > 0 ? events / seconds : 0;
        }
    }

    /** Every run, and whether every accepted event reached an outcome. */
    record Result(List<Run> runs, long accepted, long outcomes, boolean checkPassed, String check) {
    }

    private final Map<String, String> settings;
    private final Duration duration;
    private final PrintStream out;
    private final String run;

    HttpIngestScenario(Map<String, String> settings, Duration duration, String run, PrintStream out) {
        this.settings = Map.copyOf(settings);
        this.duration = duration;
        this.run = run;
        this.out = out;
    }

    Result measure(int... connectionCounts) throws InterruptedException {
        out.printf("%n[http] HTTP ingest: POST /v1/ingest, %d events per request, kept-alive connections, %d s per"
                + " run; ingest-stream running behind it%n", EVENTS_PER_REQUEST, duration.toSeconds());
        MeterRegistry registry = new SimpleMeterRegistry();
        IngestApp ingest = new IngestApp(IngestConfig.from(Settings.of(settings)), registry);
        HttpService http = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1 << 20, 32);
        UsageApi api = UsageApi.install(http, ingest, Set.of(TOKEN), CustomerNames.none());
        try {
            ingest.start();
            awaitRunning(ingest);
            http.start();
            List<Run> runs = new ArrayList<>();
            for (int connections : connectionCounts) {
                Run measured = runClients(http.baseUrl(), connections);
                runs.add(measured);
                out.printf("  => http ingest, %2d connection%s: %,.0f events/s (%,d requests, %d failed); request"
                                + " p50 %d ms, p99 %d ms%n", connections, connections == 1 ? " " : "s",
                        measured.eventsPerSecond(), measured.requests(), measured.failed(),
                        measured.requestMs().p50(), measured.requestMs().p99());
            }
            long accepted = runs.stream().mapToLong(Run::events).sum();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120 + accepted / 2_000);
            while (outcomes(registry) < accepted && System.nanoTime() < deadline && ScenarioContext.alive(ingest)) {
                Thread.sleep(200);
            }
            long outcomes = (long) outcomes(registry);
            long failed = runs.stream().mapToLong(Run::failed).sum();
            boolean passed = outcomes == accepted && failed == 0;
            String check = (passed ? "OK: " : "FAILED: ") + String.format("%,d events answered 200, %,d outcomes in"
                    + " ingest-stream, %d requests not answered 200", accepted, outcomes, failed);
            out.println("  => http ingest check " + check);
            return new Result(runs, accepted, outcomes, passed, check);
        } finally {
            http.close();
            api.close();
            ingest.close();
        }
    }

    private Run runClients(String baseUrl, int connections) throws InterruptedException {
        AtomicLong requests = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        List<Future<long[]>> clients = new ArrayList<>();
        long started = System.nanoTime();
        long deadline = started + duration.toNanos();
        for (int c = 0; c < connections; c++) {
            String clientId = run + "-" + connections + "-" + c;
            clients.add(pool.submit(() -> client(baseUrl, clientId, deadline, requests, failed)));
        }
        for (Future<long[]> client : clients) {
            try {
                latencies.add(client.get());
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("an HTTP client failed", e.getCause());
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        pool.shutdown();
        long[] all = latencies.stream().flatMapToLong(java.util.Arrays::stream).toArray();
        long ok = requests.get() - failed.get();
        return new Run(connections, seconds, requests.get(), ok * EVENTS_PER_REQUEST, failed.get(),
                ScenarioContext.Percentiles.of(all));
    }

    /** One client: its own HttpClient (one kept-alive connection), sending until the deadline. */
    private static long[] client(String baseUrl, String clientId, long deadline, AtomicLong requests,
            AtomicLong failed) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create(baseUrl + "/v1/ingest");
        long[] latencies = new long[1024];
        int n = 0;
        for (long seq = 0; System.nanoTime() < deadline; seq++) {
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body(clientId, seq)))
                    .build();
            long sent = System.nanoTime();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (n == latencies.length) {
                latencies = java.util.Arrays.copyOf(latencies, n * 2);
            }
            latencies[n++] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            requests.incrementAndGet();
            if (response.statusCode() != 200) {
                failed.incrementAndGet();
            }
        }
        return java.util.Arrays.copyOf(latencies, n);
    }

    private static String body(String clientId, long seq) {
        String timestamp = Instant.now().minusSeconds(5).toString();
        StringBuilder json = new StringBuilder(EVENTS_PER_REQUEST * 180).append('[');
        for (int i = 0; i < EVENTS_PER_REQUEST; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append("{\"transaction_id\":\"h-").append(clientId).append('-').append(seq).append('-').append(i)
                    .append("\",\"customer_id\":\"http-org-").append(i % 50)
                    .append("\",\"event_type\":\"api_call\",\"timestamp\":\"").append(timestamp)
                    .append("\",\"properties\":{\"tokens\":").append(100 + i).append(",\"price\":0.1}}");
        }
        return json.append(']').toString();
    }

    private static double outcomes(MeterRegistry registry) {
        return ScenarioContext.sum(registry, IngestMetrics.OUTCOMES);
    }

    private static void awaitRunning(IngestApp app) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!app.isRunning()) {
            if (app.state() == KafkaStreams.State.ERROR || System.nanoTime() > deadline) {
                throw new IllegalStateException("ingest-stream did not reach RUNNING: " + app.state());
            }
            Thread.sleep(50);
        }
    }
}
