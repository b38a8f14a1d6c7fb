package io.meterflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees when the launcher cannot start: one line naming the problem and an exit code, no stack trace. */
class StandaloneMainTest {

    @TempDir
    Path dir;

    private record Outcome(int exit, String out, String err) {
    }

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = StandaloneMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheOptionsAndExitsZero() {
        Outcome outcome = run("--help");
        assertThat(outcome.exit()).isZero();
        assertThat(outcome.out()).contains("--data-dir", "--http-port", "--kafka-port", "--bootstrap-servers",
                "--api-token", "Meterflow ready:");
    }

    @Test
    void aBadSettingExitsTwoWithAMessageNamingTheKey() {
        Outcome outcome = run("--data-dir", dir.toString(), "--http-port", "eighty");
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.err()).startsWith("meterflow: ").contains("http.port").doesNotContain("Exception");
        assertThat(outcome.err().lines()).hasSize(1);
    }

    @Test
    void aShortApiTokenIsABadSettingAndIsNotEchoed() {
        Outcome outcome = run("--data-dir", dir.toString(), "--api-token", "short-token");
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.err()).contains("api.tokens").contains("at least 16").doesNotContain("short-token");
    }

    @Test
    void anUnknownOptionExitsTwo() {
        Outcome outcome = run("--data-dri", dir.toString());
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.err()).contains("Unknown option '--data-dri'");
    }

    @Test
    void anUnwritableDataFolderExitsOneWithAMessage() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        Outcome outcome = run("--data-dir", file.resolve("data").toString(), "--http-port", "0", "--kafka-port", "0");
        assertThat(outcome.exit()).isEqualTo(1);
        assertThat(outcome.err()).contains("Data folder").contains("is not writable").contains("--data-dir")
                .doesNotContain("\tat ");
    }

    @Test
    void aBusyHttpPortExitsOneWithAMessage() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Outcome outcome = run("--data-dir", dir.toString(), "--http-port", Integer.toString(taken.getLocalPort()),
                    "--kafka-port", "0");
            assertThat(outcome.exit()).isEqualTo(1);
            assertThat(outcome.err()).contains("HTTP port " + taken.getLocalPort()).contains("already in use")
                    .doesNotContain("\tat ");
        }
    }
}
