package io.meterflow.http;

import io.meterflow.config.Settings;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;

/**
 * HTTP settings of an app: {@code http.host} (default {@code 0.0.0.0}), {@code http.port} (default 8080, 0 picks a
 * free port), {@code api.tokens} (comma-separated bearer tokens, each at least 16 characters) and the
 * {@link HttpLimits}: {@code http.max.body.bytes} (default 1 MiB; larger requests answer 413),
 * {@code http.max.concurrent.requests} (64; more API requests at once answer 503), {@code http.max.header.bytes}
 * (16 KiB; larger answer 431), {@code http.header.timeout} (10 s), {@code http.body.timeout} (30 s, then 408) and
 * {@code http.idle.timeout} (30 s).
 */
public record HttpConfig(String host, int port, Set<String> apiTokens, HttpLimits limits) {

    public static final String HOST = "http.host";
    public static final String PORT = "http.port";
    public static final String API_TOKENS = "api.tokens";
    public static final String MAX_BODY_BYTES = "http.max.body.bytes";
    public static final String MAX_CONCURRENT_REQUESTS = "http.max.concurrent.requests";
    public static final String MAX_HEADER_BYTES = "http.max.header.bytes";
    public static final String HEADER_TIMEOUT = "http.header.timeout";
    public static final String BODY_TIMEOUT = "http.body.timeout";
    public static final String IDLE_TIMEOUT = "http.idle.timeout";
    public static final int MIN_TOKEN_LENGTH = 16;
    /** The host name other instances reach this one at (default {@code localhost}); see {@link #withApplicationServer}. */
    public static final String ADVERTISED_HOST = "http.advertised.host";
    /** How long an API write waits to be applied before answering 503 (both apps' APIs). */
    public static final String WRITE_TIMEOUT = "api.write.timeout";
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(15);
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
        HttpLimits defaults = HttpLimits.DEFAULTS;
        HttpLimits limits = new HttpLimits(
                settings.longValue(MAX_BODY_BYTES, defaults.maxBodyBytes(), 1024, 64L << 20),
                settings.intValue(MAX_CONCURRENT_REQUESTS, defaults.maxConcurrentRequests(), 1, 1024),
                settings.intValue(MAX_HEADER_BYTES, defaults.maxHeaderBytes(), 1024, 1 << 20),
                positive(settings, HEADER_TIMEOUT, defaults.headerTimeout()),
                positive(settings, BODY_TIMEOUT, defaults.bodyTimeout()),
                positive(settings, IDLE_TIMEOUT, defaults.idleTimeout()));
        return new HttpConfig(
                settings.string(HOST, defaultHost),
                settings.intValue(PORT, 8080, 0, 65_535),
                tokens,
                limits);
    }

    private static Duration positive(Settings settings, String key, Duration fallback) {
        Duration value = settings.duration(key, fallback);
        if (value.toMillis() < 1) {
            throw new ConfigException(key, settings.string(key, ""), "must be at least 1ms");
        }
        return value;
    }

    /** Binds the port (failing now if it is taken); routes are added by the caller, then it starts the service. */
    public HttpService bind() {
        return HttpService.bind(host, port, apiTokens, limits);
    }

    /**
     * {@code settings} with {@value #APPLICATION_SERVER} set to {@code <http.advertised.host>:<bound port>} unless it
     * is set already: Kafka Streams then publishes each instance's HTTP address in its metadata, so that a request for
     * a key another instance holds can be forwarded there.
     */
    public static Settings withApplicationServer(Settings settings, HttpService bound) {
        // A view, not a copy: what the app reads from it still counts against the typo warning of the original.
        return settings.withDefaults(java.util.Map.of(APPLICATION_SERVER,
                settings.string(ADVERTISED_HOST, "localhost") + ":" + bound.port()));
    }
}
