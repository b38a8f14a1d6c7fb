package io.meterflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncService;
import io.meterflow.aliassync.api.CustomerApi;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestService;
import io.meterflow.runtime.AppDefinition;
import io.meterflow.runtime.CommandLine;
import io.meterflow.runtime.Runner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/configuration.md against the code, in each mode it describes: every key it lists, in a full file for each app's
 * main and for the launcher, is read (no unknown-key warning); a misspelled key is reported in every mode; and a key
 * given to {@code ./meterflow} reaches the app. The runners are built (HTTP bound, apps installed) but not started, so
 * no Kafka is needed: every key is read while installing.
 */
class ConfigurationReferenceTest {

    private static final Path REFERENCE = Path.of("../../docs/configuration.md");
    private static final Pattern SECTION = Pattern.compile("^## (.+)$");
    private static final Pattern KEY_CELL = Pattern.compile("`([^`]+)`");

    /** A valid value for every key the reference lists; placeholders get an example key. */
    private static final Map<String, String> VALUES = Map.ofEntries(
            Map.entry("bootstrap.servers", "localhost:1"),
            Map.entry("application.id", "meterflow-reference-test"),
            Map.entry("schema.registry.url", "mock://reference-test"),
            Map.entry("basic.auth.user.info", "user:secret"),
            Map.entry("basic.auth.credentials.source", "USER_INFO"),
            Map.entry("auto.register.schemas", "true"),
            Map.entry("schema.registry.request.timeout.ms", "10000"),
            Map.entry("processing.guarantee", "exactly_once_v2"),
            Map.entry("state.dir", "STATE_DIR"),
            Map.entry("num.stream.threads", "1"),
            Map.entry("topic.partitions", "4"),
            Map.entry("topic.replication.factor", "1"),
            Map.entry("record.max.bytes", "1048576"),
            Map.entry("topic.<default-name>", "topic.usage-events=usage-events"),
            Map.entry("kafka.<key>", "kafka.commit.interval.ms=100"),
            Map.entry("alias-sync.remembered-change-ids", "100"),
            Map.entry("alias-sync.max.change.bytes", "524288"),
            Map.entry("pending.horizon", "34d"),
            Map.entry("dedup.horizon", "34d"),
            Map.entry("attribution.horizon", "34d"),
            Map.entry("validation.max.event.age", "34d"),
            Map.entry("validation.max.future.skew", "24h"),
            Map.entry("validation.max.event.bytes", "262144"),
            Map.entry("replay.chunk.size", "1000"),
            Map.entry("replay.interval", "100ms"),
            Map.entry("replay.max.thread.share", "50"),
            Map.entry("expiry.chunk.size", "10000"),
            Map.entry("expiry.interval", "5s"),
            Map.entry("sweep.interval", "1m"),
            Map.entry("sweep.cycle", "6h"),
            Map.entry("sweep.max.chunk.size", "100000"),
            Map.entry("aggregation.enabled", "true"),
            Map.entry("aggregation.backfill.interval", "1s"),
            Map.entry("aggregation.backfill.chunk.size", "1000"),
            Map.entry("aggregation.retention", "400d"),
            Map.entry("aggregation.publish.interval", "1s"),
            Map.entry("http.host", "127.0.0.1"),
            Map.entry("http.port", "0"),
            Map.entry("api.tokens", "reference-test-token-0123456789"),
            Map.entry("http.max.body.bytes", "1048576"),
            Map.entry("http.max.header.bytes", "16384"),
            Map.entry("http.max.concurrent.requests", "64"),
            Map.entry("http.header.timeout", "10s"),
            Map.entry("http.body.timeout", "30s"),
            Map.entry("http.idle.timeout", "30s"),
            Map.entry("http.advertised.host", "localhost"),
            Map.entry("api.write.timeout", "7s"),
            Map.entry("customers.api.url", "http://localhost:1"),
            Map.entry("data.dir", "DATA_DIR"),
            Map.entry("broker.port", "0"),
            Map.entry("demo.http.url", "http://localhost:1"));

