package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.config.Settings;
import io.meterflow.ingest.query.EventStatus;
import io.meterflow.ingest.query.EventStatusQuery;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** ingest-stream on a real broker: provisioning, the main path, rerouting, replays, moves and event search. */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class IngestAppIT {

    static final String A = "c0a8e3b2-0000-4000-8000-00000000000a";
    static final String B = "c0a8e3b2-0000-4000-8000-00000000000b";

    @TempDir
    Path stateDir;

    /** The members of the app's consumer group right now. */
    private static int members(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS)
                .members().size();
    }

    /**
     * Stopping leaves the consumer group, so that the partitions move at once, not after the session timeout (6 s
     * here); with static membership ({@code group.instance.id}) the member stays, so that a restart within the
     * session timeout moves nothing. Checked just after each stop returns, well within that timeout.
     */
    @Test
    void stoppingLeavesTheGroupUnlessTheMemberIsStatic(KafkaCluster kafka) throws Exception {
        try (IntegrationSupport it = new IntegrationSupport(kafka);
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            IngestApp dynamic = new IngestApp(it.config(stateDir.resolve("dynamic")), new SimpleMeterRegistry());
            dynamic.start();
            IntegrationSupport.awaitRunning(dynamic);
            assertThat(members(admin, it.applicationId)).isEqualTo(1);
            dynamic.stop();
            assertThat(members(admin, it.applicationId)).as("members right after a dynamic member stopped").isZero();

            Map<String, String> settings = new HashMap<>(it.settings(stateDir.resolve("static")));
            settings.put("kafka.group.instance.id", "ingest-0");
            IngestApp fixed = new IngestApp(IngestConfig.from(Settings.of(settings)), new SimpleMeterRegistry());
            fixed.start();
            IntegrationSupport.awaitRunning(fixed);
            fixed.stop();
            assertThat(members(admin, it.applicationId)).as("members right after a static member stopped")
                    .isEqualTo(1);
        }
    }

    @Test
    void attributesParksReplaysAndMovesUsageEndToEnd(KafkaCluster kafka) throws Exception {
        try (IntegrationSupport it = new IntegrationSupport(kafka);
             IngestApp app = new IngestApp(it.config(stateDir), new SimpleMeterRegistry())) {
            app.start();
            IntegrationSupport.awaitRunning(app);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertThat(existing).contains(it.names.usageEvents(), it.names.usageResolved(),
                        it.names.usageRejected(), it.names.usageExpired(), it.names.aliasBindings());
                assertThat(existing).containsAll(IngestTopology.repartitionTopics(it.applicationId));
            }

            it.bind(A, A, true);
            it.bind("shared-key", A, false);
            it.flush();
            for (int i = 0; i < 40; i++) {
                // Half keyed by transaction ID (no hop), half by the alias (rerouted).
                String txn = "e2e-" + i;
                String identifier = i % 3 == 0 ? A : i % 3 == 1 ? "shared-key" : "later-org";
                it.sendUsage(i % 2 == 0 ? txn : identifier, it.event(txn, identifier));
            }
            it.sendRawUsage(null, new byte[] {42});
            it.flush();

            NetAttribution net = new NetAttribution();
            try (IntegrationSupport.Reader<ResolvedUsage> resolved = it.resolvedReader()) {
                IntegrationSupport.await("live usage attributed", Duration.ofSeconds(45),
                        () -> resolved.poll(Duration.ofMillis(200)).size() >= 27);

                it.bind("later-org", B, false);
                it.release("shared-key");
                it.bind("shared-key", B, false);
                it.flush();
                // 27 live ASSIGNs, 13 replays, 13 RETRACT + 13 ASSIGN moves
                IntegrationSupport.await("replays and moves", Duration.ofSeconds(45),
                        () -> resolved.poll(Duration.ofMillis(200)).size() >= 27 + 13 + 26);
                Thread.sleep(1000);
                List<ConsumerRecord<String, ResolvedUsage>> all = resolved.poll(Duration.ofMillis(500));
                all.forEach(r -> net.add(r.key(), r.value()));
                assertThat(all).hasSize(27 + 13 + 26);
                assertThat(all.stream().map(r -> r.value().getResolution()).collect(Collectors.toSet()))
                        .containsExactlyInAnyOrder(Resolution.DIRECT, Resolution.ALIAS, Resolution.REPLAYED,
                                Resolution.REASSIGNED);
            }
            for (int i = 0; i < 40; i++) {
                assertThat(net.customerOf("e2e-" + i)).isEqualTo(i % 3 == 0 ? A : B);
            }
            try (IntegrationSupport.Reader<Rejection> rejected = it.reader(it.names.usageRejected(),
                    it.topics.usageRejected().valueSerde().deserializer())) {
                IntegrationSupport.await("the malformed record rejected", Duration.ofSeconds(30),
                        () -> rejected.poll(Duration.ofMillis(200)).size() >= 1);
                assertThat(rejected.records.get(0).value().getReason()).isEqualTo("MALFORMED");
            }

            EventStatusQuery query = app.eventStatus();
            EventStatusQuery.Lookup lookup = query.lookup("e2e-1");
            assertThat(lookup.hostedHere()).isTrue();
            EventStatus status = lookup.status().orElseThrow();
            assertThat(status.status()).isEqualTo(EventStatus.Status.ATTRIBUTED);
            assertThat(status.customerId()).isEqualTo(B);
            assertThat(status.resolution()).isEqualTo(Resolution.REASSIGNED);
            assertThat(query.lookup("never-sent").status()).isEmpty();
        }
    }
}
