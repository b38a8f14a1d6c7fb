package io.meterflow.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every error is {@code {"message": ...}} with the right status, whether a handler, HttpService or Jetty itself
 * answers it, and a client's malformed request never leaves an ERROR in the log.
 */
class HttpErrorAnswersTest {

    private static final String TOKEN = "a-token-of-sixteen-chars";
    private static final String AUTH = "Authorization: Bearer " + TOKEN + "\r\n";

    private static HttpService service;
    private LogCapture log;

    @BeforeAll
    static void start() {
        service = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 4096, 4);
        service.route("POST", "/v1/echo", r -> HttpResponse.text(200, "text/plain",
                new String(r.body(), StandardCharsets.UTF_8) + "|" + r.queryParam("q")));
        service.route("GET", "/v1/customers/{customer_id}", r -> HttpResponse.json(200,
                Map.of("id", r.pathParam("customer_id"), "limit", String.valueOf(r.queryParam("limit")))));
        service.route("POST", "/v1/json", r -> HttpResponse.json(200, Map.of("type", r.json().getNodeType())));
        service.route("GET", "/v1/recursion", r -> {
            throw new StackOverflowError();
        });
        service.openRoute("GET", "/open", r -> HttpResponse.json(200, Map.of("ok", true)));
        service.start();
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    @BeforeEach
    void captureLog() {
        log = new LogCapture();
    }

    @AfterEach
    void stopCapturing() {
        log.close();
    }

    private static RawHttp.Answer exchange(String request) throws IOException {
        try (RawHttp http = new RawHttp(service)) {
            return http.exchange(request);
        }
    }

