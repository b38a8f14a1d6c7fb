package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.route.TransactionPartitioner;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.UsageEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records that sit in a partition other than the one owning their transaction ID take one hop through the
 * usage-rerouted repartition topic. TopologyTestDriver runs a single task reading partition 0, so a topology built
 * for 4 partitions reroutes every transaction ID that partition 0 does not own.
 */
class RerouteTest {

    static final String ACME = "c0a8e3b2-0000-4000-8000-000000000001";

    @TempDir
    Path stateDir;

    @Test
    void ownsATransactionIdWhereKafkasDefaultPartitionerPutsIt() {
        for (int partitions : new int[] {1, 3, 4, 12, 100}) {
            IntStream.range(0, 2000).mapToObj(i -> "txn-" + i + "-é").forEach(txn -> {
                byte[] key = new StringSerializer().serialize("t", txn);
                assertThat(TransactionPartitioner.partitionOf(txn, partitions))
                        .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
            });
        }
    }

    private static String transactionIdOwnedBy(int partition, int partitions, String prefix) {
        return IntStream.range(0, 10_000).mapToObj(i -> prefix + i)
                .filter(txn -> TransactionPartitioner.partitionOf(txn, partitions) == partition)
                .findFirst().orElseThrow();
    }

    @Test
    void reroutesUsageFromAPartitionThatDoesNotOwnItsTransactionId() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of("topic.partitions", "4"))) {
            h.bind("k", ACME);
            String local = transactionIdOwnedBy(0, 4, "local-");
            String foreign = transactionIdOwnedBy(3, 4, "foreign-");
            h.sendKeyed("whatever", h.event(local, "k"));
            h.sendKeyed("whatever", h.event(foreign, "k"));
            h.sendKeyed("whatever", h.event(foreign, "k"));

            assertThat(h.resolved.readValuesToList()).extracting(v -> v.getTransactionId())
                    .containsExactly(local, foreign);
            assertThat(h.count(IngestMetrics.REROUTED)).isEqualTo(2);
            assertThat(h.count(IngestMetrics.OUTCOMES, "outcome", "duplicate")).isEqualTo(1);
            assertThat(h.driver.producedTopicNames()).contains("ingest-test-usage-rerouted-repartition");
        }
    }

    @Test
    void aRejectionAfterTheHopNamesTheOriginalRecord() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of("topic.partitions", "4"))) {
            String foreign = transactionIdOwnedBy(2, 4, "foreign-");
            UsageEvent tooOld = UsageEvent.newBuilder(h.event(foreign, "k"))
                    .setTimestamp(h.now().minus(Duration.ofDays(40)).toString()).build();
            byte[] value = h.topics.usageEvents().valueSerde().serializer().serialize("usage-events", tooOld);
            byte[] key = "producer-key".getBytes(StandardCharsets.UTF_8);
            h.usageRaw.pipeInput(key, value, h.now());

            Rejection rejection = h.rejected.readValue();
            assertThat(rejection.getReason()).isEqualTo("TIMESTAMP_TOO_OLD");
            assertThat(rejection.getSourceTopic()).isEqualTo("usage-events");
            assertThat(rejection.getSourcePartition()).isZero();
            assertThat(rejection.getSourceOffset()).isZero();
            assertThat(rejection.getOriginalKey()).isEqualTo(ByteBuffer.wrap(key));
            assertThat(rejection.getOriginalValue()).isEqualTo(ByteBuffer.wrap(value));
            assertThat(rejection.getTransactionId()).isEqualTo(foreign);
            assertThat(h.count(IngestMetrics.REROUTED)).isEqualTo(1);
        }
    }

    @Test
    void keepsUnreadableRecordsLocal() {
        try (IngestHarness h = new IngestHarness(stateDir, Map.of("topic.partitions", "4"))) {
            h.usageRaw.pipeInput(null, new byte[] {1, 2, 3}, h.now());
            assertThat(h.rejected.readValue().getReason()).isEqualTo("MALFORMED");
            assertThat(h.count(IngestMetrics.REROUTED)).isZero();
        }
    }
}
