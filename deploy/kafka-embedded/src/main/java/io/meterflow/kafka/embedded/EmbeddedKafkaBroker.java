package io.meterflow.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;

/**
 * A single-node Kafka cluster running inside this JVM: one KRaft node that is both broker and controller, listening
 * on 127.0.0.1 only.
 *
 * <p>It is configured so that everything an application does against a real cluster works on one node: consumer
 * groups, transactions and exactly-once Streams (the internal topics have replication factor 1). Topic
 * auto-creation is off, so an application must create its topics as it would in production.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
 *     producerConfig.put("bootstrap.servers", broker.bootstrapServers());
 *     ...
 * }
 * }</pre>
 *
 * <p>With {@link Builder#dataDir(Path)} the broker keeps its topics, offsets and cluster ID across restarts;
 * without it, it runs in a temporary directory that {@link #close()} deletes. An instance starts once and closes
 * once; build a new one to restart on the same directory.
 *
 * <p>Kafka ends its process on a fatal fault; while an embedded broker runs, that is turned into an
 * {@link EmbeddedKafkaException} so the fault fails the start (or the Kafka thread that hit it) instead of killing the
 * JVM. This replaces Kafka's JVM-wide {@code Exit} procedures until the last embedded broker closes.
 *
 * <p>Kafka's own logging goes to SLF4J under the {@code kafka} and {@code org.apache.kafka} loggers and is verbose
 * at INFO; set those to WARN in the application's logging configuration.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    /** Ports picked by us can be taken by another process before Kafka binds them; a few tries ride that out. */
    private static final int BIND_ATTEMPTS = 3;
    private static final Duration READY_POLL = Duration.ofMillis(100);

    private enum State { NEW, RUNNING, CLOSED }

    private final Path requestedDataDir;
    private final int requestedPort;
    private final Map<String, String> overrides;
    private final Duration startupTimeout;

    private State state = State.NEW;
    private boolean exitGuarded;
    private DataDirectory dataDirectory;
    private KafkaRaftServer server;
    private int port;
    private String clusterId;

    private EmbeddedKafkaBroker(Builder builder) {
        this.requestedDataDir = builder.dataDir;
        this.requestedPort = builder.port;
        this.overrides = Map.copyOf(builder.brokerProperties);
        this.startupTimeout = builder.startupTimeout;
    }

    /** A builder for a broker on a free port in a temporary directory. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the data directory if it is new, starts the node and waits until the broker answers an Admin client.
     *
     * @return this broker, running
     * @throws EmbeddedKafkaException if the port is in use, the data directory is not writable, or the broker is
     *     not ready within the startup timeout; nothing is left running or bound then
     * @throws IllegalStateException if this broker was started before
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (state != State.NEW) {
            throw new IllegalStateException("an EmbeddedKafkaBroker starts only once; build a new one to restart");
        }
        long startedAt = System.nanoTime();
        try {
            if (requestedPort != 0) {
                LocalPorts.requireFree(requestedPort);
            }
            dataDirectory = requestedDataDir == null ? DataDirectory.temporary() : DataDirectory.persistent(requestedDataDir);
            String formattedId = dataDirectory.formattedClusterId().orElseGet(() -> Uuid.randomUuid().toString());
            KafkaExitGuard.acquire();
            exitGuarded = true;
            startServer(formattedId);
            clusterId = awaitReady(startedAt);
            state = State.RUNNING;
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
        log.info("Kafka broker {} (cluster {}) ready in {} ms, data in {}", bootstrapServers(), clusterId,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt), dataDirectory.root());
        return this;
    }

    /** {@code 127.0.0.1:<port>}, for a client's {@code bootstrap.servers}. */
    public synchronized String bootstrapServers() {
        requireStarted();
        return LocalPorts.HOST + ":" + port;
    }

    /** The broker's listener port; with a builder port of 0, the free port picked at start. */
    public synchronized int port() {
        requireStarted();
        return port;
    }

    /** The directory holding the broker's state; for a temporary broker, the one created at start. */
    public synchronized Path dataDir() {
        requireStarted();
        return dataDirectory.root();
    }

    /** The ID the data directory was formatted with; the same after a restart on the same directory. */
    public synchronized String clusterId() {
        requireStarted();
        return clusterId;
    }

    /** Whether the broker started and has not been closed. */
    public synchronized boolean isRunning() {
        return state == State.RUNNING;
    }

    /**
     * Shuts the node down cleanly, waits for it to stop, then deletes the data directory if it was temporary. Safe to
     * call more than once and on a broker that never started.
     */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        stopServer();
        if (exitGuarded) {
            KafkaExitGuard.release();
            exitGuarded = false;
        }
        if (dataDirectory != null && dataDirectory.isTemporary()) {
            try {
                dataDirectory.delete();
            } catch (IOException e) {
                log.warn("Could not delete temporary Kafka data directory {}", dataDirectory.root(), e);
            }
        }
    }

    private void startServer(String formattedId) {
        for (int attempt = 1; ; attempt++) {
            port = requestedPort != 0 ? requestedPort : LocalPorts.pickFree();
            int controllerPort = LocalPorts.pickFreeExcept(port);
            Properties props = BrokerSettings.singleNode(port, controllerPort, dataDirectory.logDir(), startupTimeout, overrides);
            KafkaConfig config;
            try {
                config = KafkaConfig.fromProps(props, false);
            } catch (RuntimeException e) {
                throw new EmbeddedKafkaException("invalid Kafka broker configuration: " + rootMessage(e), e);
            }
            format(props, formattedId);
            try {
                server = new KafkaRaftServer(config, Time.SYSTEM);
                server.startup();
                return;
            } catch (RuntimeException e) {
                stopServer();
                if (!isBindFailure(e)) {
                    throw new EmbeddedKafkaException(
                            "Kafka broker in " + dataDirectory.root() + " failed to start: " + rootMessage(e), e);
                }
                if (requestedPort != 0) {
                    // Only the controller port was ours to pick, unless the given port was taken since the check.
                    throw new EmbeddedKafkaException(LocalPorts.inUseMessage(port) + " (or controller port "
                            + controllerPort + "): " + rootMessage(e), e);
                }
                if (attempt == BIND_ATTEMPTS) {
                    throw new EmbeddedKafkaException("Kafka could not bind free ports on " + LocalPorts.HOST
                            + " after " + BIND_ATTEMPTS + " attempts: " + rootMessage(e), e);
                }
                log.debug("Ports {} and {} were taken before Kafka bound them; retrying", port, controllerPort);
            }
        }
    }

    /**
     * Writes the configuration where the storage tool reads it and formats the log directory; a directory formatted
     * before is left as it is, which is what makes a restart keep its data.
     */
    private void format(Properties props, String formattedId) {
        Path configFile = dataDirectory.configFile();
        try (OutputStream out = Files.newOutputStream(configFile)) {
            props.store(out, "Written by EmbeddedKafkaBroker at each start; the ports change between starts");
        } catch (IOException e) {
            throw new EmbeddedKafkaException("data directory " + dataDirectory.root() + " is not writable: " + e, e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        String[] args = {"format", "--config", configFile.toString(), "--cluster-id", formattedId, "--ignore-formatted"};
        int exitCode;
        try (PrintStream printed = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            exitCode = StorageTool.execute(args, printed);
        } catch (RuntimeException e) {
            throw new EmbeddedKafkaException("formatting Kafka data directory " + dataDirectory.logDir() + " failed: "
                    + rootMessage(e) + printedBy(output), e);
        }
        if (exitCode != 0) {
            throw new EmbeddedKafkaException("formatting Kafka data directory " + dataDirectory.logDir()
                    + " failed with exit code " + exitCode + printedBy(output));
        }
        log.debug("Storage format: {}", output.toString(StandardCharsets.UTF_8).strip());
    }

    /**
     * The node's own start-up already waits for the broker to be unfenced; asking as a client also proves that the
     * listener accepts connections and serves metadata.
     */
    private String awaitReady(long startedAt) {
        long deadline = startedAt + startupTimeout.toNanos();
        Properties config = new Properties();
        config.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, LocalPorts.HOST + ":" + port);
        config.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-readiness");
        try (Admin admin = Admin.create(config)) {
            Exception last = null;
            while (System.nanoTime() < deadline) {
                long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                try {
                    DescribeClusterResult cluster = admin.describeCluster();
                    Collection<Node> nodes = cluster.nodes().get(remainingMs, TimeUnit.MILLISECONDS);
                    if (!nodes.isEmpty()) {
                        return cluster.clusterId().get(remainingMs, TimeUnit.MILLISECONDS);
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EmbeddedKafkaException("interrupted while waiting for the Kafka broker to start", e);
                }
                sleep(READY_POLL);
            }
            throw new EmbeddedKafkaException("Kafka broker on " + LocalPorts.HOST + ":" + port
                    + " was not ready within " + startupTimeout.toMillis() + " ms"
                    + (last == null ? "" : ": " + rootMessage(last)), last);
        }
    }

    private void stopServer() {
        if (server == null) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            log.warn("Kafka broker did not shut down cleanly", e);
        } finally {
            server = null;
        }
    }

    private void requireStarted() {
        if (dataDirectory == null || clusterId == null) {
            throw new IllegalStateException("the broker has not started");
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getName() : root.getMessage();
    }

    private static String printedBy(ByteArrayOutputStream output) {
        String printed = output.toString(StandardCharsets.UTF_8).strip();
        return printed.isEmpty() ? "" : "; the storage tool printed: " + printed;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for the Kafka broker to start", e);
        }
    }

    /**
     * Configures an {@link EmbeddedKafkaBroker}. Defaults: a temporary data directory, a free port, a 60 s startup
     * timeout.
     */
    public static final class Builder {

        private Path dataDir;
        private int port;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private Duration startupTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /**
         * Keeps the broker's state in {@code dir} ({@code logs/} for Kafka's log directory, {@code server.properties}
         * for the configuration of the last start), created if missing and never deleted by the broker, so a later
         * broker on the same directory sees the same topics, offsets and cluster ID.
         */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** The broker's listener port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** Sets a Kafka server property, overriding this class's default for it. */
        public Builder brokerProperty(String key, String value) {
            brokerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Sets several Kafka server properties, overriding this class's defaults for them. */
        public Builder brokerProperties(Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        /** How long {@link EmbeddedKafkaBroker#start()} may take before it gives up. */
        public Builder startupTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startup timeout must be positive, was " + timeout);
            }
            this.startupTimeout = timeout;
            return this;
        }

        /** A broker with this configuration, not yet started; this does no I/O. */
        public EmbeddedKafkaBroker build() {
            return new EmbeddedKafkaBroker(this);
        }
    }
}