    private static void assertJsonError(RawHttp.Answer answer, int status) {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.body()).startsWith("{\"message\":\"").endsWith("\"}").doesNotContain("<html", "at org.");
    }

    @Test
    void answersANegativeOrNonNumericContentLengthWith400Json() throws IOException {
        for (String length : new String[] {"-5", "abc"}) {
            assertJsonError(exchange("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: " + length
                    + "\r\n\r\nhello"), 400);
        }
        assertThat(log.errors()).isEmpty();
    }

    @Test
    void answersAGarbledRequestLineWith400Json() throws IOException {
        assertJsonError(exchange("GARBAGE\r\n\r\n"), 400);
        assertJsonError(exchange("GET /open HTTP/1.1 extra\r\nHost: x\r\n\r\n"), 400);
    }

    @Test
    void answersAnUnsupportedHttpVersionWithJson() throws IOException {
        RawHttp.Answer answer = exchange("GET /open HTTP/7.1\r\nHost: x\r\n\r\n");
        assertThat(answer.status()).isBetween(400, 505);
        assertJsonError(answer, answer.status());
    }

    @Test
    void answersAUriLongerThanTheHeaderLimitWith414Json() throws IOException {
        assertJsonError(exchange("GET /open?" + "q".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414);
    }

    @Test
    void answersATruncatedGzipBodyWith400JsonAndNoErrorLog() throws IOException {
        byte[] gzip = gzip("hello hello hello hello");
        byte[] truncated = Arrays.copyOf(gzip, gzip.length - 6);
        try (RawHttp http = new RawHttp(service)) {
            http.send("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Encoding: gzip\r\nContent-Length: "
                    + truncated.length + "\r\n\r\n").send(truncated);
            RawHttp.Answer answer = http.read();
            assertJsonError(answer, 400);
            assertThat(answer.body()).contains("gzip");
        }
        assertThat(log.errors()).isEmpty();
    }

    @Test
    void answersABodyShorterThanItsContentLengthWith400JsonWhenTheClientHalfCloses() throws IOException {
        try (RawHttp http = new RawHttp(service)) {
            http.send("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: 100\r\n\r\nonly this");
            http.socket().shutdownOutput();
            assertJsonError(http.read(), 400);
        }
        assertThat(log.errors()).isEmpty();
    }

    @Test
    void answersAnInvalidChunkSizeWith400JsonAndNoErrorLog() throws IOException {
        assertJsonError(exchange("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" + AUTH
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"), 400);
        assertThat(log.errors()).isEmpty();
    }

    @Test
    void answersAMalformedPercentEscapeInThePathWith400JsonNamingIt() throws IOException {
        for (String segment : new String[] {"%zz", "%4", "%", "a%G1b"}) {
            RawHttp.Answer answer = exchange("GET /v1/customers/" + segment + " HTTP/1.1\r\nHost: x\r\n" + AUTH
                    + "\r\n");
            assertJsonError(answer, 400);
            assertThat(answer.body()).as(segment).containsIgnoringCase("percent-escape");
        }
    }

    @Test
    void answersAMalformedPercentEscapeInTheQueryWith400JsonNamingIt() throws IOException {
        for (String value : new String[] {"%G1", "%4", "%"}) {
            RawHttp.Answer answer = exchange("GET /v1/customers/c1?limit=" + value + " HTTP/1.1\r\nHost: x\r\n"
                    + AUTH + "\r\n");
            assertJsonError(answer, 400);
            assertThat(answer.body()).as(value).containsIgnoringCase("percent-escape").contains("limit");
        }
    }

    @Test
    void answersJsonNestedDeeperThanJacksonAllowsWith400() throws IOException {
        String deep = "[".repeat(1200) + "]".repeat(1200);
        RawHttp.Answer answer = exchange("POST /v1/json HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: "
                + deep.length() + "\r\n\r\n" + deep);
        assertJsonError(answer, 400);
        assertThat(answer.body()).contains("not valid JSON");
    }

    @Test
    void answersABodyOfWhitespaceOrWithTrailingContentWith400() throws IOException {
        for (String body : new String[] {"   ", "{\"a\":1} {\"b\":2}", "{\"a\":1} x"}) {
            RawHttp.Answer answer = exchange("POST /v1/json HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: "
                    + body.length() + "\r\n\r\n" + body);
            assertJsonError(answer, 400);
        }
    }

    @Test
    void answersAHandlersStackOverflowWith500AndLogsIt() throws IOException {
        RawHttp.Answer answer = exchange("GET /v1/recursion HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\n");
        assertJsonError(answer, 500);
        assertThat(answer.body()).contains("internal error");
        assertThat(log.errors()).hasSize(1);
    }

    @Test
    void marksClientErrorsAsNotRetryableExceptTimeoutsConflictsAndRateLimits() throws IOException {
        RawHttp.Answer badRequest = exchange("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" + AUTH
                + "Content-Length: abc\r\n\r\n");
        RawHttp.Answer unauthorized = exchange("GET /v1/customers/c1 HTTP/1.1\r\nHost: x\r\n\r\n");
        RawHttp.Answer tooLarge = exchange("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" + AUTH
                + "Content-Length: 5000\r\n\r\n" + "x".repeat(5000));
        RawHttp.Answer unsupported = exchange("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" + AUTH
                + "Content-Encoding: br\r\nContent-Length: 2\r\n\r\nhi");
        for (RawHttp.Answer answer : new RawHttp.Answer[] {badRequest, unauthorized, tooLarge, unsupported}) {
            assertThat(answer.header("x-should-retry")).as(answer.toString()).isEqualTo("false");
        }
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(unsupported.status()).isEqualTo(415);
    }

    @Test
    void answersHeadOnAGetRouteWithItsHeadersAndNoBody() throws IOException {
        try (RawHttp http = new RawHttp(service)) {
            RawHttp.Answer get = http.exchange("GET /open HTTP/1.1\r\nHost: x\r\n\r\n");
            http.send("HEAD /open HTTP/1.1\r\nHost: x\r\n\r\n");
            // A HEAD answer has no body whatever its Content-Length says: read the head only, then ask again.
            RawHttp.Answer head = http.readHeadOnly();
            RawHttp.Answer again = http.exchange("GET /open HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(get.header("Content-Length"));
            assertThat(again.body()).isEqualTo(get.body());
        }
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
