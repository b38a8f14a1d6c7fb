package io.meterflow.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Requests on a kept-alive connection are answered without Nagle's delay: with headers and body in separate small
 * writes, the body waited for the client's delayed ACK (about 40 ms on Linux) on every request but the first.
 */
class HttpKeepAliveTest {

    private static final String TOKEN = "a-token-of-sixteen-chars";

    @Test
    void answersTwentyRequestsOnOneKeptAliveConnectionWithoutNagleDelay() throws Exception {
        HttpService service = HttpService.bind("127.0.0.1", 0, Set.of(TOKEN), 1024, 2);
        service.route("POST", "/v1/echo", r -> HttpResponse.json(200, Map.of("size", r.body().length)));
        service.start();
        String body = "{\"transaction_id\":\"tx-1\",\"customer_id\":\"c-1\"}";
        String request = "POST /v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        try (RawHttp http = new RawHttp(service)) {
            List<Double> millis = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                long started = System.nanoTime();
                RawHttp.Answer answer = http.exchange(request);
                millis.add((System.nanoTime() - started) / 1e6);
                assertThat(answer.status()).isEqualTo(200);
                assertThat(answer.body()).isEqualTo("{\"size\":" + body.length() + "}");
            }
            Collections.sort(millis);
            assertThat(millis.get(10)).as("median of %s ms", millis).isLessThan(20.0);
        } finally {
            service.close();
        }
    }
}
