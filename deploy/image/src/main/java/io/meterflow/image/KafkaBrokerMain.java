package io.meterflow.image;

import io.meterflow.config.Settings;
import io.meterflow.kafka.embedded.EmbeddedKafkaBroker;
import io.meterflow.kafka.embedded.EmbeddedKafkaException;
import io.meterflow.runtime.CommandLine;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;

/**
 * Runs the embedded single-node KRaft broker ({@link EmbeddedKafkaBroker}: broker and controller in one node,
 * single-node settings for transactions and consumer groups, topic auto-creation off) as a process of its own:
 * {@code kafka [--config FILE] [--set key=value]...}, each key also a {@code METERFLOW_*} variable.
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><td>{@code data.dir}</td><td>{@code data/kafka}</td><td>the broker's logs and its formatted cluster ID;
 *       a restart on the same folder keeps every topic and offset</td></tr>
 *   <tr><td>{@code broker.port}</td><td>9092</td><td>the client listener</td></tr>
 *   <tr><td>{@code broker.host}</td><td>127.0.0.1</td><td>the address the client listener binds
 *       ({@code 0.0.0.0} for all)</td></tr>
 *   <tr><td>{@code broker.advertised.host}</td><td>{@code broker.host}, or 127.0.0.1 for 0.0.0.0</td>
 *       <td>the host clients are told to connect to</td></tr>
 *   <tr><td>{@code broker.controller.port}</td><td>0 (a free port)</td><td>the controller listener, on
 *       127.0.0.1 only</td></tr>
 *   <tr><td>{@code kafka.<key>}</td><td></td><td>any Kafka server property, over the broker's defaults</td></tr>
 * </table>
 *
 * <p>Prints {@value #READY_PREFIX}{@code bootstrap=HOST:PORT ...} once clients can connect, then runs until stopped
 * (SIGTERM shuts the node down cleanly). Exits 2 on a bad setting, 1 if the broker cannot start.
 */
public final class KafkaBrokerMain {

    public static final String NAME = "kafka";
    public static final String DATA_DIR = "data.dir";
    public static final String PORT = "broker.port";
    public static final String HOST = "broker.host";
    public static final String ADVERTISED_HOST = "broker.advertised.host";
    public static final String CONTROLLER_PORT = "broker.controller.port";
    /** Scripts and containers wait for a line starting with this. */
    public static final String READY_PREFIX = "Kafka ready: ";

    private static final String LOOPBACK = "127.0.0.1";

    private KafkaBrokerMain() {
    }

    /** What the settings ask of the broker. */
    record Options(Path dataDir, int port, String host, String advertisedHost, int controllerPort,
            Map<String, String> serverProperties) {

        static Options from(Settings settings) {
            Path dataDir = Path.of(settings.string(DATA_DIR, "data/kafka")).toAbsolutePath().normalize();
            int port = settings.intValue(PORT, 9092, 1, 65_535);
            String host = settings.string(HOST, LOOPBACK);
            String advertised = settings.string(ADVERTISED_HOST, host.equals("0.0.0.0") ? LOOPBACK : host);
            int controllerPort = settings.intValue(CONTROLLER_PORT, 0, 0, 65_535);
            if (controllerPort == port) {
                throw new ConfigException(CONTROLLER_PORT, controllerPort, "must differ from " + PORT);
            }
            return new Options(dataDir, port, host, advertised, controllerPort, settings.withPrefix("kafka."));
        }

        /**
         * The server properties over the embedded broker's defaults. On loopback with a free controller port the
         * defaults already fit; otherwise the listeners are spelled out, the controller staying on loopback (only
         * this node talks to it).
         */
        Map<String, String> brokerProperties(int chosenControllerPort) {
            Map<String, String> props = new LinkedHashMap<>();
            if (!host.equals(LOOPBACK) || !advertisedHost.equals(LOOPBACK) || controllerPort != 0) {
                props.put("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + LOOPBACK + ":"
                        + chosenControllerPort);
                props.put("advertised.listeners", "PLAINTEXT://" + advertisedHost + ":" + port);
                props.put("controller.quorum.voters", "1@" + LOOPBACK + ":" + chosenControllerPort);
            }
            props.putAll(serverProperties);
            return props;
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Runs the broker until the process is asked to stop; returns the exit code if it could not start. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Options options;
        Set<String> unknown;
        try {
            Settings settings = CommandLine.settings(NAME, args, env);
            options = Options.from(settings);
            unknown = settings.unreadKeys();
        } catch (ConfigException | CommandLine.UsageException e) {
            err.println(NAME + ": " + e.getMessage());
            return 2;
        }
        if (!unknown.isEmpty()) {
            err.println(NAME + ": unknown configuration keys, ignored (a typo, or a key of another role?): " + unknown);
        }
        int controllerPort = options.controllerPort() != 0 ? options.controllerPort() : freeLoopbackPort();
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .dataDir(options.dataDir())
                .port(options.port())
                .brokerProperties(options.brokerProperties(controllerPort))
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "kafka-shutdown"));
        try {
            broker.start();
        } catch (EmbeddedKafkaException e) {
            err.println(NAME + ": " + e.getMessage());
            broker.close();
            return 1;
        }
        out.println(READY_PREFIX + "bootstrap=" + options.advertisedHost() + ":" + broker.port() + " cluster="
                + broker.clusterId() + " data=" + broker.dataDir());
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(LOOPBACK, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port on " + LOOPBACK, e);
        }
    }
}
