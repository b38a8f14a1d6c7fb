package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.aggregate.AggregationMetrics;
import io.meterflow.ingest.aggregate.BackfillStatus;
import io.meterflow.ingest.aggregate.LocalUsageAggregates;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Bound;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.WindowSize;
import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The aggregation on a real broker: usage in, usage-aggregates out, the local query through Kafka Streams. */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AggregationIT {

    static final String A = "c0a8e3b2-0000-4000-8000-0000000000aa";
    static final String B = "c0a8e3b2-0000-4000-8000-0000000000bb";

    @TempDir
    Path stateDir;

    @Test
    void aggregatesAttributedUsageAndAnswersTheQueryWhereTheCustomerIsHosted(KafkaCluster kafka) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (IntegrationSupport it = new IntegrationSupport(kafka);
             IngestApp app = new IngestApp(it.config(stateDir), meters)) {
            BillableMetric calls = AggregationSupport.metric("calls", AggregationType.COUNT, null, List.of()).build();
            app.start(); // creates the topics, billable-metrics among them
            IntegrationSupport.awaitRunning(app);
            it.define(calls);
            it.bind(A, A, true);
            it.bind(B, B, true);
            it.flush();
            for (int i = 0; i < 15; i++) {
                String txn = "agg-" + i;
                it.sendUsage(txn, it.event(txn, i < 10 ? A : B));
            }
            it.flush();

            LocalUsageAggregates query = app.aggregates();
            Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
            Instant from = hour.minus(Duration.ofHours(2));
            Instant to = hour.plus(Duration.ofHours(2));
            IntegrationSupport.await("the usage aggregated", Duration.ofSeconds(60), () -> {
                try {
                    return BigDecimal.valueOf(10).equals(query.usage(A, calls, null, Map.of(), WindowSize.NONE, from,
                            to, Bound.all()).get(0).value())
                            && BigDecimal.valueOf(5).equals(query.usage(B, calls, null, Map.of(), WindowSize.NONE,
                            from, to, Bound.all()).get(0).value());
                } catch (UsageAggregatesQuery.NotHostedHere | InvalidStateStoreException notYet) {
                    return false;
                }
            });
            assertThat(query.owner(A).hostedHere()).isTrue();
            assertThat(query.customers(null, 10)).containsExactly(A, B);
            BackfillStatus status = query.backfill(A, "calls");
            assertThat(status.running()).isFalse();

            try (IntegrationSupport.Reader<io.meterflow.schemas.UsageAggregate> out = it.reader(
                    it.names.usageAggregates(), it.topics.usageAggregates().valueSerde().deserializer())) {
                // Each changed row is published once per publish interval, with its value then: the last record of
                // each customer's hours adds up to its usage.
                IntegrationSupport.await("usage-aggregates holds the final values", Duration.ofSeconds(30),
                        () -> lastTotals(out.poll(Duration.ofMillis(200))).equals(Map.of(A, 10L, B, 5L)));
                // A customer's aggregates are in the customer's partition, as its usage-resolved records are.
                assertThat(out.records).allSatisfy(r -> assertThat(r.partition()).isEqualTo(
                        io.meterflow.ingest.route.TransactionPartitioner.partitionOf(r.value().getCustomerId(), 4)));
            }
            // One record per row and publication (at least one per customer), not one per event and row.
            assertThat(meters.get(AggregationMetrics.PUBLISHED).counter().count()).isGreaterThanOrEqualTo(2);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, it.names.usageAggregates());
                assertThat(admin.describeConfigs(List.of(topic)).all().get(30, TimeUnit.SECONDS).get(topic)
                        .get("cleanup.policy").value()).isEqualTo("compact");
            }
        }
    }

    /** Per customer, the sum over its hours of the last published total. */
    private static Map<String, Long> lastTotals(
            List<org.apache.kafka.clients.consumer.ConsumerRecord<String, io.meterflow.schemas.UsageAggregate>> records) {
        Map<List<Object>, Long> last = new java.util.HashMap<>();
        for (var r : records) {
            if (r.value().getGroup().isEmpty()) {
                last.put(List.of(r.value().getCustomerId(), r.value().getWindowStart()), r.value().getEventCount());
            }
        }
        Map<String, Long> totals = new java.util.HashMap<>();
        last.forEach((k, count) -> totals.merge((String) k.get(0), count, Long::sum));
        return totals;
    }
}
