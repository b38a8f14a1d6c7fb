package io.meterflow.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Slow and silent clients: they hold no thread, so everyone else is still answered; they leave no ERROR in the log;
 * and each is dropped when its time is up (header timeout, body timeout, idle timeout).
 */
class HttpSlowClientTest {

    private static final String TOKEN = "a-token-of-sixteen-chars";
    private static final String AUTH = "Authorization: Bearer " + TOKEN + "\r\n";

    private static HttpService start(HttpService service) {
        HealthAndMetrics.install(service, () -> Map.of("app", "RUNNING"), () -> "");
        service.route("POST", "/v1/ingest", r -> HttpResponse.text(200, "text/plain",
                new String(r.body(), StandardCharsets.UTF_8)));
        service.start();
        return service;
    }

    private static HttpService withLimits(HttpLimits limits) {
        return start(HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), limits));
    }

    @Test
    void clientsDribblingHeadersByteByByteDoNotDelayHealthChecksAndLeaveNoError() throws Exception {
        // Eight handler threads, as the apps had: the JDK's server gave each slow connection one of them.
        HttpService service = start(HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1024, 8));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        List<RawHttp> slow = new ArrayList<>();
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < 20; i++) {
                slow.add(new RawHttp(service));
            }
            byte[] line = "POST /v1/ingest HTTP".getBytes(StandardCharsets.US_ASCII);
            List<Long> healthMillis = new ArrayList<>();
            for (int i = 0; i < line.length; i++) {
                for (RawHttp connection : slow) {
                    connection.send(new byte[] {line[i]});
                }
                if (i % 4 == 3) {
                    long started = System.nanoTime();
                    var health = client.send(java.net.http.HttpRequest.newBuilder(
                            URI.create(service.baseUrl() + "/health/live")).timeout(Duration.ofSeconds(3)).build(),
                            BodyHandlers.ofString());
                    healthMillis.add((System.nanoTime() - started) / 1_000_000);
                    assertThat(health.statusCode()).isEqualTo(200);
                }
                Thread.sleep(100);
            }
            assertThat(healthMillis).hasSize(5).allMatch(ms -> ms < 1000);
            for (RawHttp connection : slow) {
                connection.close();
            }
            Thread.sleep(500);
            assertThat(log.errors()).isEmpty();
        } finally {
            for (RawHttp connection : slow) {
                connection.close();
            }
            service.close();
        }
    }

    @Test
    void dropsAConnectionWhoseHeadersTakeLongerThanTheHeaderTimeout() throws Exception {
        HttpService service = withLimits(HttpLimits.DEFAULTS.withHeaderTimeout(Duration.ofSeconds(1)));
        try (LogCapture log = new LogCapture(); RawHttp slow = new RawHttp(service)) {
            long started = System.nanoTime();
            byte[] request = ("POST /v1/ingest HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100))
                    .getBytes(StandardCharsets.US_ASCII);
            boolean closed = false;
            // One byte every 100 ms: each byte would restart an idle timeout, but not the header timeout.
            for (int i = 0; i < request.length && !closed; i++) {
                try {
                    slow.send(new byte[] {request[i]});
                    closed = slow.closedByServerWithin(100);
                } catch (IOException e) {
                    closed = true;
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertThat(closed).as("closed by the server").isTrue();
            assertThat(millis).isBetween(900L, 2500L);
            assertThat(log.errors()).isEmpty();
        } finally {
            service.close();
        }
    }

    @Test
    void dropsAConnectionThatSendsNothingWithinTheHeaderTimeout() throws Exception {
        HttpService service = withLimits(HttpLimits.DEFAULTS.withHeaderTimeout(Duration.ofSeconds(1)));
        try (RawHttp quiet = new RawHttp(service)) {
            long started = System.nanoTime();
            assertThat(quiet.closedByServerWithin(5000)).isTrue();
            assertThat((System.nanoTime() - started) / 1_000_000).isBetween(900L, 2500L);
        } finally {
            service.close();
        }
    }

    @Test
    void countsTheHeaderTimeoutOfALaterRequestFromItsFirstByteNotFromTheConnection() throws Exception {
        HttpService service = withLimits(HttpLimits.DEFAULTS.withHeaderTimeout(Duration.ofSeconds(1)));
        try (RawHttp http = new RawHttp(service)) {
            assertThat(http.exchange("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
            // Quiet between requests for longer than the header timeout: the idle timeout (30 s) applies there.
            assertThat(http.closedByServerWithin(1600)).isFalse();
            assertThat(http.exchange("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
        } finally {
            service.close();
        }
    }

    @Test
    void closesAKeptAliveConnectionAfterTheIdleTimeout() throws Exception {
        HttpService service = withLimits(HttpLimits.DEFAULTS.withIdleTimeout(Duration.ofSeconds(1)));
        try (RawHttp http = new RawHttp(service)) {
            assertThat(http.exchange("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
            long answered = System.nanoTime();
            assertThat(http.closedByServerWithin(5000)).isTrue();
            assertThat((System.nanoTime() - answered) / 1_000_000).isBetween(900L, 2500L);
        } finally {
            service.close();
        }
    }

    @Test
    void answers408WhenABodyDribblesInLongerThanTheBodyTimeout() throws Exception {
        HttpService service = withLimits(HttpLimits.DEFAULTS.withBodyTimeout(Duration.ofSeconds(1)));
        try (LogCapture log = new LogCapture(); RawHttp slow = new RawHttp(service)) {
            slow.send("POST /v1/ingest HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: 100\r\n\r\n");
            long started = System.nanoTime();
            boolean answered = false;
            for (int i = 0; i < 100 && !answered; i++) {
                try {
                    slow.send("x");
                } catch (IOException e) {
                    break;
                }
                answered = slow.socket().getInputStream().available() > 0;
                Thread.sleep(100);
            }
            RawHttp.Answer answer = slow.read();
            assertThat(answer.status()).isEqualTo(408);
            assertThat(answer.body()).startsWith("{\"message\":");
            assertThat(answer.header("Connection")).isEqualTo("close");
            assertThat(answer.header("x-should-retry")).isNull();
            assertThat((System.nanoTime() - started) / 1_000_000).isBetween(900L, 2500L);
            assertThat(log.errors()).isEmpty();
        } finally {
            service.close();
        }
    }

    @Test
    void answers408WhenABodyStopsArrivingForTheIdleTimeout() throws Exception {
        HttpService service = withLimits(HttpLimits.DEFAULTS.withIdleTimeout(Duration.ofSeconds(1)));
        try (LogCapture log = new LogCapture(); RawHttp stalled = new RawHttp(service)) {
            RawHttp.Answer answer = stalled.exchange("POST /v1/ingest HTTP/1.1\r\nHost: x\r\n" + AUTH
                    + "Content-Length: 100\r\n\r\nonly a little");
            assertThat(answer.status()).isEqualTo(408);
            assertThat(answer.body()).startsWith("{\"message\":");
            assertThat(log.errors()).isEmpty();
        } finally {
            service.close();
        }
    }

    @Test
    void letsAHandlerWorkLongerThanTheIdleTimeout() throws Exception {
        HttpService service = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN),
                HttpLimits.DEFAULTS.withIdleTimeout(Duration.ofMillis(500)));
        service.route("GET", "/v1/slow", r -> {
            Thread.sleep(1500);
            return HttpResponse.json(200, Map.of("done", true));
        });
        service.start();
        try (RawHttp http = new RawHttp(service)) {
            RawHttp.Answer answer = http.exchange("GET /v1/slow HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\n");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("{\"done\":true}");
        } finally {
            service.close();
        }
    }
}
