package io.meterflow.ingest.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterflow.http.HttpError;
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
 * Customers from alias-sync's customer API ({@code GET /v1/customers/{id}}), for an ingest-stream that runs apart
 * from alias-sync. A failure leaves the name out of the search result rather than failing the search; whether a
 * customer exists is answered only when alias-sync answers 200 or 404, else the request is a 503.
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
            HttpResponse<byte[]> response = get(customerId);
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

    /** 200 from alias-sync: it exists; 404: it does not; anything else: a 503, as alias-sync cannot tell now. */
    @Override
    public Optional<Boolean> exists(String customerId) {
        int status;
        try {
            status = get(customerId).statusCode();
        } catch (java.io.IOException e) {
            throw HttpError.unavailable("could not ask alias-sync at " + baseUrl + " whether customer " + customerId
                    + " exists (" + e.getMessage() + "); retry");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HttpError.unavailable("interrupted while asking alias-sync about customer " + customerId);
        }
        if (status == 200 || status == 404) {
            return Optional.of(status == 200);
        }
        throw HttpError.unavailable("alias-sync at " + baseUrl + " answered " + status + " when asked whether customer "
                + customerId + " exists; retry");
    }

    private HttpResponse<byte[]> get(String customerId) throws java.io.IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/customers/"
                + URLEncoder.encode(customerId, StandardCharsets.UTF_8).replace("+", "%20")))
                .timeout(Duration.ofSeconds(5)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
