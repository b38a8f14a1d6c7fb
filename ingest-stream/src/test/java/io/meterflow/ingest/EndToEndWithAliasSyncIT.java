package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncConfig;
import io.meterflow.config.Settings;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.schemas.CustomerArchived;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.IngestAliasesSet;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main path as it runs in production: customer changes into alias-sync, its alias-bindings into ingest-stream,
 * usage in, attributed usage out. Covers attribution by customer ID and by alias, a parked alias attached later, an
 * alias released by one customer and claimed by another, and an archived customer.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EndToEndWithAliasSyncIT {

    static final String ALPHA = "a1fa0000-0000-4000-8000-000000000001";
    static final String BETA = "be7a0000-0000-4000-8000-000000000002";

    @TempDir
    Path tmp;

    @Test
    void customerChangesDriveTheAttributionOfUsage(KafkaCluster kafka) throws Exception {
        try (IntegrationSupport it = new IntegrationSupport(kafka)) {
            Map<String, String> aliasSyncSettings = new HashMap<>(it.settings(tmp.resolve("alias-sync")));
            aliasSyncSettings.put("application.id", "alias-sync-" + it.applicationId);
            try (AliasSyncApp aliasSync = new AliasSyncApp(AliasSyncConfig.from(Settings.of(aliasSyncSettings)),
                         new SimpleMeterRegistry());
                 IngestApp ingest = new IngestApp(it.config(tmp.resolve("ingest")), new SimpleMeterRegistry());
                 KafkaProducer<byte[], byte[]> changes = new KafkaProducer<>(Map.of("bootstrap.servers",
                         kafka.bootstrapServers()), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer())) {
                aliasSync.start();
                ingest.start();
                IntegrationSupport.await("alias-sync to run", Duration.ofSeconds(60),
                        () -> aliasSync.state() == KafkaStreams.State.RUNNING);
                IntegrationSupport.awaitRunning(ingest);

                send(it, changes, ALPHA, created("Alpha", "alpha@example.com", "shared"));
                send(it, changes, BETA, created("Beta", "beta@example.com"));
                changes.flush();
                it.sendUsage("u1", it.event("u1", ALPHA));
                it.sendUsage("u2", it.event("u2", "alpha@example.com"));
                it.sendUsage("shared", it.event("u3", "shared"));
                it.sendUsage("u4", it.event("u4", "not-yet-an-alias"));
                it.flush();

                try (IntegrationSupport.Reader<ResolvedUsage> resolved = it.resolvedReader()) {
                    // Usage may arrive before the bindings: then it is parked and replayed; either way it lands.
                    IntegrationSupport.await("usage attributed to Alpha", Duration.ofSeconds(45),
                            () -> resolved.poll(Duration.ofMillis(200)).size() >= 3);

                    send(it, changes, BETA, aliasesSet("beta@example.com", "not-yet-an-alias"));
                    send(it, changes, ALPHA, aliasesSet("alpha@example.com"));          // releases "shared"
                    changes.flush();
                    try (IntegrationSupport.Reader<io.meterflow.schemas.AliasBinding> bindings = it.reader(
                            it.names.aliasBindings(), it.topics.aliasBindings().valueSerde().deserializer())) {
                        // Claiming before the release is applied would be refused (ALIAS_IN_USE), as it should.
                        IntegrationSupport.await("'shared' released", Duration.ofSeconds(30),
                                () -> bindings.poll(Duration.ofMillis(200)).stream()
                                        .anyMatch(r -> r.key().equals("shared") && r.value() == null));
                    }
                    send(it, changes, BETA, aliasesSet("beta@example.com", "not-yet-an-alias", "shared"));
                    send(it, changes, ALPHA, CustomerArchived.newBuilder().build());
                    changes.flush();
                    IntegrationSupport.await("u4 replayed to Beta and u3 moved to Beta", Duration.ofSeconds(45),
                            () -> resolved.poll(Duration.ofMillis(200)).size() >= 3 + 1 + 2);
                    Thread.sleep(1000);
                    it.sendUsage("u5", it.event("u5", "alpha@example.com"));
                    it.flush();
                    IntegrationSupport.await("usage of the archived customer", Duration.ofSeconds(30),
                            () -> resolved.poll(Duration.ofMillis(200)).size() >= 7);

                    List<ConsumerRecord<String, ResolvedUsage>> all = resolved.poll(Duration.ofMillis(500));
                    NetAttribution net = new NetAttribution();
                    all.forEach(r -> net.add(r.key(), r.value()));
                    assertThat(net.customerOf("u1")).isEqualTo(ALPHA);
                    assertThat(net.customerOf("u2")).isEqualTo(ALPHA);
                    assertThat(net.customerOf("u3")).isEqualTo(BETA);
                    assertThat(net.customerOf("u4")).isEqualTo(BETA);
                    assertThat(net.customerOf("u5")).isEqualTo(ALPHA);
                    assertThat(all).filteredOn(r -> r.value().getTransactionId().equals("u3"))
                            .extracting(r -> r.value().getKind(), r -> r.value().getResolution())
                            .endsWith(org.assertj.core.groups.Tuple.tuple(UsageKind.RETRACT, Resolution.REASSIGNED),
                                    org.assertj.core.groups.Tuple.tuple(UsageKind.ASSIGN, Resolution.REASSIGNED));
                    assertThat(all).filteredOn(r -> r.value().getTransactionId().equals("u4"))
                            .extracting(r -> r.value().getResolution()).containsExactly(Resolution.REPLAYED);
                    assertThat(all).filteredOn(r -> r.value().getTransactionId().equals("u5"))
                            .singleElement().satisfies(r -> assertThat(r.value().getArchived()).isTrue());
                }
            }
        }
    }

    private static void send(IntegrationSupport it, KafkaProducer<byte[], byte[]> producer, String customerId,
            Object payload) {
        CustomerChange change = new CustomerChange(UUID.randomUUID().toString(), customerId, Instant.now(), payload);
        String topic = it.names.customerChanges();
        producer.send(new ProducerRecord<>(topic, Serdes.String().serializer().serialize(topic, customerId),
                it.topics.customerChanges().valueSerde().serializer().serialize(topic, change)));
    }

    private static CustomerCreated created(String name, String... aliases) {
        return CustomerCreated.newBuilder().setName(name).setIngestAliases(List.of(aliases))
                .setCustomFields(new HashMap<>()).setExternalId(null).setCustomerConfig(new HashMap<>())
                .setBillingConfig(null).build();
    }

    private static IngestAliasesSet aliasesSet(String... aliases) {
        return IngestAliasesSet.newBuilder().setIngestAliases(List.of(aliases)).build();
    }
}
