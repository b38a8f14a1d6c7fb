package io.meterflow.kafka.junit;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import io.meterflow.kafka.embedded.EmbeddedKafkaBroker;

/**
 * The cluster shared by all test classes of a JVM. JUnit closes it with the root extension context, which stops the
 * broker it owns (none for an external cluster).
 */
final class SharedKafkaCluster implements KafkaCluster, AutoCloseable {

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration EXTERNAL_REACH_TIMEOUT = Duration.ofSeconds(15);

    private final Kind kind;
    private final String bootstrapServers;
    private final AutoCloseable owned;
    private Admin admin;

    SharedKafkaCluster(Kind kind, String bootstrapServers, AutoCloseable owned) {
        this.kind = kind;
        this.bootstrapServers = bootstrapServers;
        this.owned = owned;
    }

    static SharedKafkaCluster inProcess() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
        return new SharedKafkaCluster(Kind.IN_PROCESS, broker.bootstrapServers(), broker);
    }

    /** Fails fast when the variable points nowhere, rather than letting every test time out on its own. */
    static SharedKafkaCluster external(String bootstrapServers) {
        SharedKafkaCluster cluster = new SharedKafkaCluster(Kind.EXTERNAL, bootstrapServers, null);
        try {
            cluster.admin().describeCluster().nodes().get(EXTERNAL_REACH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            cluster.close();
            throw new ExtensionConfigurationException(KafkaClusterExtension.BOOTSTRAP_SERVERS_ENV + "="
                    + bootstrapServers + " is set but no Kafka broker answered within "
                    + EXTERNAL_REACH_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cluster.close();
            throw new IllegalStateException("interrupted while reaching " + bootstrapServers, e);
        }
        return cluster;
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public Kind kind() {
        return kind;
    }

    @Override
    public void createTopics(Collection<NewTopic> topics) {
        try {
            admin().createTopics(topics).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create topics " + names(topics) + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("topics " + names(topics) + " not created within " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics " + names(topics), e);
        }
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not stop the " + kind + " Kafka broker at " + bootstrapServers, e);
            }
        }
    }

    @Override
    public String toString() {
        return kind + " Kafka at " + bootstrapServers;
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    AdminClientConfig.CLIENT_ID_CONFIG, "meterflow-kafka-junit"));
        }
        return admin;
    }

    private static String names(Collection<NewTopic> topics) {
        return topics.stream().map(NewTopic::name).toList().toString();
    }
}
