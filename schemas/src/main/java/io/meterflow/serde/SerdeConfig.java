package io.meterflow.serde;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.config.ConfigException;

/**
 * Reads the serde settings, under Confluent's own keys so that configuration written for Confluent's serdes
 * works unchanged, and picks the registry client they describe.
 */
public final class SerdeConfig {

    /** {@code http(s)://host:port[,http(s)://...]} for a Confluent-compatible registry, or {@code mock://scope}. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** {@code user:password} for HTTP basic auth against the registry. */
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    /** Confluent's companion key; only {@code USER_INFO} (the default) is supported. */
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    /** Whether serializers register their schema (default true); when false the schema must already be registered. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** Registry request timeout in milliseconds (default 10000). */
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";

    static final String MOCK_PREFIX = "mock://";

    private static final Map<String, SchemaRegistryClient> HTTP_CLIENTS = new ConcurrentHashMap<>();

    private SerdeConfig() {
    }

    /**
     * The registry client for these settings. HTTP clients are shared per URL and credentials, so every serde of a
     * process hits the registry once per schema. An HTTP client falls back to the built-in schemas for IDs the
     * registry does not have that the in-process registry gave them ({@link BuiltInSchemaFallback}), so records
     * written with {@code mock://} stay readable after a move to a real registry.
     */
    public static SchemaRegistryClient registry(Map<String, ?> configs) {
        String url = validatedUrl(configs);
        Duration timeout = Duration.ofMillis(longValue(configs, REQUEST_TIMEOUT_MS, 10_000L));
        if (url.startsWith(MOCK_PREFIX)) {
            return MockSchemaRegistry.forScope(url.substring(MOCK_PREFIX.length()));
        }
        List<String> urls = httpUrls(url);
        String userInfo = userInfo(configs);
        String cacheKey = url + '\n' + userInfo + '\n' + timeout.toMillis();
        return HTTP_CLIENTS.computeIfAbsent(cacheKey,
                k -> new BuiltInSchemaFallback(new HttpSchemaRegistryClient(urls, userInfo, timeout)));
    }

    /**
     * A client for the Confluent-compatible registry these settings name, without the fallback to built-in schemas
     * and not shared: for tools that must see exactly what the registry holds. Refuses {@code mock://}.
     */
    public static HttpSchemaRegistryClient httpRegistry(Map<String, ?> configs) {
        String url = validatedUrl(configs);
        if (url.startsWith(MOCK_PREFIX)) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, url,
                    "expected the http(s):// URL of a Confluent-compatible registry");
        }
        return new HttpSchemaRegistryClient(httpUrls(url), userInfo(configs),
                Duration.ofMillis(longValue(configs, REQUEST_TIMEOUT_MS, 10_000L)));
    }

    /** Checks every serde key and returns the registry URL. */
    private static String validatedUrl(Map<String, ?> configs) {
        Object raw = configs.get(SCHEMA_REGISTRY_URL);
        if (raw == null || raw.toString().isBlank()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL + " is required (an http(s):// registry URL or mock://scope)");
        }
        // Every serde key is checked whatever the registry, so that a typo fails at start-up, not after a switch
        // from mock:// to a real registry.
        Object source = configs.get(BASIC_AUTH_CREDENTIALS_SOURCE);
        if (source != null && !source.toString().isBlank() && !"USER_INFO".equals(source.toString().strip())) {
            throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE, source, "only USER_INFO is supported");
        }
        longValue(configs, REQUEST_TIMEOUT_MS, 10_000L);
        autoRegister(configs);
        String url = raw.toString().strip();
        if (url.equals(MOCK_PREFIX)) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, url, "mock:// needs a scope name, e.g. mock://meterflow");
        }
        return url;
    }

    private static String userInfo(Map<String, ?> configs) {
        Object userInfo = configs.get(BASIC_AUTH_USER_INFO);
        return userInfo == null ? null : userInfo.toString();
    }

    private static List<String> httpUrls(String url) {
        List<String> urls = Arrays.stream(url.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        for (String u : urls) {
            if (!u.startsWith("http://") && !u.startsWith("https://")) {
                throw new ConfigException(SCHEMA_REGISTRY_URL, url, "expected http(s)://host:port or mock://scope");
            }
            try {
                java.net.URI uri = java.net.URI.create(u);
                if (uri.getHost() == null) {
                    throw new ConfigException(SCHEMA_REGISTRY_URL, url, "no host in " + u);
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(SCHEMA_REGISTRY_URL, url, "not a valid URL: " + e.getMessage());
            }
        }
        if (urls.isEmpty()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL, url, "expected http(s)://host:port or mock://scope");
        }
        return urls;
    }

    static boolean autoRegister(Map<String, ?> configs) {
        Object value = configs.get(AUTO_REGISTER_SCHEMAS);
        if (value == null) {
            return true;
        }
        String text = value.toString().strip();
        if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
            throw new ConfigException(AUTO_REGISTER_SCHEMAS, value, "expected true or false");
        }
        return Boolean.parseBoolean(text);
    }

    private static long longValue(Map<String, ?> configs, String key, long fallback) {
        Object value = configs.get(key);
        if (value == null) {
            return fallback;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value.toString().strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "expected a whole number of milliseconds");
        }
        if (parsed <= 0) {
            throw new ConfigException(key, value, "must be a positive number of milliseconds");
        }
        return parsed;
    }
}