    @TempDir
    Path dir;

    /** The keys of each section of the reference, by section title. */
    static Map<String, List<String>> reference() throws IOException {
        Map<String, List<String>> sections = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : Files.readAllLines(REFERENCE, StandardCharsets.UTF_8)) {
            Matcher section = SECTION.matcher(line);
            if (section.matches()) {
                current = new ArrayList<>();
                sections.put(section.group(1), current);
                continue;
            }
            // A row's key is its first cell in backticks that is not a flag (the launcher's table starts with one).
            if (current != null && line.startsWith("| `")) {
                for (String cell : line.split("\\|")) {
                    Matcher key = KEY_CELL.matcher(cell.strip());
                    if (key.matches() && !key.group(1).startsWith("--")) {
                        current.add(key.group(1));
                        break;
                    }
                }
            }
        }
        return sections;
    }

    private static List<String> section(Map<String, List<String>> reference, String prefix) {
        return reference.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).findFirst()
                .map(Map.Entry::getValue).orElseThrow(() -> new AssertionError("no section '" + prefix + "'"));
    }

    private Path file(String name, List<String> keys, String... extra) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String key : keys) {
            String value = VALUES.get(key);
            assertThat(value).as("a value for " + key).isNotNull();
            value = value.replace("STATE_DIR", dir.resolve("state").toString())
                    .replace("DATA_DIR", dir.resolve("data").toString());
            lines.add(key.contains("<") ? value : key + "=" + value);
        }
        lines.addAll(List.of(extra));
        Path file = dir.resolve(name);
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    private static Runner main(String app, AppDefinition definition, String... args) {
        return Runner.builder(CommandLine.settings(app, args, Map.of())).app(app, definition).build();
    }

    @Test
    void everyKeyOfTheReferenceHasAValueHereAndEveryValueHereIsAKeyOfTheReference() throws IOException {
        Set<String> documented = reference().values().stream().flatMap(List::stream).collect(Collectors.toCollection(TreeSet::new));
        assertThat(documented).isEqualTo(new TreeSet<>(VALUES.keySet()));
    }

    @Test
    void aFullValidFileForEachAppsMainGivesNoWarning() throws IOException {
        Map<String, List<String>> reference = reference();
        List<String> shared = section(reference, "Shared");
        List<String> http = section(reference, "HTTP");

        List<String> aliasSync = new ArrayList<>(shared);
        aliasSync.addAll(section(reference, "alias-sync"));
        aliasSync.addAll(http.stream().filter(k -> !k.equals(IngestService.CUSTOMERS_URL)).toList());
        try (Runner runner = main(AliasSyncApp.NAME, AliasSyncService.definition(),
                "--config", file("alias-sync.properties", aliasSync).toString())) {
            assertThat(runner.unknownKeys()).isEmpty();
            assertThat(((CustomerApi) runner.api(AliasSyncApp.NAME)).writeTimeout()).isEqualTo(Duration.ofSeconds(7));
        }

        List<String> ingest = new ArrayList<>(shared);
        ingest.addAll(section(reference, "ingest-stream"));
        ingest.addAll(http);
        try (Runner runner = main(IngestApp.NAME, IngestService.definition(),
                "--config", file("ingest-stream.properties", ingest).toString())) {
            assertThat(runner.unknownKeys()).isEmpty();
            assertThat(((IngestService.Apis) runner.api(IngestApp.NAME)).billableMetrics().writeTimeout())
                    .isEqualTo(Duration.ofSeconds(7));
        }
    }

    @Test
    void aFullValidFileForTheLauncherGivesNoWarning() throws IOException {
        Map<String, List<String>> reference = reference();
        List<String> keys = new ArrayList<>(section(reference, "Shared"));
        // One application.id for both apps would give them one consumer group: the launcher takes it per app.
        keys.remove("application.id");
        keys.addAll(section(reference, "alias-sync"));
        keys.addAll(section(reference, "ingest-stream"));
        // The launcher names customers in process, and demo.http.url is for `demo --bootstrap-servers` only.
        keys.addAll(section(reference, "HTTP").stream().filter(k -> !k.equals(IngestService.CUSTOMERS_URL)).toList());
        keys.addAll(section(reference, "Standalone").stream()
                .filter(k -> !k.equals(StandaloneOptions.DEMO_HTTP_URL) && !keys.contains(k)).toList());
        Path file = file("meterflow.properties", keys,
                "alias-sync.application.id=reference-alias-sync", "ingest-stream.application.id=reference-ingest",
                "ingest-stream.num.stream.threads=2");
        Standalone standalone = new Standalone(StandaloneOptions.parse(new String[] {"--config", file.toString()},
                Map.of()));
        try (Runner runner = standalone.build()) {
            assertThat(runner.unknownKeys()).isEmpty();
        }
    }

    @Test
    void aKeyGivenToTheLauncherReachesTheAppThatUsesIt() {
        Standalone standalone = new Standalone(StandaloneOptions.parse(new String[] {
                "--bootstrap-servers", "localhost:1", "--http-port", "0", "--data-dir", dir.toString(),
                "--set", "api.write.timeout=3s", "--set", "ingest-stream.pending.horizon=2d"}, Map.of()));
        try (Runner runner = standalone.build()) {
            assertThat(((CustomerApi) runner.api(AliasSyncApp.NAME)).writeTimeout()).isEqualTo(Duration.ofSeconds(3));
            assertThat(((IngestService.Apis) runner.api(IngestApp.NAME)).billableMetrics().writeTimeout())
                    .isEqualTo(Duration.ofSeconds(3));
            assertThat(((IngestApp) runner.app(IngestApp.NAME)).config().pendingHorizon()).isEqualTo(Duration.ofDays(2));
            assertThat(runner.unknownKeys()).isEmpty();
        }
    }

    @Test
    void aMisspelledKeyIsReportedInEveryMode() {
        String[] typo = {"--set", "http.port=0", "--set", "topic.partitons=3", "--set", "bootstrap.servers=localhost:1"};
        try (Runner runner = main(AliasSyncApp.NAME, AliasSyncService.definition(), typo)) {
            assertThat(runner.unknownKeys()).containsExactly("topic.partitons");
        }
        try (Runner runner = main(IngestApp.NAME, IngestService.definition(), typo)) {
            assertThat(runner.unknownKeys()).containsExactly("topic.partitons");
        }
        Standalone standalone = new Standalone(StandaloneOptions.parse(new String[] {
                "--bootstrap-servers", "localhost:1", "--http-port", "0", "--data-dir", dir.toString(),
                "--set", "topic.partitons=3", "--set", "ingest-stream.dedup.horizn=1d"}, Map.of()));
        try (Runner runner = standalone.build()) {
            assertThat(runner.unknownKeys()).containsExactly("ingest-stream.dedup.horizn", "topic.partitons");
        }
    }

    @Test
    void aKeyOfOneAppIsReportedWhereOnlyTheOtherRuns() {
        try (Runner runner = main(AliasSyncApp.NAME, AliasSyncService.definition(), "--set", "http.port=0",
                "--set", "customers.api.url=http://localhost:1")) {
            assertThat(runner.unknownKeys()).containsExactly("customers.api.url");
        }
    }

    @Test
    void oneApplicationIdForBothAppsOfTheLauncherIsRefusedNamingThePerAppKeys() {
        Standalone standalone = new Standalone(StandaloneOptions.parse(new String[] {
                "--bootstrap-servers", "localhost:1", "--http-port", "0", "--data-dir", dir.toString(),
                "--set", "application.id=shared"}, Map.of()));
        org.assertj.core.api.Assertions.assertThatThrownBy(standalone::build).isInstanceOf(ConfigException.class)
                .hasMessageContaining("alias-sync.application.id").hasMessageContaining("ingest-stream.application.id");
    }
}
