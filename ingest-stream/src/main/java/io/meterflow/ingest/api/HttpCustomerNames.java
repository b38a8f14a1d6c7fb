package io.meterflow.ingest.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Customer names from alias-sync's customer API ({@code GET /v1/customers/{id}}), for an ingest-stream that runs
 * apart from alias-sync. A failure leaves the name out of the search result rather than failing the search.
 */
public final class HttpCustomerNames implements CustomerNames {

    private static final Logger LOG = LoggerFactory.getLogger(HttpCustomerNames.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String baseUrl;
    private final String token;

    public HttpCustomerNames(String baseUrl, String token) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
    }

    @Override
    public Optional<String> nameOf(String customerId) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/customers/"
                    + URLEncoder.encode(customerId, StandardCharsets.UTF_8).replace("+", "%20")))
                    .timeout(Duration.ofSeconds(5)).GET();
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                return Optional.empty();
            }
            JsonNode name = JSON.readTree(response.body()).path("data").path("name");
            return name.isTextual() ? Optional.of(name.asText()) : Optional.empty();
        } catch (java.io.IOException e) {
            LOG.debug("Could not read the name of customer {} from {}", customerId, baseUrl, e);
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
