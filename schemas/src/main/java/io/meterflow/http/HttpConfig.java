package io.meterflow.http;

import io.meterflow.config.Settings;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;

/**
 * HTTP settings of an app: {@code http.host} (default {@code 0.0.0.0}), {@code http.port} (default 8080, 0 picks a
 * free port), {@code api.tokens} (comma-separated bearer tokens, each at least 16 characters) and
 * {@code http.max.body.bytes} (default 1 MiB; larger requests answer 413).
 */
public record HttpConfig(String host, int port, Set<String> apiTokens, long maxBodyBytes) {

    public static final String HOST = "http.host";
    public static final String PORT = "http.port";
    public static final String API_TOKENS = "api.tokens";
    public static final String MAX_BODY_BYTES = "http.max.body.bytes";
    public static final int MIN_TOKEN_LENGTH = 16;
    /** The host name other instances reach this one at (default {@code localhost}); see {@link #withApplicationServer}. */
    public static final String ADVERTISED_HOST = "http.advertised.host";
    /** Kafka Streams' {@code application.server}, as passed through {@code kafka.*}. */
    public static final String APPLICATION_SERVER = "kafka.application.server";

    public HttpConfig {
        apiTokens = Set.copyOf(apiTokens);
    }

    public static HttpConfig from(Settings settings, String defaultHost) {
        Set<String> tokens = Arrays.stream(settings.string(API_TOKENS, "").split(","))
                .map(String::strip).filter(t -> !t.isEmpty()).collect(Collectors.toUnmodifiableSet());
        for (String token : tokens) {
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new ConfigException(API_TOKENS, "(hidden)", "each API token must be at least "
                        + MIN_TOKEN_LENGTH + " characters");
            }
        }
        return new HttpConfig(
                settings.string(HOST, defaultHost),
                settings.intValue(PORT, 8080, 0, 65_535),
                tokens,
                settings.longValue(MAX_BODY_BYTES, 1 << 20, 1024, 64L << 20));
    }

    /** Binds the port (failing now if it is taken); routes are added by the caller, then it starts the service. */
    public HttpService bind() {
        return HttpService.bind(host, port, apiTokens, maxBodyBytes, 8);
    }

    /**
     * {@code settings} with {@value #APPLICATION_SERVER} set to {@code <http.advertised.host>:<bound port>} unless it
     * is set already: Kafka Streams then publishes each instance's HTTP address in its metadata, so that a request for
     * a key another instance holds can be forwarded there.
     */
    public static Settings withApplicationServer(Settings settings, HttpService bound) {
        if (settings.has(APPLICATION_SERVER)) {
            return settings;
        }
        java.util.Map<String, String> values = new java.util.HashMap<>(settings.asMap());
        values.put(APPLICATION_SERVER, settings.string(ADVERTISED_HOST, "localhost") + ":" + bound.port());
        return Settings.of(values);
    }
}
