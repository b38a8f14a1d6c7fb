package io.meterflow.kafka.junit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.opentest4j.AssertionFailedError;

/**
 * The checked-in description of an app's topology ({@code Topology#describe().toString()} with default settings),
 * which a fast test compares with the live one. Kafka Streams names a store's changelog, a repartition topic and the
 * tasks (and their state directories) after the names and sub-topologies in this description, so a change to it is
 * a change to what a running deployment holds: a renamed store or internal topic starts empty and orphans the old
 * one. The comparison makes every such change a deliberate edit of the golden file, reviewed with the code.
 *
 * <p>The file is {@code src/test/resources/topology/<app>.txt} of the module under test. With the system property
 * {@value #UPDATE_PROPERTY}{@code =true} the check rewrites the file from the live topology instead of comparing.
 */
public final class GoldenTopology {

    /** Set to {@code true} to rewrite the golden file from the live topology instead of comparing. */
    public static final String UPDATE_PROPERTY = "meterflow.updateGoldenTopology";

    private static final Pattern SUBTOPOLOGY = Pattern.compile("^\\s*Sub-topology: (\\S+)");
    private static final Pattern NODE = Pattern.compile("^\\s*(Source|Processor|Sink): (\\S+) \\((.*)\\)\\s*$");
    private static final Pattern STORES = Pattern.compile("stores: \\[([^\\]]*)\\]");
    private static final Pattern TOPICS = Pattern.compile("topics: \\[([^\\]]*)\\]");
    private static final Pattern TOPIC = Pattern.compile("^topic: (\\S+)$");
    private static final int DIFF_CONTEXT = 2;

    private final String app;
    private final Path file;
    private final String updateCommand;

    GoldenTopology(String app, Path file, String updateCommand) {
        this.app = Objects.requireNonNull(app);
        this.file = Objects.requireNonNull(file);
        this.updateCommand = Objects.requireNonNull(updateCommand);
    }

    /**
     * The golden topology of {@code app}, whose module directory has the app's name, checked by {@code testClass}
     * (named in the command that rewrites the file).
     */
    public static GoldenTopology of(String app, Class<?> testClass) {
        // Surefire sets basedir to the module; an IDE runs tests in the module directory.
        Path module = Path.of(System.getProperty("basedir", ""));
        return new GoldenTopology(app, module.resolve("src/test/resources/topology/" + app + ".txt"),
                "mvn -B -ntp test -pl " + app + " -am -Dtest=" + testClass.getSimpleName()
                        + " -Dsurefire.failIfNoSpecifiedTests=false -D" + UPDATE_PROPERTY + "=true");
    }

    /** The golden file. */
    public Path file() {
        return file;
    }

    /**
     * Passes if {@code liveDescription} equals the golden file (trailing spaces aside); otherwise fails with what
     * changed, why it matters and how to update the file. Rewrites the file instead when {@value #UPDATE_PROPERTY}
     * is {@code true}.
     */
    public void assertMatches(String liveDescription) {
        assertMatches(liveDescription, Boolean.getBoolean(UPDATE_PROPERTY));
    }

