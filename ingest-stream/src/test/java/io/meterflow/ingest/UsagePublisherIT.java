package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.http.HttpError;
import io.meterflow.ingest.api.UsagePublisher;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.runtime.TopicProvisioner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** HTTP ingest's publisher on a real broker: concurrent requests share transactions, each stays all-or-nothing. */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UsagePublisherIT {

    private static UsagePublisher publisher(IntegrationSupport it, int maxRecordBytes) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                it.kafka.bootstrapServers()))) {
            TopicProvisioner.ensure(admin, List.of(TopicProvisioner.TopicSpec.log(it.names.usageEvents())), 4,
                    (short) -1);
        }
        return new UsagePublisher(Map.of("bootstrap.servers", it.kafka.bootstrapServers()), it.topics.usageEvents(),
                it.applicationId + "-http-ingest", maxRecordBytes);
    }

    private static List<UsageEvent> batch(IntegrationSupport it, String prefix, int size) {
        List<UsageEvent> events = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            events.add(it.event(prefix + "-" + i, "alias-" + i % 7));
        }
        return events;
    }

    private static Set<String> committedTransactionIds(IntegrationSupport it, int expected) throws Exception {
        Set<String> ids = new HashSet<>();
        try (IntegrationSupport.Reader<UsageEvent> reader = it.reader(it.names.usageEvents(),
                it.topics.usageEvents().valueSerde().deserializer())) {
            IntegrationSupport.await(expected + " committed events", Duration.ofSeconds(60),
                    () -> reader.poll(Duration.ofMillis(200)).size() >= expected);
            reader.poll(Duration.ofMillis(500));
            for (ConsumerRecord<String, UsageEvent> record : reader.records) {
                assertThat(record.key()).isEqualTo(record.value().getTransactionId());
                assertThat(ids.add(record.key())).as("published once: " + record.key()).isTrue();
            }
        }
        return ids;
    }

    @Test
    void concurrentRequestsShareTransactionsAndEveryEventIsCommittedOnce(KafkaCluster kafka) throws Exception {
        try (IntegrationSupport it = new IntegrationSupport(kafka); UsagePublisher publisher = publisher(it, 1 << 20)) {
            int clients = 16;
            int requestsPerClient = 15;
            int eventsPerRequest = 50;
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    for (int r = 0; r < requestsPerClient; r++) {
                        publisher.publish(batch(it, "c" + client + "-r" + r, eventsPerRequest));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(90, TimeUnit.SECONDS);
            }
            pool.shutdown();
            int requests = clients * requestsPerClient;
            assertThat(committedTransactionIds(it, requests * eventsPerRequest)).hasSize(requests * eventsPerRequest);
            assertThat(publisher.committedTransactions()).as("requests shared commits").isLessThan(requests);
        }
    }

    @Test
    void aRecordThatCanNeverBePublishedIsRefusedWith413AndNothingOfItsRequestIsPublished(KafkaCluster kafka)
            throws Exception {
        try (IntegrationSupport it = new IntegrationSupport(kafka); UsagePublisher publisher = publisher(it, 10_000)) {
            List<UsageEvent> oversized = batch(it, "big", 3);
            oversized.get(2).setProperties(Map.of("blob", new JsonValue("x".repeat(20_000))));
            assertThatThrownBy(() -> publisher.publish(oversized))
                    .isInstanceOfSatisfying(HttpError.class, e -> {
                        assertThat(e.status()).isEqualTo(413);
                        assertThat(e.headers()).containsEntry("x-should-retry", "false");
                        assertThat(e.getMessage()).contains("at most 10000");
                    });
            publisher.publish(batch(it, "small", 5));
            assertThat(committedTransactionIds(it, 5)).allMatch(id -> id.startsWith("small-"));
        }
    }
}
