package io.meterflow.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Headers too large, too many API requests at once, and a graceful stop. */
class HttpLimitsTest {

    private static final String TOKEN = "a-token-of-sixteen-chars";
    private static final String AUTH = "Authorization: Bearer " + TOKEN + "\r\n";

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpService started(HttpService service) {
        service.route("GET", "/v1/thing", r -> HttpResponse.json(200, Map.of("ok", true)));
        service.openRoute("GET", "/open", r -> HttpResponse.json(200, Map.of("ok", true)));
        service.start();
        return service;
    }

    private static void assertHeadersTooLarge(RawHttp.Answer answer) {
        assertThat(answer.status()).isEqualTo(431);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.body()).startsWith("{\"message\":\"");
        assertThat(answer.header("x-should-retry")).isEqualTo("false");
    }

    @Test
    void answers431JsonToHeadersLargerThanTheLimit() throws IOException {
        HttpService service = started(HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1024, 2));
        try (LogCapture log = new LogCapture(); RawHttp http = new RawHttp(service)) {
            assertHeadersTooLarge(http.exchange("GET /v1/thing HTTP/1.1\r\nHost: x\r\n" + AUTH + "X-Big: "
                    + "b".repeat(20 * 1024) + "\r\n\r\n"));
            assertThat(log.errors()).isEmpty();
        } finally {
            service.close();
        }
    }

    @Test
    void answers431JsonToFiveThousandSmallHeaders() throws IOException {
        HttpService service = started(HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1024, 2));
        List<String> answered = new CopyOnWriteArrayList<>();
        service.onAnswer((route, status) -> answered.add(route + " " + status));
        StringBuilder request = new StringBuilder("GET /v1/thing HTTP/1.1\r\nHost: x\r\n" + AUTH);
        for (int i = 0; i < 5000; i++) {
            request.append("X-").append(i).append(": v\r\n");
        }
        try (RawHttp http = new RawHttp(service)) {
            assertHeadersTooLarge(http.exchange(request.append("\r\n").toString()));
            // Jetty answers it before any route is chosen; it is still counted (meterflow.http.responses).
            assertThat(answered).containsExactly("unmatched 431");
        } finally {
            service.close();
        }
    }

    @Test
    void answers431ToAOneMegabyteAuthorizationHeaderSoThatTheClientCanReadIt() throws IOException {
        HttpService service = started(HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1024, 2));
        try (RawHttp http = new RawHttp(service)) {
            http.send("GET /v1/thing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ");
            // A well-behaved client sends in chunks and stops when an answer arrives; it must be able to read it.
            byte[] chunk = "t".repeat(8 * 1024).getBytes(StandardCharsets.US_ASCII);
            for (int sent = 0; sent < 1024 * 1024 && http.socket().getInputStream().available() == 0;
                    sent += chunk.length) {
                http.send(chunk);
                sleep(5);
            }
            assertHeadersTooLarge(http.read());
        } finally {
            service.close();
        }
    }

    @Test
    void keepsTheLimitConfigurable() throws IOException {
        HttpService service = started(HttpService.bind("127.0.0.1", 0, Set.of(TOKEN),
                HttpLimits.DEFAULTS.withMaxHeaderBytes(4096)));
        try (RawHttp http = new RawHttp(service)) {
            assertHeadersTooLarge(http.exchange("GET /v1/thing HTTP/1.1\r\nHost: x\r\n" + AUTH + "X-Big: "
                    + "b".repeat(5000) + "\r\n\r\n"));
        } finally {
            service.close();
        }
    }

    @Test
    void answers503WithRetryAfterBeyondTheConcurrentApiRequestsWhileOpenRoutesKeepAnswering() throws Exception {
        int limit = 3;
        HttpService service = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1024, limit);
        CountDownLatch entered = new CountDownLatch(limit);
        CountDownLatch release = new CountDownLatch(1);
        service.route("GET", "/v1/wait", r -> {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
            return HttpResponse.json(200, Map.of("waited", true));
        });
        started(service);
        try {
            List<CompletableFuture<java.net.http.HttpResponse<String>>> waiting = new ArrayList<>();
            for (int i = 0; i < limit; i++) {
                waiting.add(client.sendAsync(get(service, "/v1/wait"), BodyHandlers.ofString()));
            }
            assertThat(entered.await(10, TimeUnit.SECONDS)).as("handlers busy").isTrue();

            long started = System.nanoTime();
            var refused = client.send(get(service, "/v1/thing"), BodyHandlers.ofString());
            assertThat((System.nanoTime() - started) / 1_000_000).as("answered at once").isLessThan(2000);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(refused.headers().firstValue("x-should-retry")).hasValue("true");
            assertThat(refused.body()).startsWith("{\"message\":");
            for (int i = 0; i < 5; i++) {
                assertThat(client.send(java.net.http.HttpRequest.newBuilder(URI.create(service.baseUrl() + "/open"))
                        .timeout(Duration.ofSeconds(2)).build(), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            }

            release.countDown();
            for (var answer : waiting) {
                assertThat(answer.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(client.send(get(service, "/v1/thing"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        } finally {
            release.countDown();
            service.close();
        }
    }

    @Test
    void closeLetsARequestInFlightFinishThenRefusesConnections() throws Exception {
        HttpService service = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1024, 2);
        CountDownLatch entered = new CountDownLatch(1);
        service.route("GET", "/v1/slow", r -> {
            entered.countDown();
            Thread.sleep(500);
            return HttpResponse.json(200, Map.of("done", true));
        });
        started(service);
        int port = service.port();
        try (RawHttp idle = new RawHttp(service)) {
            assertThat(idle.exchange("GET /open HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
            var inFlight = client.sendAsync(get(service, "/v1/slow"), BodyHandlers.ofString());
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            long started = System.nanoTime();
            service.close();
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(2500);
            var answer = inFlight.get(5, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("{\"done\":true}");
            assertThat(idle.closedByServerWithin(1000)).as("kept-alive connection closed").isTrue();
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    private static java.net.http.HttpRequest get(HttpService service, String path) {
        return java.net.http.HttpRequest.newBuilder(URI.create(service.baseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(20)).build();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
