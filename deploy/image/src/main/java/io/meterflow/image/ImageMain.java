package io.meterflow.image;

import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncService;
import io.meterflow.config.Settings;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestService;
import io.meterflow.runtime.CommandLine;
import io.meterflow.runtime.Runner;
import io.meterflow.standalone.StandaloneMain;
import io.meterflow.standalone.StandaloneOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The container image's entrypoint: {@code <role> [args...]}, where the role is {@code alias-sync},
 * {@code ingest-stream}, {@code standalone} or {@code kafka}, and the arguments go to that role's main unchanged.
 * The exit code is the main's: 0 after a requested shutdown, 1 if it failed or could not start, 2 on bad arguments
 * or settings, and 2 with the usage for a missing or unknown role.
 *
 * <p>In the image, state lives under the system property {@value #HOME_PROPERTY} (set by the image's JVM flags to
 * {@code /var/lib/meterflow}, its one volume): each role gets a default there for the key that places its state ({@code state.dir}, or
 * {@code data.dir}) unless the file, the environment or the flags give one, so a user's setting always wins over the
 * image's. The standalone launcher also listens on all addresses there, as each app's main does.
 */
public final class ImageMain {

    /**
     * The system property the image sets to its state folder; without it no role defaults are added. Not a
     * {@code METERFLOW_*} variable: every role would report it as a key it does not know.
     */
    public static final String HOME_PROPERTY = "meterflow.image.home";

    /** One role's main: its arguments and environment in, its exit code out. */
    @FunctionalInterface
    interface RoleMain {
        int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) throws Exception;
    }

    /** A role: its main, and the settings it reads as its arguments and environment give them (for defaults). */
    record Role(String name, String description, RoleMain main, Function<Path, Map<String, String>> defaults,
            SettingsReader reader) {
    }

    @FunctionalInterface
    interface SettingsReader {
        Settings read(String[] args, Map<String, String> env);
    }

    /** Every role of the image, in the order the usage lists them. */
    static List<Role> roles() {
        return List.of(
                new Role(AliasSyncApp.NAME, "customers and alias ownership (AliasSyncMain)",
                        (args, env, out, err) -> Runner.runMain(AliasSyncApp.NAME, args, env,
                                AliasSyncService.definition(), err),
                        home -> Map.of("state.dir", home.resolve("state").toString()),
                        (args, env) -> CommandLine.settings(AliasSyncApp.NAME, args, env)),
                new Role(IngestApp.NAME, "usage validation, attribution, parking and replay (IngestMain)",
                        (args, env, out, err) -> Runner.runMain(IngestApp.NAME, args, env,
                                IngestService.definition(), err),
                        home -> Map.of("state.dir", home.resolve("state").toString()),
                        (args, env) -> CommandLine.settings(IngestApp.NAME, args, env)),
                new Role("standalone", "the one-process launcher: embedded broker and both apps (StandaloneMain)",
                        (args, env, out, err) -> StandaloneMain.run(args, env, out, err),
                        home -> Map.of(StandaloneOptions.DATA_DIR, home.toString(), "http.host", "0.0.0.0"),
                        (args, env) -> StandaloneOptions.parse(args, env).settings()),
                new Role(KafkaBrokerMain.NAME, "a single-node KRaft broker alone (KafkaBrokerMain)",
                        (args, env, out, err) -> KafkaBrokerMain.run(args, env, out, err),
                        home -> Map.of(KafkaBrokerMain.DATA_DIR, home.resolve("kafka").toString()),
                        (args, env) -> CommandLine.settings(KafkaBrokerMain.NAME, args, env)));
    }

    private ImageMain() {
    }

    public static void main(String[] args) {
        String home = System.getProperty(HOME_PROPERTY, "");
        int code = run(args, System.getenv(), home.isBlank() ? null : Path.of(home), roles(), System.out, System.err);
        // The roles' mains return once their work is done; a non-daemon thread left behind must not keep the
        // container alive, nor hide a failure.
        System.exit(code);
    }

    static int run(String[] args, Map<String, String> env, Path home, List<Role> roles, PrintStream out,
            PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            PrintStream to = args.length == 0 ? err : out;
            to.print(usage(roles));
            return args.length == 0 ? 2 : 0;
        }
        Optional<Role> role = roles.stream().filter(r -> r.name().equals(args[0])).findFirst();
        if (role.isEmpty()) {
            err.println("meterflow: unknown role '" + args[0] + "'");
            err.print(usage(roles));
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (home != null) {
            rest = withDefaults(role.get(), rest, env, home);
        }
        try {
            return role.get().main().run(rest, env, out, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (Exception e) {
            err.println(role.get().name() + ": " + e);
            return 1;
        }
    }

    /**
     * The arguments plus {@code --set key=value} for each of the role's defaults that the file, the environment and
     * the arguments leave unset. Arguments the role cannot read are passed unchanged: its main reports them.
     */
    static String[] withDefaults(Role role, String[] args, Map<String, String> env, Path home) {
        Settings given;
        try {
            given = role.reader().read(args, env);
        } catch (RuntimeException e) {
            return args;
        }
        Map<String, String> missing = new LinkedHashMap<>(role.defaults().apply(home));
        missing.keySet().removeIf(key -> given.asMap().keySet().stream()
                .anyMatch(k -> Settings.envName(k).equals(Settings.envName(key))));
        List<String> out = new ArrayList<>(Arrays.asList(args));
        missing.forEach((key, value) -> {
            out.add("--set");
            out.add(key + "=" + value);
        });
        return out.toArray(String[]::new);
    }

    static String usage(List<Role> roles) {
        StringBuilder usage = new StringBuilder("usage: <role> [args...]   (the image's entrypoint)\nroles:\n");
        for (Role role : roles) {
            usage.append(String.format("  %-14s %s%n", role.name(), role.description()));
        }
        usage.append("""
                Each role takes [--config FILE] [--set key=value]... (standalone: its own flags too, see standalone \
                --help); every key can also be set as a METERFLOW_<KEY> environment variable, or read from the file \
                named by METERFLOW_<KEY>_FILE.
                """);
        return usage.toString();
    }
}