    void assertMatches(String liveDescription, boolean update) {
        String live = normalize(liveDescription);
        if (update) {
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.writeString(file, live, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not rewrite the golden topology " + file, e);
            }
            System.err.println("Rewrote the golden topology of " + app + ", " + file + ": review it with git diff");
            return;
        }
        if (!Files.exists(file)) {
            throw new AssertionFailedError("The " + app + " topology has no golden description yet (" + file
                    + "). Create it with\n  " + updateCommand + "\nand commit it.");
        }
        String golden;
        try {
            golden = normalize(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the golden topology " + file, e);
        }
        if (!golden.equals(live)) {
            throw new AssertionFailedError(mismatch(golden, live), golden, live);
        }
    }

    private String mismatch(String golden, String live) {
        return "The " + app + " topology no longer matches its golden description, " + file + ".\n\n"
                + "What changed:\n" + summary(Shape.of(golden), Shape.of(live)) + "\n"
                + "Why it matters: Kafka Streams names each store's changelog topic, each repartition topic and each"
                + " task (and its local state directory) after these names and sub-topologies. In a running"
                + " deployment a renamed or removed processor, store or internal topic orphans its state and"
                + " changelog, and the renamed one starts empty (parked usage, de-duplication or customer state"
                + " lost). Plan the migration first: keep the old name, or drain and reset the application.\n\n"
                + "How to update: once the change is intended and its migration planned, rewrite the golden file"
                + " with\n  " + updateCommand + "\nand commit it with the change.\n\n"
                + "Line diff (- golden, + live):\n" + lineDiff(golden, live);
    }

    static String normalize(String description) {
        String text = description.replace("\r\n", "\n").replace('\r', '\n');
        String lines = text.lines().map(String::stripTrailing).collect(Collectors.joining("\n"));
        return lines.strip().isEmpty() ? "" : lines.replaceAll("\\n+$", "") + "\n";
    }

    /** The names a description declares, and the sub-topology of each node. */
    record Shape(Map<String, String> nodes, Map<String, String> subtopologyOfNode, Set<String> stores,
            Set<String> topics, int subtopologies) {

        static Shape of(String description) {
            Map<String, String> nodes = new LinkedHashMap<>();
            Map<String, String> subtopologyOfNode = new LinkedHashMap<>();
            Set<String> stores = new TreeSet<>();
            Set<String> topics = new TreeSet<>();
            String subtopology = "?";
            int subtopologies = 0;
            for (String line : description.split("\n")) {
                Matcher sub = SUBTOPOLOGY.matcher(line);
                if (sub.find()) {
                    subtopology = sub.group(1);
                    subtopologies++;
                    continue;
                }
                Matcher node = NODE.matcher(line);
                if (!node.matches()) {
                    continue;
                }
                String kind = node.group(1).toLowerCase(Locale.ROOT);
                nodes.put(node.group(2), kind);
                subtopologyOfNode.put(node.group(2), subtopology);
                String details = node.group(3);
                Matcher storeList = STORES.matcher(details);
                if (storeList.find()) {
                    stores.addAll(list(storeList.group(1)));
                }
                Matcher topicList = TOPICS.matcher(details);
                if (topicList.find()) {
                    topics.addAll(list(topicList.group(1)));
                }
                Matcher topic = TOPIC.matcher(details);
                if (topic.matches()) {
                    topics.add(topic.group(1));
                }
            }
            return new Shape(nodes, subtopologyOfNode, stores, topics, subtopologies);
        }

        private static List<String> list(String commaSeparated) {
            return commaSeparated.isBlank() ? List.of()
                    : List.of(commaSeparated.split(",")).stream().map(String::strip).toList();
        }
    }

    static String summary(Shape golden, Shape live) {
        StringBuilder out = new StringBuilder();
        for (String kind : List.of("source", "processor", "sink")) {
            describe(out, kind + "s", names(golden.nodes(), kind), names(live.nodes(), kind));
        }
        describe(out, "stores", golden.stores(), live.stores());
        describe(out, "topics", golden.topics(), live.topics());
        List<String> moved = new ArrayList<>();
        golden.subtopologyOfNode().forEach((node, before) -> {
            String after = live.subtopologyOfNode().get(node);
            if (after != null && !after.equals(before)) {
                moved.add(node + " (" + before + " -> " + after + ")");
            }
        });
        if (golden.subtopologies() != live.subtopologies()) {
            out.append("  sub-topologies: ").append(golden.subtopologies()).append(" -> ")
                    .append(live.subtopologies()).append('\n');
        }
        if (!moved.isEmpty()) {
            out.append("  moved to another sub-topology: ").append(String.join(", ", moved)).append('\n');
        }
        if (out.length() == 0) {
            out.append("  no node, store or topic was added, removed or moved: the wiring between nodes, or the"
                    + " stores a processor connects to, changed (see the line diff)\n");
        }
        return out.toString();
    }

    private static Set<String> names(Map<String, String> nodes, String kind) {
        return nodes.entrySet().stream().filter(e -> e.getValue().equals(kind)).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static void describe(StringBuilder out, String what, Set<String> golden, Set<String> live) {
        Set<String> removed = new TreeSet<>(golden);
        removed.removeAll(live);
        Set<String> added = new TreeSet<>(live);
        added.removeAll(golden);
        if (!removed.isEmpty() && !added.isEmpty()) {
            out.append("  ").append(what).append(" renamed or replaced: ").append(String.join(", ", removed))
                    .append(" -> ").append(String.join(", ", added)).append('\n');
        } else if (!removed.isEmpty()) {
            out.append("  ").append(what).append(" removed: ").append(String.join(", ", removed)).append('\n');
        } else if (!added.isEmpty()) {
            out.append("  ").append(what).append(" added: ").append(String.join(", ", added)).append('\n');
        }
    }

    /** A unified-style diff of two short texts (a topology description is a few hundred lines at most). */
    static String lineDiff(String golden, String live) {
        String[] a = golden.split("\n", -1);
        String[] b = live.split("\n", -1);
        int[][] common = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                common[i][j] = a[i].equals(b[j]) ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<String> lines = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                lines.add("  " + a[i]);
                i++;
                j++;
            } else if (i < a.length && (j == b.length || common[i + 1][j] >= common[i][j + 1])) {
                lines.add("- " + a[i++]);
            } else {
                lines.add("+ " + b[j++]);
            }
        }
        StringBuilder out = new StringBuilder();
        int lastPrinted = -1;
        for (int k = 0; k < lines.size(); k++) {
            if (lines.get(k).startsWith("  ")) {
                continue;
            }
            int from = Math.max(lastPrinted + 1, k - DIFF_CONTEXT);
            int to = Math.min(lines.size() - 1, k + DIFF_CONTEXT);
            if (to <= lastPrinted) {
                continue;
            }
            if (lastPrinted >= 0 && from > lastPrinted + 1) {
                out.append("  ...\n");
            }
            for (int m = from; m <= to; m++) {
                out.append(lines.get(m)).append('\n');
            }
            lastPrinted = to;
        }
        return out.toString();
    }
}
