package io.meterflow.kafka.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Where a broker keeps its state: {@code logs/} is Kafka's log directory (topic partitions and the metadata log),
 * {@code server.properties} the configuration of the last start, kept for anyone debugging a failed start.
 */
final class DataDirectory {

    private static final String LOG_DIR = "logs";
    private static final String CONFIG_FILE = "server.properties";
    /** Written by the storage format; Kafka refuses to start if a later format used a different cluster ID. */
    private static final String META_PROPERTIES = "meta.properties";

    private final Path root;
    private final boolean temporary;

    private DataDirectory(Path root, boolean temporary) {
        this.root = root;
        this.temporary = temporary;
    }

    /** Creates {@code root} if needed and proves it writable, so Kafka never starts on a directory it cannot use. */
    static DataDirectory persistent(Path root) {
        Path dir = root.toAbsolutePath().normalize();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new EmbeddedKafkaException("data directory " + dir + " is not a directory");
        }
        try {
            Files.createDirectories(dir.resolve(LOG_DIR));
            Files.delete(Files.createTempFile(dir.resolve(LOG_DIR), ".write-probe", ".tmp"));
        } catch (FileAlreadyExistsException e) {
            throw new EmbeddedKafkaException(
                    "data directory " + dir + " is not writable: " + e.getFile() + " is not a directory", e);
        } catch (IOException | SecurityException e) {
            throw new EmbeddedKafkaException("data directory " + dir + " is not writable: " + describe(e), e);
        }
        return new DataDirectory(dir, false);
    }

    static DataDirectory temporary() {
        try {
            Path dir = Files.createTempDirectory("meterflow-kafka-");
            Files.createDirectories(dir.resolve(LOG_DIR));
            return new DataDirectory(dir, true);
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot create a temporary data directory: " + describe(e), e);
        }
    }

    Path root() {
        return root;
    }

    Path logDir() {
        return root.resolve(LOG_DIR);
    }

    Path configFile() {
        return root.resolve(CONFIG_FILE);
    }

    /** The cluster ID of an earlier format of this directory, if there was one. */
    Optional<String> formattedClusterId() {
        Path meta = logDir().resolve(META_PROPERTIES);
        if (!Files.isRegularFile(meta)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            properties.load(in);
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot read " + meta + ": " + describe(e), e);
        }
        return Optional.ofNullable(properties.getProperty("cluster.id")).filter(id -> !id.isBlank());
    }

    boolean isTemporary() {
        return temporary;
    }

    /** Deletes the tree; only ever called for a temporary directory whose broker has stopped. */
    void delete() throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
