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
}
