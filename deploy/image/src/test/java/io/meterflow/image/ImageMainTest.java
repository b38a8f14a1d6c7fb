package io.meterflow.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageMainTest {

    /** In these tests, an "environment" entry standing for the image's home property. */
    private static final String HOME = "(image home)";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, List<ImageMain.Role> roles, String... args) {
        Path home = env.containsKey(HOME) ? Path.of(env.get(HOME)) : null;
        Map<String, String> rest = new java.util.HashMap<>(env);
        rest.remove(HOME);
        return ImageMain.run(args, rest, home, roles, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theImageHasFourRoles() {
        assertThat(ImageMain.roles()).extracting(ImageMain.Role::name)
                .containsExactly("alias-sync", "ingest-stream", "standalone", "kafka");
    }

    @Test
    void anUnknownRoleExitsTwoWithTheUsage() {
        assertThat(run(Map.of(), ImageMain.roles(), "zookeeper", "--set", "a=b")).isEqualTo(2);
        assertThat(err()).contains("unknown role 'zookeeper'", "usage: <role>", "alias-sync", "ingest-stream",
                "standalone", "kafka");
    }

    @Test
    void noRoleExitsTwoWithTheUsage() {
        assertThat(run(Map.of(), ImageMain.roles())).isEqualTo(2);
        assertThat(err()).contains("usage: <role>");
    }

    @Test
    void helpPrintsTheUsageAndExitsZero() {
        assertThat(run(Map.of(), ImageMain.roles(), "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: <role>", "METERFLOW_<KEY>_FILE");
    }

    /** A bad argument is refused by the role's own main, before it starts anything: proof the role reached it. */
    @Test
    void eachRoleReachesItsMain() {
        assertThat(run(Map.of(), ImageMain.roles(), "alias-sync", "--bogus")).isEqualTo(2);
        assertThat(run(Map.of(), ImageMain.roles(), "ingest-stream", "--bogus")).isEqualTo(2);
        assertThat(run(Map.of(), ImageMain.roles(), "standalone", "--bogus")).isEqualTo(2);
        assertThat(run(Map.of(), ImageMain.roles(), "kafka", "--bogus")).isEqualTo(2);
        assertThat(err().lines()).containsExactly(
                "alias-sync: unexpected argument '--bogus'; usage: alias-sync [--config FILE] [--set key=value]...",
                "ingest-stream: unexpected argument '--bogus'; usage: ingest-stream [--config FILE] [--set key=value]...",
                "meterflow: Unknown option '--bogus' (see --help)",
                "kafka: unexpected argument '--bogus'; usage: kafka [--config FILE] [--set key=value]...");
    }

    @Test
    void theStandaloneRoleAnswersItsOwnHelp() {
        assertThat(run(Map.of(), ImageMain.roles(), "standalone", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("--data-dir");
    }

    @Test
    void argumentsPassToTheRoleUnchangedOutsideTheImage() {
        List<String[]> seen = new ArrayList<>();
        assertThat(run(Map.of(), recording(seen), "ingest-stream", "--set", "http.port=8282")).isEqualTo(7);
        assertThat(seen).singleElement().satisfies(args -> assertThat(args).containsExactly("--set", "http.port=8282"));
    }

    @Test
    void inTheImageStateGoesUnderTheImageHome() {
        List<String[]> seen = new ArrayList<>();
        Map<String, String> image = Map.of(HOME, "/var/lib/meterflow");
        run(image, recording(seen), "alias-sync");
        run(image, recording(seen), "ingest-stream", "--set", "http.port=1");
        run(image, recording(seen), "standalone", "run");
        run(image, recording(seen), "kafka");
        assertThat(seen.get(0)).containsExactly("--set", "state.dir=/var/lib/meterflow/state");
        assertThat(seen.get(1)).containsExactly("--set", "http.port=1", "--set", "state.dir=/var/lib/meterflow/state");
        assertThat(seen.get(2)).contains("run", "--set", "data.dir=/var/lib/meterflow", "http.host=0.0.0.0");
        assertThat(seen.get(3)).containsExactly("--set", "data.dir=/var/lib/meterflow/kafka");
    }

    @Test
    void aStateFolderTheUserGivesAnywhereWinsOverTheImageDefault(@TempDir Path dir) throws Exception {
        List<String[]> seen = new ArrayList<>();
        Path config = Files.writeString(dir.resolve("app.properties"), "state.dir=/data/from-file\n");
        Map<String, String> image = Map.of(HOME, "/var/lib/meterflow");
        run(Map.of(HOME, "/var/lib/meterflow", "METERFLOW_STATE_DIR", "/data/env"), recording(seen),
                "alias-sync");
        run(image, recording(seen), "alias-sync", "--set", "state.dir=/data/flag");
        run(image, recording(seen), "ingest-stream", "--config", config.toString());
        run(image, recording(seen), "standalone", "--data-dir", "/data/flag", "--set", "http.host=127.0.0.1");
        assertThat(seen.get(0)).isEmpty();
        assertThat(seen.get(1)).containsExactly("--set", "state.dir=/data/flag");
        assertThat(seen.get(2)).containsExactly("--config", config.toString());
        assertThat(seen.get(3)).containsExactly("--data-dir", "/data/flag", "--set", "http.host=127.0.0.1");
    }

    @Test
    void argumentsTheRoleCannotReadReachItUnchangedForItToReport() {
        List<String[]> seen = new ArrayList<>();
        run(Map.of(HOME, "/var/lib/meterflow"), recording(seen), "alias-sync", "--bogus");
        assertThat(seen).singleElement().satisfies(args -> assertThat(args).containsExactly("--bogus"));
    }

    /** The real roles' names, defaults and settings readers, with a main that records its arguments. */
    private static List<ImageMain.Role> recording(List<String[]> seen) {
        return ImageMain.roles().stream()
                .map(role -> new ImageMain.Role(role.name(), role.description(), (args, env, out, err) -> {
                    seen.add(args);
                    return 7;
                }, role.defaults(), role.reader()))
                .toList();
    }
}
