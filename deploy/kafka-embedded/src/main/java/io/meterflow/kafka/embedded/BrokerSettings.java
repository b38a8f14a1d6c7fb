package io.meterflow.kafka.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/** The server configuration of a one-node KRaft cluster on a small machine. */
final class BrokerSettings {

    static final int NODE_ID = 1;
    static final String BROKER_LISTENER = "PLAINTEXT";
    static final String CONTROLLER_LISTENER = "CONTROLLER";

    private BrokerSettings() {
    }

    /**
     * Defaults first, then {@code overrides}, so a caller can change any of them, including the ones a single node
     * needs; getting those wrong is the caller's choice.
     */
    static Properties singleNode(int brokerPort, int controllerPort, Path logDir, Duration startupTimeout,
            Map<String, String> overrides) {
        String host = LocalPorts.HOST;
        Properties props = new Properties();
        props.setProperty("node.id", String.valueOf(NODE_ID));
        props.setProperty("process.roles", "broker,controller");
        // A static voter set (kraft.version 0) keeps no controller address in the metadata log, so a restart may
        // bind the controller to a different port.
        props.setProperty("controller.quorum.voters", NODE_ID + "@" + host + ":" + controllerPort);
        props.setProperty("controller.listener.names", CONTROLLER_LISTENER);
        props.setProperty("listeners",
                BROKER_LISTENER + "://" + host + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://" + host + ":" + controllerPort);
        props.setProperty("advertised.listeners", BROKER_LISTENER + "://" + host + ":" + brokerPort);
        props.setProperty("listener.security.protocol.map",
                BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.setProperty("inter.broker.listener.name", BROKER_LISTENER);
        props.setProperty("log.dirs", logDir.toString());

        // Internal topics default to replication factor 3 and would never be created on one node: consumer groups,
        // transactions (and so exactly-once Streams) and share groups would hang.
        props.setProperty("offsets.topic.replication.factor", "1");
        props.setProperty("transaction.state.log.replication.factor", "1");
        props.setProperty("transaction.state.log.min.isr", "1");
        props.setProperty("share.coordinator.state.topic.replication.factor", "1");
        props.setProperty("share.coordinator.state.topic.min.isr", "1");
        // 50 partitions each by default, all created on first use; one is enough on one node.
        props.setProperty("offsets.topic.num.partitions", "1");
        props.setProperty("transaction.state.log.num.partitions", "1");
        props.setProperty("share.coordinator.state.topic.num.partitions", "1");
        props.setProperty("group.initial.rebalance.delay.ms", "0");

        // Applications create their topics, as they must against a production cluster.
        props.setProperty("auto.create.topics.enable", "false");
        props.setProperty("num.partitions", "1");
        props.setProperty("default.replication.factor", "1");
        props.setProperty("min.insync.replicas", "1");

        props.setProperty("num.network.threads", "2");
        props.setProperty("num.io.threads", "2");
        props.setProperty("background.threads", "2");
        props.setProperty("num.recovery.threads.per.data.dir", "1");
        props.setProperty("num.replica.alter.log.dirs.threads", "1");
        props.setProperty("log.cleaner.threads", "1");
        // The cleaner allocates this buffer on the heap at start-up; the default is 128 MiB.
        props.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        // Bounds Kafka's own wait for the controller and for unfencing, which is otherwise unlimited.
        props.setProperty("server.max.startup.time.ms", String.valueOf(startupTimeout.toMillis()));

        props.putAll(overrides);
        return props;
    }
}
