package io.meterflow.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsTest {

    @TempDir
    Path dir;

    private Path file(String content) throws IOException {
        Path file = dir.resolve("meterflow.properties");
        Files.writeString(file, content);
        return file;
    }

    @Test
    void environmentOverridesTheFileAndOverridesOverrideBoth() throws IOException {
        Path file = file("from.file=file\nfrom.env=file\nfrom.override=file\n");
        Map<String, String> env = Map.of("METERFLOW_FROM_ENV", "env", "METERFLOW_FROM_OVERRIDE", "env");

        Settings settings = Settings.load(file, env, Map.of("from.override", "override"));

        assertThat(settings.string("from.file", null)).isEqualTo("file");
        assertThat(settings.string("from.env", null)).isEqualTo("env");
        assertThat(settings.string("from.override", null)).isEqualTo("override");
    }

    @Test
    void anEnvironmentVariableSetsTheDottedKeyItNames() {
        Settings settings = Settings.load(null, Map.of("METERFLOW_TOPIC_PARTITIONS", "12"), Map.of());

        assertThat(settings.intValue("topic.partitions", 6, 1, 100)).isEqualTo(12);
    }

    @Test
    void anEnvironmentVariableOverridesAFileKeyWrittenWithDashes() throws IOException {
        Settings settings = Settings.load(file("topic.usage-events=from-file\n"),
                Map.of("METERFLOW_TOPIC_USAGE_EVENTS", "from-env"), Map.of());

        assertThat(settings.string("topic.usage-events", null)).isEqualTo("from-env");
        assertThat(settings.unreadKeys()).isEmpty();
    }

    @Test
    void anEnvironmentVariableAloneSetsAKeyWrittenWithDashes() {
        Settings settings = Settings.load(null, Map.of("METERFLOW_TOPIC_USAGE_EVENTS", "prod.usage"), Map.of());

        assertThat(settings.string("topic.usage-events", null)).isEqualTo("prod.usage");
        assertThat(settings.unreadKeys()).isEmpty();
    }

    @Test
    void environmentVariablesWithoutThePrefixAreIgnored() {
        Settings settings = Settings.load(null, Map.of("PATH", "/bin", "METERFLOW_", "x", "MY_METERFLOW_X", "y"), Map.of());

        assertThat(settings.asMap()).isEmpty();
    }

    @Test
    void envNameUpperCasesAndReplacesDotsAndDashes() {
        assertThat(Settings.envName("topic.usage-events")).isEqualTo("METERFLOW_TOPIC_USAGE_EVENTS");
    }

    @Test
    void valuesAreStrippedWhereverTheyComeFrom() throws IOException {
        Settings settings = Settings.load(file("a=  1  \n"), Map.of("METERFLOW_B", " 2 "), Map.of("c", " 3 "));

        assertThat(settings.intValue("a", 0, 0, 9)).isEqualTo(1);
        assertThat(settings.intValue("b", 0, 0, 9)).isEqualTo(2);
        assertThat(settings.intValue("c", 0, 0, 9)).isEqualTo(3);
    }

    @Test
    void aMissingFileIsAConfigExceptionNamingIt() {
        Path missing = dir.resolve("nope.properties");

        assertThatThrownBy(() -> Settings.load(missing, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining(missing.toString());
    }

    @Test
    void absentOrEmptyValuesGiveTheFallback() {
        Settings settings = Settings.of(Map.of("empty", ""));

        assertThat(settings.intValue("empty", 7, 0, 9)).isEqualTo(7);
        assertThat(settings.intValue("absent", 7, 0, 9)).isEqualTo(7);
        assertThat(settings.duration("absent", Duration.ofDays(34))).isEqualTo(Duration.ofDays(34));
        assertThat(settings.bool("empty", true)).isTrue();
        assertThat(settings.string("empty", "fallback")).isEqualTo("fallback");
    }

    @Test
    void aBadWholeNumberNamesTheKeyAndTheValue() {
        Settings settings = Settings.of(Map.of("topic.partitions", "six"));

        assertThatThrownBy(() -> settings.intValue("topic.partitions", 6, 1, 100))
                .isInstanceOf(ConfigException.class).hasMessageContaining("topic.partitions").hasMessageContaining("six");
        assertThatThrownBy(() -> settings.longValue("topic.partitions", 6, 1, 100))
                .isInstanceOf(ConfigException.class).hasMessageContaining("topic.partitions");
    }

    @ParameterizedTest(name = "{0} is out of range 1..100")
    @ValueSource(strings = {"0", "101", "-1", "99999999999"})
    void aNumberOutOfRangeNamesTheKeyAndTheRange(String value) {
        Settings settings = Settings.of(Map.of("n", value));

        assertThatThrownBy(() -> settings.intValue("n", 6, 1, 100))
                .isInstanceOf(ConfigException.class).hasMessageContaining("n").hasMessageContaining(value);
        assertThatThrownBy(() -> settings.longValue("n", 6, 1, 100))
                .isInstanceOf(ConfigException.class).hasMessageContaining("between 1 and 100");
    }

    @Test
    void aBadBooleanNamesTheKey() {
        assertThatThrownBy(() -> Settings.of(Map.of("flag", "yes")).bool("flag", false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("flag").hasMessageContaining("true or false");
        assertThat(Settings.of(Map.of("flag", "TRUE")).bool("flag", false)).isTrue();
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "34d, PT816H",
        "500ms, PT0.5S",
        "P34D, PT816H",
        "p34d, PT816H",
        "PT30S, PT30S",
        "0, PT0S",
        "12h, PT12H",
        "30s, PT30S",
        "5m, PT5M",
        "5min, PT5M",
        "'34 d', PT816H"
    })
    void durationsAreReadWithUnitsOrAsIso8601(String text, String expected) {
        assertThat(Settings.of(Map.of("horizon", text)).duration("horizon", Duration.ZERO))
                .isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest(name = "{0} is not a duration")
    @ValueSource(strings = {"34", "34x", "1.5h", "d", "-5s", "P", "34 days", "99999999999999999999d"})
    void aBadDurationNamesTheKey(String text) {
        assertThatThrownBy(() -> Settings.of(Map.of("pending.horizon", text)).duration("pending.horizon", Duration.ZERO))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pending.horizon");
    }

    @Test
    void aNegativeIsoDurationIsRefused() {
        assertThatThrownBy(() -> Settings.of(Map.of("pending.horizon", "-P1D")).duration("pending.horizon", Duration.ZERO))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pending.horizon")
                .hasMessageContaining("negative");
    }

    enum Mode { FAST, SAFE_MODE }

    @Test
    void enumsAreReadIgnoringCaseAndDashes() {
        assertThat(Settings.of(Map.of("mode", "safe-mode")).enumValue("mode", Mode.class, Mode.FAST))
                .isEqualTo(Mode.SAFE_MODE);
        assertThatThrownBy(() -> Settings.of(Map.of("mode", "slow")).enumValue("mode", Mode.class, Mode.FAST))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mode").hasMessageContaining("[fast, safe_mode]");
    }

    @Test
    void aMissingRequiredKeyNamesTheKeyAndItsEnvironmentVariable() {
        assertThatThrownBy(() -> Settings.of(Map.of()).requiredString("api.tokens"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("api.tokens")
                .hasMessageContaining("METERFLOW_API_TOKENS");
    }

    @Test
    void withPrefixReturnsTheKeysUnderItWithoutThePrefix() {
        Settings settings = Settings.of(Map.of("kafka.max.poll.records", "10", "kafka.", "x", "kafkaesque", "y"));

        assertThat(settings.withPrefix("kafka.")).containsExactly(Map.entry("max.poll.records", "10"));
        assertThat(settings.unreadKeys()).containsExactlyInAnyOrder("kafka.", "kafkaesque");
    }

    @Test
    void unreadKeysReportsAMisspelledKey() {
        Settings settings = Settings.of(Map.of("topic.partitions", "3", "topic.partitons", "4"));

        settings.intValue("topic.partitions", 6, 1, 100);

        assertThat(settings.unreadKeys()).containsExactly("topic.partitons");
    }

    @Test
    void anAppsViewTakesItsPrefixedKeysFirstAndCountsWhatItReadsAgainstTheKeysGiven() {
        Settings given = Settings.of(Map.of("pending.horizon", "5d", "ingest-stream.pending.horizon", "2d",
                "alias-sync.max.change.bytes", "4096", "topic.partitons", "3"));
        Settings ingest = given.forApp("ingest-stream", Map.of("state.dir", "/launcher/state"));
        Settings aliasSync = given.forApp("alias-sync", Map.of());

        assertThat(ingest.duration("pending.horizon", Duration.ZERO)).isEqualTo(Duration.ofDays(2));
        assertThat(ingest.string("state.dir", "")).isEqualTo("/launcher/state");
        // A key that carries the app's name as its own prefix stays readable under its full name.
        assertThat(aliasSync.intValue("alias-sync.max.change.bytes", 0, 0, 1 << 20)).isEqualTo(4096);

        // Read through the view, the prefixed key counts as read; the plain key (shadowed) and the typo do not, and
        // the launcher's own default was never the user's.
        assertThat(given.unreadKeys()).containsExactly("pending.horizon", "topic.partitons");
        assertThat(aliasSync.duration("pending.horizon", Duration.ZERO)).isEqualTo(Duration.ofDays(5));
        assertThat(given.unreadKeys()).containsExactly("topic.partitons");
    }

    @Test
    void anAppsViewFindsItsPrefixedKeysGivenThroughTheEnvironment() {
        Settings given = Settings.load(null, Map.of("METERFLOW_INGEST_STREAM_PENDING_HORIZON", "2d"), Map.of());
        Settings ingest = given.forApp("ingest-stream", Map.of());

        assertThat(ingest.duration("pending.horizon", Duration.ZERO)).isEqualTo(Duration.ofDays(2));
        assertThat(given.unreadKeys()).isEmpty();
    }

    @Test
    void defaultsFillOnlyUnsetKeysAndWhatIsReadThroughThemStillCounts() {
        Settings given = Settings.of(Map.of("http.port", "9000"));
        Settings withDefaults = given.withDefaults(Map.of("http.port", "1", "kafka.application.server", "h:1"));

        assertThat(withDefaults.intValue("http.port", 0, 0, 65_535)).isEqualTo(9000);
        assertThat(withDefaults.string("kafka.application.server", "")).isEqualTo("h:1");
        assertThat(given.unreadKeys()).isEmpty();
        assertThat(withDefaults.unreadKeys()).isEmpty();
    }

    @Test
    void aVariableEndingInFileSetsItsKeyToTheFilesContent() throws IOException {
        Path secret = dir.resolve("tokens");
        Files.writeString(secret, "token-from-a-secret-0123456789\n");
        Settings settings = Settings.load(file("api.tokens=from-the-file-0123456789\n"),
                Map.of("METERFLOW_API_TOKENS_FILE", secret.toString()), Map.of());

        assertThat(settings.string("api.tokens", "")).isEqualTo("token-from-a-secret-0123456789");
        assertThat(settings.unreadKeys()).isEmpty();
    }

    @Test
    void anUnreadableSecretFileOrTheSameKeyTwiceIsAnErrorThatNamesTheVariableNotAValue() {
        assertThatThrownBy(() -> Settings.load(null, Map.of("METERFLOW_API_TOKENS_FILE",
                dir.resolve("missing").toString()), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("METERFLOW_API_TOKENS_FILE")
                .hasMessageContaining("missing");
        assertThatThrownBy(() -> Settings.load(null, Map.of("METERFLOW_API_TOKENS_FILE", "/x",
                "METERFLOW_API_TOKENS", "secret-value-0123456789"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("METERFLOW_API_TOKENS")
                .hasMessageNotContaining("secret-value");
    }
}
