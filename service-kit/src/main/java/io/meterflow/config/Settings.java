package io.meterflow.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.config.ConfigException;

/**
 * Raw settings, layered: a properties file, then environment variables, then explicit overrides (command-line
 * flags). Each key {@code a.b-c} may be set from the environment as {@code METERFLOW_A_B_C}, or read from a file
 * named by {@code METERFLOW_A_B_C_FILE} (secrets mounted into a container). Typed getters
 * validate and fail with a {@link ConfigException} that names the key, so a bad setting stops start-up with a
 * message rather than a stack trace from deep inside Kafka.
 */
public final class Settings {

    /** Prefix of environment variables that set keys. */
    public static final String ENV_PREFIX = "METERFLOW_";
    /** Suffix of an environment variable that names a file holding the value ({@code METERFLOW_API_TOKENS_FILE}). */
    public static final String FILE_SUFFIX = "_FILE";

    private final Map<String, String> values;
    /** For a view: the key the user gave for each key of the view that came from another (see {@link #forApp}). */
    private final Map<String, String> origin;
    /** The keys the user gave, shared by every view of them. */
    private final Set<String> given;
    /** The given keys some getter asked for, through this settings object or any view of it. */
    private final Set<String> read;

    private Settings(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        this.origin = Map.of();
        this.given = this.values.keySet();
        this.read = ConcurrentHashMap.newKeySet();
    }

