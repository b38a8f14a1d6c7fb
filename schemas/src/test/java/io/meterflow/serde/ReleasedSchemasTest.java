package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaFormatter;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The released-schema catalogue: every schema the code writes has been released, the INDEX and the files agree,
 * and the current schemas stay backward and forward compatible with every released version. This is the test
 * that makes "add vN.avsc and an INDEX line" (docs/schemas.md) the only way to change a schema.
 */
class ReleasedSchemasTest {

    private static final Pattern RELEASED_PATH = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)/v([1-9][0-9]*)\\.avsc");

    /** The source folder, not the classpath copy, so the files and the INDEX are checked where people edit them. */
    private static final Path SOURCE = Path.of(System.getProperty("basedir", "."))
            .resolve("src/main/resources").resolve(KnownSchemas.RELEASED_ROOT);

    private static List<String> indexLines() {
        try {
            return Files.readAllLines(SOURCE.resolve("INDEX")).stream().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> filesInFolder() {
        try (Stream<Path> files = Files.walk(SOURCE)) {
            return files.filter(Files::isRegularFile).map(p -> SOURCE.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals("INDEX")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Released versions per record simple name, in version order. */
    private static Map<String, List<Integer>> versionsByRecord() {
        Map<String, List<Integer>> versions = new TreeMap<>();
        for (String path : KnownSchemas.releasedPaths()) {
            Matcher m = RELEASED_PATH.matcher(path);
            if (m.matches()) {
                versions.computeIfAbsent(m.group(1), r -> new ArrayList<>()).add(Integer.parseInt(m.group(2)));
            }
        }
        versions.values().forEach(list -> list.sort(null));
        return versions;
    }

    static Stream<String> releasedPaths() {
        return KnownSchemas.releasedPaths().stream();
    }

    @Test
    void theSourceFolderExists() {
        assertThat(SOURCE.resolve("INDEX")).as("run from the schemas module (basedir)").isRegularFile();
    }

    @Test
    void theIndexListsExactlyTheFilesInTheReleasedFolder() {
        List<String> index = indexLines();

        assertThat(index).as("INDEX has no duplicate lines").doesNotHaveDuplicates();
        assertThat(new TreeSet<>(index)).as("INDEX lines vs files under " + SOURCE)
                .containsExactlyElementsOf(filesInFolder());
    }

    @Test
    void theIndexOnTheClasspathIsTheOneInTheSourceFolder() {
        assertThat(KnownSchemas.releasedPaths()).containsExactlyElementsOf(indexLines());
    }

    @Test
    void releasedPathsAreRecordSlashVersionNumberDotAvsc() {
        assertThat(indexLines()).allSatisfy(path -> assertThat(path).matches(RELEASED_PATH));
    }

    @ParameterizedTest(name = "{0} parses and holds the record its folder names")
    @MethodSource("releasedPaths")
    void aReleasedFileHoldsTheRecordItsFolderNames(String path) {
        Schema released = KnownSchemas.released(path);

        assertThat(released.getType()).isEqualTo(Schema.Type.RECORD);
        assertThat(path).startsWith(released.getName() + "/");
        assertThat(KnownSchemas.CURRENT).as("a current schema with the full name " + released.getFullName())
                .anyMatch(current -> current.getFullName().equals(released.getFullName()));
    }

    @Test
    void versionsOfARecordAreNumberedFromOneWithoutGaps() {
        versionsByRecord().forEach((record, versions) -> {
            List<Integer> expected = new ArrayList<>();
            for (int v = 1; v <= versions.size(); v++) {
                expected.add(v);
            }
            assertThat(versions).as(record).isEqualTo(expected);
        });
    }

    @Test
    void everyCurrentSchemaHasAReleasedVersion() {
        Map<String, List<Integer>> versions = versionsByRecord();

        assertThat(KnownSchemas.CURRENT).allSatisfy(schema -> assertThat(versions)
                .as("released versions of %s: add %s/v1.avsc and an INDEX line (docs/schemas.md)",
                        schema.getFullName(), schema.getName())
                .containsKey(schema.getName()));
    }

    @Test
    void recordNamesAreUniqueSoTheCatalogueFoldersAreUnambiguous() {
        Map<String, String> fullNames = new HashMap<>();
        for (Schema schema : KnownSchemas.CURRENT) {
            String clash = fullNames.put(schema.getName(), schema.getFullName());
            assertThat(clash).as("another record named " + schema.getName()).isNull();
        }
    }

    /**
     * Every schema the code writes must be in the catalogue, or a restarted process on {@code mock://} could not
     * read what the previous build wrote, and the compatibility check below would not see the change. When this
     * fails, the file to add is written under target/released-candidates.
     */
    @Test
    void theNewestReleasedVersionOfEachRecordIsTheCurrentSchema() throws IOException {
        Map<String, List<Integer>> versions = versionsByRecord();
        List<String> unreleased = new ArrayList<>();
        for (Schema current : KnownSchemas.CURRENT) {
            List<Integer> released = versions.get(current.getName());
            int newest = released == null ? 0 : released.get(released.size() - 1);
            if (newest > 0 && KnownSchemas.released(current.getName() + "/v" + newest + ".avsc").equals(current)) {
                continue;
            }
            String path = current.getName() + "/v" + (newest + 1) + ".avsc";
            Path candidate = Path.of(System.getProperty("basedir", ".")).resolve("target/released-candidates").resolve(path);
            Files.createDirectories(candidate.getParent());
            Files.writeString(candidate, SchemaFormatter.format("json/pretty", current) + "\n");
            unreleased.add(path + " (candidate written to " + candidate + ")");
        }

        assertThat(unreleased).as("schemas changed since their newest released version: copy each candidate to "
                + SOURCE + " and add its line to INDEX").isEmpty();
    }

    @Test
    void everyReleasedVersionIsResolvableByItsStableIdInAFreshProcess() {
        for (String path : KnownSchemas.releasedPaths()) {
            Schema released = KnownSchemas.released(path);
            Schema found = KnownSchemas.byStableId(MockSchemaRegistry.stableId(released));

            assertThat(found).as(path).isNotNull();
            assertThat(SchemaNormalization.toParsingForm(found)).as(path)
                    .isEqualTo(SchemaNormalization.toParsingForm(released));
        }
    }

    @ParameterizedTest(name = "the current schema is backward and forward compatible with {0}")
    @MethodSource("releasedPaths")
    void theCurrentSchemaIsBackwardAndForwardCompatibleWithEachReleasedVersion(String path) {
        Schema released = KnownSchemas.released(path);
        Schema current = KnownSchemas.CURRENT.stream().filter(s -> s.getFullName().equals(released.getFullName()))
                .findFirst().orElseThrow(() -> new AssertionError("no current schema for " + path));

        assertThat(SchemaCompatibility.check(current, released)).as(path).isEmpty();
    }

    @Test
    void theReusableCheckFindsNothingAcrossTheWholeCatalogue() {
        assertThat(SchemaCompatibility.checkReleased()).isEmpty();
    }
}
