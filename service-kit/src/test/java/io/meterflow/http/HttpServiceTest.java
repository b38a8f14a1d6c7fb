package io.meterflow.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shared HTTP core: routing, authentication, errors, gzip and size limits, over real HTTP. */
class HttpServiceTest {

    private static final String TOKEN = "a-token-of-sixteen-chars";

    private static HttpService service;
    private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        service = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN, "another-token-16ch"), 1024, 2);
        service.route("POST", "/v1/customers/{customer_id}/setName",
                r -> HttpResponse.json(200, Map.of("id", r.pathParam("customer_id"), "name", r.json().get("name").asText())));
        service.route("POST", "/v1/customers/archive", r -> HttpResponse.json(200, Map.of("archived", true)));
        service.route("GET", "/v1/customers/{customer_id}", r -> {
            throw HttpError.notFound("customer " + r.pathParam("customer_id") + " not found");
        });
        service.route("POST", "/v1/echo", r -> HttpResponse.text(200, "text/plain",
                new String(r.body(), StandardCharsets.UTF_8) + "|" + r.queryParam("q")));
        service.route("POST", "/v1/conflict", r -> {
            throw HttpError.conflict("alias in use");
        });
        service.route("GET", "/v1/boom", r -> {
            throw new IllegalStateException("secret internals");
        });
        service.openRoute("GET", "/open", r -> HttpResponse.json(200, Map.of("ok", true)));
        service.start();
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    private java.net.http.HttpResponse<String> send(String method, String path, byte[] body, String... headers) throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(URI.create(service.baseUrl() + path))
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), BodyHandlers.ofString());
    }

    private static String[] auth(String... more) {
        String[] all = new String[more.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + TOKEN;
        System.arraycopy(more, 0, all, 2, more.length);
        return all;
    }

    @Test
    void answersAnAuthenticatedRouteWithPathParametersAndAJsonBody() throws Exception {
        var response = send("POST", "/v1/customers/c%2F1/setName", "{\"name\":\"Acme\"}".getBytes(StandardCharsets.UTF_8), auth());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"id\":\"c/1\"").contains("\"name\":\"Acme\"");
    }

    @Test
    void refusesAMissingOrWrongTokenWith401InMetronomesErrorShape() throws Exception {
        var missing = send("POST", "/v1/customers/archive", new byte[0]);
        var wrong = send("POST", "/v1/customers/archive", new byte[0], "Authorization", "Bearer not-the-token-at-all");
        var second = send("POST", "/v1/customers/archive", new byte[0], "Authorization", "Bearer another-token-16ch");
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.body()).startsWith("{\"message\":");
        assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(second.statusCode()).isEqualTo(200);
    }

    @Test
    void letsAnyoneCallAnOpenRoute() throws Exception {
        assertThat(send("GET", "/open", null).statusCode()).isEqualTo(200);
    }

    @Test
    void prefersALiteralSegmentOverAParameter() throws Exception {
        var response = send("POST", "/v1/customers/archive", new byte[0], auth());
        assertThat(response.body()).isEqualTo("{\"archived\":true}");
    }

    @Test
    void turnsHttpErrorsIntoMessagesWithTheirStatusAndHeaders() throws Exception {
        var notFound = send("GET", "/v1/customers/nobody", null, auth());
        var conflict = send("POST", "/v1/conflict", new byte[0], auth());
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.body()).isEqualTo("{\"message\":\"customer nobody not found\"}");
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(conflict.headers().firstValue("x-should-retry")).hasValue("false");
    }

    @Test
    void hidesUnexpectedExceptionsBehindA500() throws Exception {
        var response = send("GET", "/v1/boom", null, auth());
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).doesNotContain("secret internals").startsWith("{\"message\":");
    }

    @Test
    void answersUnknownPathsWith404AndWrongMethodsWith405ToAnAuthenticatedCaller() throws Exception {
        assertThat(send("GET", "/v2/nothing", null, auth()).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", "/v1/customers/archive", null, auth()).statusCode()).isEqualTo(405);
    }

    @Test
    void answersTheSame401ToUnknownPathsWrongMethodsAndRoutesWithoutAValidToken() throws Exception {
        for (String[] headers : new String[][] {{}, {"Authorization", "Bearer not-the-token-at-all"}}) {
            var unknown = send("GET", "/v2/nothing", null, headers);
            var wrongMethod = send("DELETE", "/v1/customers/archive", null, headers);
            var route = send("POST", "/v1/customers/archive", new byte[0], headers);
            for (var response : java.util.List.of(unknown, wrongMethod, route)) {
                assertThat(response.statusCode()).isEqualTo(401);
                assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
                assertThat(response.body()).isEqualTo(route.body());
            }
        }
    }

    @Test
    void answersAWrongMethodOnAnOpenRouteWith405WithoutAToken() throws Exception {
        assertThat(send("POST", "/open", new byte[0]).statusCode()).isEqualTo(405);
    }

    @Test
    void acceptsGzipBodiesAndDecodesQueryParameters() throws Exception {
        var response = send("POST", "/v1/echo?q=a%20b", gzip("hello"), auth("Content-Encoding", "gzip"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello|a b");
    }

    @Test
    void refusesBodiesOverTheLimitWith413EvenWhenTheyArriveGzipped() throws Exception {
        byte[] big = "x".repeat(5000).getBytes(StandardCharsets.UTF_8);
        assertThat(send("POST", "/v1/echo", big, auth()).statusCode()).isEqualTo(413);
        // 5000 bytes compress to a few dozen: the limit applies to what the body expands to.
        assertThat(send("POST", "/v1/echo", gzip("x".repeat(5000)), auth("Content-Encoding", "gzip")).statusCode())
                .isEqualTo(413);
    }

    @Test
    void refusesABodyThatIsNotGzipAlthoughItSaysSo() throws Exception {
        var response = send("POST", "/v1/echo", "plain".getBytes(StandardCharsets.UTF_8), auth("Content-Encoding", "gzip"));
        assertThat(response.statusCode()).isEqualTo(400);
    }

    @Test
    void refusesInvalidJsonWith400() throws Exception {
        var response = send("POST", "/v1/customers/c1/setName", "{not json".getBytes(StandardCharsets.UTF_8), auth());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("not valid JSON");
    }

    @Test
    void failsToBindABusyPortWithAMessageForTheUser() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> HttpService.bind("127.0.0.1", taken.getLocalPort(), Set.of(), 1024, 1))
                    .isInstanceOf(HttpService.HttpBindException.class)
                    .hasMessageContaining("HTTP port " + taken.getLocalPort()).hasMessageContaining("already in use");
        }
    }

    @Test
    void releasesThePortWhenClosedWithoutHavingStarted() throws IOException {
        HttpService unstarted = HttpService.bind("127.0.0.1", 0, Set.of(), 1024, 1);
        int port = unstarted.port();
        unstarted.close();
        try (ServerSocket again = new ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void reportsItsAddressWith127001WhenBoundToEveryAddress() {
        HttpService everywhere = HttpService.bind("0.0.0.0", 0, Set.of(), 1024, 1);
        try {
            assertThat(everywhere.baseUrl()).isEqualTo("http://127.0.0.1:" + everywhere.port());
        } finally {
            everywhere.close();
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