    private Settings(Settings of, Map<String, String> values, Map<String, String> origin) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        this.origin = Map.copyOf(origin);
        this.given = of.given;
        this.read = of.read;
    }

    /** Settings from a map (tests, and code that already holds its settings). */
    public static Settings of(Map<String, String> values) {
        return new Settings(values);
    }

    /**
     * @param file      a properties file, or null for none
     * @param env       the environment (usually {@code System.getenv()})
     * @param overrides highest-precedence values, e.g. from command-line flags
     */
    public static Settings load(Path file, Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> merged = new LinkedHashMap<>();
        if (file != null) {
            if (!Files.isReadable(file)) {
                throw new ConfigException("Configuration file " + file + " does not exist or is not readable");
            }
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("Configuration file " + file + " could not be read: " + e.getMessage());
            }
            properties.stringPropertyNames().forEach(k -> merged.put(k, properties.getProperty(k).strip()));
        }
        env.forEach((variable, given) -> {
            if (!variable.startsWith(ENV_PREFIX) || variable.length() <= ENV_PREFIX.length()) {
                return;
            }
            String name = variable;
            String value = given;
            // METERFLOW_<KEY>_FILE=/path sets <key> to the file's content: how containers take secrets.
            if (variable.endsWith(FILE_SUFFIX) && variable.length() > ENV_PREFIX.length() + FILE_SUFFIX.length()) {
                name = variable.substring(0, variable.length() - FILE_SUFFIX.length());
                if (env.containsKey(name)) {
                    throw new ConfigException("Both " + name + " and " + variable + " are set; set only one");
                }
                value = secretFile(variable, given);
            }
            String envName = name;
            // An environment variable overrides the file's key that maps to it, whatever its punctuation.
            String key = merged.keySet().stream().filter(k -> envName(k).equals(envName)).findFirst()
                    .orElse(name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'));
            merged.put(key, value.strip());
        });
        overrides.forEach((key, value) -> merged.put(key, value == null ? null : value.strip()));
        merged.values().removeIf(java.util.Objects::isNull);
        return new Settings(merged);
    }

    /**
     * The content of the file a {@code METERFLOW_<KEY>_FILE} variable names, without a final line break.
     *
     * @throws ConfigException naming the variable and the file (never the content) if it cannot be read
     */
    private static String secretFile(String variable, String path) {
        try {
            return Files.readString(Path.of(path.strip()), java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(variable + " names " + path + ", which could not be read: " + e.getMessage());
        }
    }

    /** The environment variable that sets {@code key}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * The view one app of several in a process sees (the standalone launcher runs two): every key as given, with
     * {@code <app>.<key>} overriding {@code <key>} for this app only, then {@code defaults} for keys still unset (what
     * the launcher decides, such as the bootstrap servers of its embedded broker). Reading a key through the view
     * counts as reading the key the user gave, so {@link #unreadKeys()} of these settings still reports exactly the
     * keys no app used. Prefixed keys stay readable under their full name too, for apps whose own keys carry the
     * prefix ({@code alias-sync.max.change.bytes}).
     */
    public Settings forApp(String app, Map<String, String> defaults) {
        Map<String, String> view = new TreeMap<>(values);
        Map<String, String> from = new LinkedHashMap<>(origin);
        String prefix = app + ".";
        values.forEach((key, value) -> {
            // By environment name too: METERFLOW_INGEST_STREAM_X arrives as ingest.stream.x.
            if (key.length() > prefix.length() && envName(key).startsWith(envName(prefix))) {
                String unprefixed = key.substring(prefix.length());
                view.put(unprefixed, value);
                from.put(unprefixed, origin.getOrDefault(key, key));
            }
        });
        return new Settings(this, view, from).withDefaults(defaults);
    }

    /** These settings with {@code defaults} for keys still unset, sharing what is read with these. */
    public Settings withDefaults(Map<String, String> defaults) {
        Map<String, String> view = new TreeMap<>(values);
        Map<String, String> from = new LinkedHashMap<>(origin);
        defaults.forEach((key, value) -> {
            if (!view.containsKey(key) && value != null) {
                view.put(key, value);
                from.put(key, key);
            }
        });
        return new Settings(this, view, from);
    }

    private void markRead(String key) {
        read.add(origin.getOrDefault(key, key));
    }

    private String raw(String key) {
        markRead(key);
        String value = values.get(key);
        if (value == null) {
            // Keys given through the environment arrive with dots for every underscore; match them by env name.
            String env = envName(key);
            for (Map.Entry<String, String> e : values.entrySet()) {
                if (envName(e.getKey()).equals(env)) {
                    markRead(e.getKey());
                    return e.getValue();
                }
            }
        }
        return value;
    }

    public boolean has(String key) {
        return raw(key) != null;
    }

    public String string(String key, String fallback) {
        String value = raw(key);
        return value == null || value.isEmpty() ? fallback : value;
    }

    public String requiredString(String key) {
        String value = raw(key);
        if (value == null || value.isBlank()) {
            throw new ConfigException(key + " is required (set it in the configuration file or as " + envName(key) + ")");
        }
        return value;
    }

    public int intValue(String key, int fallback, int min, int max) {
        String value = raw(key);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                throw new ConfigException(key, value, "must be between " + min + " and " + max);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "expected a whole number");
        }
    }

    public long longValue(String key, long fallback, long min, long max) {
        String value = raw(key);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed < min || parsed > max) {
                throw new ConfigException(key, value, "must be between " + min + " and " + max);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "expected a whole number");
        }
    }

    public boolean bool(String key, boolean fallback) {
        String value = raw(key);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new ConfigException(key, value, "expected true or false");
    }

    /**
     * A duration written as ISO-8601 ({@code PT30S}, {@code P34D}) or as a number with a unit: {@code ms},
     * {@code s}, {@code m}, {@code h}, {@code d} (e.g. {@code 34d}, {@code 500ms}).
     */
    public Duration duration(String key, Duration fallback) {
        String value = raw(key);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        Duration parsed = parseDuration(value);
        if (parsed == null) {
            throw new ConfigException(key, value, "expected a duration such as 34d, 12h, 30s, 500ms or P34D");
        }
        if (parsed.isNegative()) {
            throw new ConfigException(key, value, "must not be negative");
        }
        return parsed;
    }

    private static final java.util.regex.Pattern AMOUNT_AND_UNIT =
            java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|min|h|d)");

    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p") || t.startsWith("-p")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            if (t.equals("0")) {
                return Duration.ZERO;
            }
            java.util.regex.Matcher m = AMOUNT_AND_UNIT.matcher(t);
            if (!m.matches()) {
                return null;
            }
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m", "min" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    public <E extends Enum<E>> E enumValue(String key, Class<E> type, E fallback) {
        String value = raw(key);
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value.replace('-', '_'))) {
                return constant;
            }
        }
        throw new ConfigException(key, value, "expected one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
    }

    /** Every key under {@code prefix}, with the prefix removed (for pass-through settings such as {@code kafka.}). */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                markRead(k);
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /**
     * Keys the user gave that no getter asked for, through these settings or any view of them: likely typos, worth a
     * warning at start-up. Keys a view added as defaults are not the user's and never reported.
     */
    public Set<String> unreadKeys() {
        Set<String> unread = new java.util.TreeSet<>(given);
        unread.removeAll(read);
        return unread;
    }

    /** All values (for diagnostics; callers must not log secrets from it). */
    public Map<String, String> asMap() {
        return values;
    }
}
