package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.runtime.CommandLine;
import io.meterflow.runtime.Runner;
import io.meterflow.runtime.TopicLimits;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.CustomerArchived;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.Rejection;
import io.meterflow.topics.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * alias-sync as it runs in production: configuration from a properties file and the environment, topics created by
 * the app, exactly-once processing on a real broker with three partitions per topic. Sends a customer's life (create,
 * set aliases, a conflicting claim, a release, a re-claim by another customer, archive) plus a cross-partition race,
 * and reads the compacted outputs back with read_committed.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AliasSyncAppIT {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<AutoCloseable> resources = new ArrayList<>();
    private AliasSyncApp app;
    private Runner runner;
    private int changeCount;

    @AfterEach
    void closeEverything() throws Exception {
        if (runner != null) {
            runner.close();
        }
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private AliasSyncApp startApp(KafkaCluster kafka) throws IOException {
        Path config = dir.resolve("alias-sync.properties");
        Files.writeString(config, String.join("\n",
                "application.id=alias-sync-it-" + run,
                "schema.registry.url=mock://alias-sync-it-" + run,
                "state.dir=" + dir.resolve("state"),
                "topic.partitions=" + PARTITIONS,
                "topic.replication.factor=1",
                "topic.customer-changes=customer-changes-" + run,
                "topic.customers=customers-" + run,
                "topic.alias-bindings=alias-bindings-" + run,
                "topic.customer-changes-rejected=customer-changes-rejected-" + run,
                "kafka.commit.interval.ms=100",
                ""), StandardCharsets.UTF_8);
        // As alias-sync's main runs it, with the bootstrap servers from the environment, as in a container.
        runner = Runner.builder(CommandLine.settings(AliasSyncApp.NAME, new String[] {"--config", config.toString(),
                        "--set", "http.port=0"}, Map.of("METERFLOW_BOOTSTRAP_SERVERS", kafka.bootstrapServers())))
                .app(AliasSyncApp.NAME, AliasSyncService.definition())
                .build();
        assertThat(runner.unknownKeys()).isEmpty();
        try {
            runner.start();
        } catch (RuntimeException e) {
            runner.close();
            runner = null;
            throw e;
        }
        AliasSyncApp started = (AliasSyncApp) runner.app(AliasSyncApp.NAME);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (started.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            sleep(50);
        }
        assertThat(started.state()).isEqualTo(KafkaStreams.State.RUNNING);
        return started;
    }

    @Test
    void keepsCustomersAndBindingsThroughACustomersLifeAndARestart(KafkaCluster kafka) throws Exception {
        app = startApp(kafka);
        Topics topics = app.topics();
        assertThat(topicConfig(kafka, topics.customers().name()).get("cleanup.policy").value()).isEqualTo("compact");
        assertThat(topicConfig(kafka, topics.aliasBindings().name()).get("cleanup.policy").value()).isEqualTo("compact");

        KafkaProducer<byte[], byte[]> producer = producer(kafka);
        CommittedOutput<Customer> customers = output(kafka, topics.customers().name(), topics.customers().valueSerde().deserializer());
        CommittedOutput<AliasBinding> bindings = output(kafka, topics.aliasBindings().name(),
                topics.aliasBindings().valueSerde().deserializer());
        CommittedOutput<Rejection> rejections = output(kafka, topics.customerChangesRejected().name(),
                topics.customerChangesRejected().valueSerde().deserializer());

        // 1. Create: the customer with its aliases, and its own ID bound.
        send(producer, topics, change("alpha", AliasSyncDriver.created("Alpha", "alpha@example.com", "shared")));
        send(producer, topics, change("beta", AliasSyncDriver.created("Beta", "beta@example.com")));
        customers.await(view -> aliases(view, "alpha").equals(List.of("alpha@example.com", "shared"))
                && aliases(view, "beta").equals(List.of("beta@example.com")));

        // 2. A conflicting claim: beta asks for alpha's alias and is refused; its other alias stays.
        CustomerChange conflict = change("beta", AliasSyncDriver.aliasesSet("beta@example.com", "shared"));
        send(producer, topics, conflict);
        rejections.await(view -> view.containsKey("beta"));

        // 3. Release: alpha drops the alias. 4. Re-claim by another customer: beta asks again and gets it.
        send(producer, topics, change("alpha", AliasSyncDriver.aliasesSet("alpha@example.com")));
        bindings.await(view -> !view.containsKey("shared"));
        send(producer, topics, change("beta", AliasSyncDriver.aliasesSet("beta@example.com", "shared")));

        // 5. Archive: alpha's aliases stay bound, marked archived.
        CustomerChange archive = change("alpha", CustomerArchived.newBuilder().build());
        send(producer, topics, archive);

        // A race across partitions: two customers on different partitions claim one free alias at once.
        String[] racers = onDifferentPartitions();
        send(producer, topics, change(racers[0], AliasSyncDriver.created("Racer 0")));
        send(producer, topics, change(racers[1], AliasSyncDriver.created("Racer 1")));
        customers.await(view -> view.containsKey(racers[0]) && view.containsKey(racers[1]));
        producer.send(record(topics, change(racers[0], AliasSyncDriver.aliasesSet("prize"))));
        producer.send(record(topics, change(racers[1], AliasSyncDriver.aliasesSet("prize"))));
        producer.flush();

        // And a record nobody can read.
        producer.send(new ProducerRecord<>(topics.customerChanges().name(), "alpha".getBytes(StandardCharsets.UTF_8),
                "not avro".getBytes(StandardCharsets.UTF_8))).get();

        Map<String, Customer> finalCustomers = customers.await(view ->
                aliases(view, "beta").equals(List.of("beta@example.com", "shared"))
                        && view.get("alpha").getArchivedAt() != null
                        && (aliases(view, racers[0]).contains("prize") || aliases(view, racers[1]).contains("prize")));
        Map<String, AliasBinding> finalBindings = bindings.await(view -> view.containsKey("prize")
                && view.get("alpha@example.com").getArchived());
        rejections.await(view -> view.values().stream().anyMatch(r -> r.getReason().equals("MALFORMED")));
        List<Rejection> refused = rejections.awaitRecords(list -> list.size() >= 3);

        assertThat(finalCustomers.get("alpha").getIngestAliases()).containsExactly("alpha@example.com");
        assertThat(finalCustomers.get("alpha").getArchivedAt()).isEqualTo(archive.getOccurredAt());
        assertThat(finalCustomers.get("beta").getIngestAliases()).containsExactly("beta@example.com", "shared");
        assertThat(finalCustomers.get("beta").getArchivedAt()).isNull();
        String winner = finalBindings.get("prize").getCustomerId();
        String loser = winner.equals(racers[0]) ? racers[1] : racers[0];
        assertThat(winner).isIn((Object[]) racers);
        assertThat(finalCustomers.get(winner).getIngestAliases()).containsExactly("prize");
        assertThat(finalCustomers.get(loser).getIngestAliases()).isEmpty();

        Map<String, String> owners = new LinkedHashMap<>();
        finalBindings.forEach((alias, binding) -> owners.put(alias, binding.getCustomerId()));
        assertThat(owners).containsOnly(
                Map.entry("alpha", "alpha"), Map.entry("alpha@example.com", "alpha"),
                Map.entry("beta", "beta"), Map.entry("beta@example.com", "beta"), Map.entry("shared", "beta"),
                Map.entry(racers[0], racers[0]), Map.entry(racers[1], racers[1]), Map.entry("prize", winner));
        assertThat(finalBindings.get("alpha").getArchived()).isTrue();
        assertThat(finalBindings.get("alpha@example.com").getArchived()).isTrue();
        assertThat(finalBindings.get("shared").getArchived()).isFalse();

        assertThat(refused).extracting(Rejection::getReason)
                .containsExactlyInAnyOrder("ALIAS_IN_USE", "ALIAS_IN_USE", "MALFORMED");
        assertThat(refused).filteredOn(r -> r.getReason().equals("ALIAS_IN_USE"))
                .extracting(Rejection::getSubject, Rejection::getChangeId)
                .contains(org.assertj.core.groups.Tuple.tuple("shared", conflict.getChangeId()));
        assertThat(rejections.latest()).containsKey(loser);

        // The stores answer interactive queries with what the topics say.
        assertThat(app.streams().store(StoreQueryParameters.fromNameAndType(AliasSyncTopology.ALIAS_BINDING_STORE,
                QueryableStoreTypes.<String, AliasBinding>keyValueStore())).get("shared").getCustomerId())
                .isEqualTo("beta");

        // Bindings are state: after a restart, alpha's claim of beta's alias is still refused.
        runner.close();
        app = startApp(kafka);
        send(producer, topics, change("alpha", AliasSyncDriver.aliasesSet("alpha@example.com", "shared")));
        rejections.awaitRecords(list -> list.size() >= 4);
        assertThat(rejections.records().get(3).getSubject()).isEqualTo("shared");
        assertThat(bindings.latest().get("shared").getCustomerId()).isEqualTo("beta");
    }

    // ---- helpers

    private static List<String> aliases(Map<String, Customer> view, String id) {
        Customer customer = view.get(id);
        return customer == null ? List.of() : List.copyOf(customer.getIngestAliases());
    }

    private String[] onDifferentPartitions() {
        String first = "racer-" + run + "-0";
        String second = IntStream.range(1, 100).mapToObj(i -> "racer-" + run + "-" + i)
                .filter(id -> PartitionedAliasSync.partition(id, PARTITIONS) != PartitionedAliasSync.partition(first, PARTITIONS))
                .findFirst().orElseThrow();
        return new String[] {first, second};
    }

    private CustomerChange change(String customerId, Object payload) {
        changeCount++;
        return CustomerChange.newBuilder()
                .setChangeId(run + "-" + changeCount)
                .setCustomerId(customerId)
                .setOccurredAt(Instant.parse("2026-11-22T10:00:00Z").plusSeconds(changeCount))
                .setPayload(payload)
                .build();
    }

    private static ProducerRecord<byte[], byte[]> record(Topics topics, CustomerChange change) {
        String topic = topics.customerChanges().name();
        return new ProducerRecord<>(topic, change.getCustomerId().getBytes(StandardCharsets.UTF_8),
                topics.customerChanges().valueSerde().serializer().serialize(topic, change));
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, Topics topics, CustomerChange change)
            throws Exception {
        producer.send(record(topics, change)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private KafkaProducer<byte[], byte[]> producer(KafkaCluster kafka) {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0), new ByteArraySerializer(), new ByteArraySerializer());
        resources.add(producer);
        return producer;
    }

    @Test
    void refusesToStartAgainstATopicThatCannotTakeItsLargestRecordAndCreatesItsOwnToTakeIt(KafkaCluster kafka)
            throws Exception {
        String customers = "customers-" + run;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(customers, PARTITIONS, (short) 1).configs(Map.of(
                    "cleanup.policy", "compact", "max.message.bytes", "100000")))).all().get(30, TimeUnit.SECONDS);
        }

        assertThatThrownBy(() -> startApp(kafka)).isInstanceOf(TopicLimits.TopicLimitException.class)
                .hasMessageContaining("topic " + customers + " takes records up to 100000 bytes")
                .hasMessageContaining("record.max.bytes");
        assertThat(topicConfig(kafka, "alias-bindings-" + run).get("max.message.bytes").value()).isEqualTo("1048576");
    }

    private static Config topicConfig(KafkaCluster kafka, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private <V> CommittedOutput<V> output(KafkaCluster kafka, String topic, Deserializer<V> values) {
        CommittedOutput<V> output = new CommittedOutput<>(kafka, topic, PARTITIONS, values, WAIT);
        resources.add(output);
        return output;
    }
}
