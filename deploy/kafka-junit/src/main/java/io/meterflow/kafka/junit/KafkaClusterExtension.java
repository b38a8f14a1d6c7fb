package io.meterflow.kafka.junit;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.meterflow.kafka.junit.KafkaCluster.Kind;

/**
 * Gives integration tests a real Kafka cluster, injected as a {@link KafkaCluster} parameter of a test method, a
 * {@code @BeforeAll}/{@code @BeforeEach} method or the test class constructor:
 *
 * <pre>{@code
 * @ExtendWith(KafkaClusterExtension.class)
 * class UsageIngestIT {
 *     @Test
 *     void acceptsAUsageEvent(KafkaCluster kafka) {
 *         String topic = "usage-" + UUID.randomUUID();
 *         kafka.createTopic(topic, 3);
 *         ... clients with bootstrap.servers = kafka.bootstrapServers() ...
 *     }
 * }
 * }</pre>
 *
 * <p>The first test class that needs a cluster starts it; every later class in the same JVM (the same JUnit run)
 * gets the same one, and it is stopped when the run ends. Tests must therefore not share topic names, consumer
 * group IDs or transactional IDs. Which cluster it is:
 * <ol>
 *   <li>an external cluster, if the environment variable {@value #BOOTSTRAP_SERVERS_ENV} is set (it is never
 *       stopped, and topics are not deleted);</li>
 *   <li>else Testcontainers' Kafka ({@code apache/kafka}, image overridable with the system property
 *       {@value #IMAGE_PROPERTY}; a locally built Meterflow image, {@code meterflow/meterflow:<version>}, runs in its
 *       {@code kafka} role on the host's network) when Docker is available;</li>
 *   <li>else an in-process {@link io.meterflow.kafka.embedded.EmbeddedKafkaBroker}.</li>
 * </ol>
 *
 * <p>The system property (or JUnit configuration parameter) {@value #MODE_PROPERTY} overrides the order:
 * {@code in-process} always uses the in-process broker, which is the fastest choice on a machine that does have
 * Docker; {@code testcontainers} requires Docker and skips the tests without it; {@code external} requires
 * {@value #BOOTSTRAP_SERVERS_ENV}; {@code auto} (the default) is the order above. For example
 * {@code mvn verify -Dmeterflow.kafka.mode=in-process}.
 *
 * <p>Tests that use it belong to the real-broker tier: classes named {@code *IT}, which failsafe runs in
 * {@code mvn verify}. The build sets {@value #TIER_PROPERTY}{@code =unit} for the unit tier (surefire,
 * {@code mvn test}), and there the extension fails the class instead of starting a broker.
 *
 * <p>The in-process and Testcontainers brokers have topic auto-creation off and single-node settings for
 * transactions and consumer groups; create topics with {@link KafkaCluster#createTopic(String, int)} or an Admin
 * client, as the application does in production.
 */
public final class KafkaClusterExtension implements BeforeAllCallback, ParameterResolver {

    /** Selects the cluster: {@code auto}, {@code in-process}, {@code testcontainers} or {@code external}. */
    public static final String MODE_PROPERTY = "meterflow.kafka.mode";
    /** The environment variable naming an external cluster's bootstrap servers. */
    public static final String BOOTSTRAP_SERVERS_ENV = "KAFKA_BOOTSTRAP_SERVERS";
    /**
     * The Docker image for the Testcontainers broker: an {@code apache/kafka} image or a compatible one, or a Meterflow
     * image (labelled {@code io.meterflow.image.roles}), whose {@code kafka} role is run.
     */
    public static final String IMAGE_PROPERTY = "meterflow.kafka.image";
    static final String DEFAULT_IMAGE = "apache/kafka:4.1.1";
    /** System property (or JUnit configuration parameter) naming the test tier; {@code unit} starts no broker. */
    public static final String TIER_PROPERTY = "meterflow.test.tier";
    static final String UNIT_TIER = "unit";

    private static final Logger log = LoggerFactory.getLogger(KafkaClusterExtension.class);
    private static final Namespace NAMESPACE = Namespace.create(KafkaClusterExtension.class);

    /**
     * Starts (or finds) the cluster before the class's tests, so a broker that cannot start fails or skips the
     * class once, not each test.
     */
    @Override
    public void beforeAll(ExtensionContext context) {
        cluster(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaCluster.class;
    }

    @Override
    public KafkaCluster resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return cluster(extensionContext);
    }

    /**
     * The root context's store lives for the whole run and closes the AutoCloseable values in it at the end; it
     * also computes each value at most once when test classes run in parallel.
     */
    private static SharedKafkaCluster cluster(ExtensionContext context) {
        // The unit tier promises to start no broker; a misnamed test would otherwise slow it down silently.
        if (setting(context, TIER_PROPERTY).filter(UNIT_TIER::equals).isPresent()) {
            throw new ExtensionConfigurationException(context.getTestClass().map(Class::getName).orElse("This test")
                    + " needs a real Kafka broker but runs in the unit tier (" + TIER_PROPERTY + "=" + UNIT_TIER
                    + ", mvn test), which starts none: name the class *IT so that failsafe runs it in mvn verify");
        }
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedKafkaCluster.class, key -> start(context), SharedKafkaCluster.class);
    }

    private static SharedKafkaCluster start(ExtensionContext context) {
        Optional<String> external = Optional.ofNullable(System.getenv(BOOTSTRAP_SERVERS_ENV)).filter(s -> !s.isBlank());
        ClusterMode mode = ClusterMode.parse(setting(context, MODE_PROPERTY));
        Kind kind = mode.select(external, ContainerKafka::dockerAvailable);
        long startedAt = System.nanoTime();
        SharedKafkaCluster cluster = switch (kind) {
            case EXTERNAL -> SharedKafkaCluster.external(external.orElseThrow());
            case TESTCONTAINERS -> ContainerKafka.start(setting(context, IMAGE_PROPERTY).orElse(DEFAULT_IMAGE));
            case IN_PROCESS -> SharedKafkaCluster.inProcess();
        };
        log.info("Integration tests use {} (mode {}, ready in {} ms)", cluster, mode,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
        return cluster;
    }

    /**
     * A JUnit configuration parameter, else the system property: launchers that turn off JUnit's own fallback to
     * system properties (the engine test kit does) must still honour {@code -Dmeterflow.kafka.mode}.
     */
    private static Optional<String> setting(ExtensionContext context, String key) {
        return context.getConfigurationParameter(key).or(() -> Optional.ofNullable(System.getProperty(key)));
    }
}
