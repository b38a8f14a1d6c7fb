package io.meterflow.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Calls another instance of the same app for the part of a request whose state that instance holds (Kafka Streams'
 * key metadata names the host, from its {@code application.server}). Authenticates with one of this instance's own
 * API tokens: every instance of a deployment shares the token list. A peer that cannot be reached answers 503.
 */
public final class PeerClient {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String token;
    private final Duration timeout;

    /** @param token a token the peers accept (null when none is configured: peers will answer 401) */
    public PeerClient(String token, Duration timeout) {
        this.token = token;
        this.timeout = timeout;
    }

    /** A token from the service's configuration, for {@link #PeerClient(String, Duration)}. */
    public static String anyToken(java.util.Set<String> tokens) {
        return tokens.stream().sorted().findFirst().orElse(null);
    }

    /** GET {@code path} on {@code host}; empty on 404, the JSON body on 200, else an {@link HttpError}. */
    public Optional<JsonNode> get(HostInfo host, String path) {
        return send(host, path, null);
    }

    /** POST a JSON body to {@code path} on {@code host}; as {@link #get}. */
    public Optional<JsonNode> post(HostInfo host, String path, Object body) {
        return send(host, path, body);
    }

    private Optional<JsonNode> send(HostInfo host, String path, Object body) {
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + path);
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Accept", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            if (body == null) {
                request.GET();
            } else {
                request.header("Content-Type", "application/json")
                        .POST(BodyPublishers.ofByteArray(HttpRequest.JSON.writeValueAsBytes(body)));
            }
            java.net.http.HttpResponse<byte[]> response = client.send(request.build(), BodyHandlers.ofByteArray());
            if (response.statusCode() == 404) {
                return Optional.empty();
            }
            if (response.statusCode() != 200) {
                throw HttpError.unavailable("instance " + host.host() + ":" + host.port() + " answered "
                        + response.statusCode() + " to " + path);
            }
            return Optional.of(HttpRequest.JSON.readTree(response.body()));
        } catch (IOException e) {
            throw HttpError.unavailable("instance " + host.host() + ":" + host.port() + " could not be reached: "
                    + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HttpError.unavailable("interrupted while asking " + host.host() + ":" + host.port());
        }
    }

    /** {@code host:port} for Kafka Streams' {@code application.server}, from a bound service's address. */
    public static String applicationServer(HttpService service, String advertisedHost) {
        return advertisedHost + ":" + service.port();
    }
}
