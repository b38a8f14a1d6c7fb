package io.meterflow.ingest.billablemetrics;

import static io.meterflow.ingest.billablemetrics.SampleMetrics.count;
import static io.meterflow.ingest.billablemetrics.SampleMetrics.cpuHours;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.config.Settings;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.IngestTopology;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The global store of billable metrics in ingest-stream's real topology, fed through the billable-metrics topic. */
class BillableMetricsStoreTest {

    @TempDir
    Path stateDir;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private Topics topics;
    private TestInputTopic<String, BillableMetric> metrics;
    private TestInputTopic<byte[], byte[]> raw;
    private BillableMetricsQuery query;

    @BeforeEach
    void start() {
        IngestConfig config = IngestConfig.from(Settings.of(Map.of("application.id", "metrics-test",
                "schema.registry.url", "mock://metrics-test-" + UUID.randomUUID(), "state.dir", stateDir.toString(),
                "topic.partitions", "1")));
        topics = Topics.create(config.streams().topicNames(), config.streams().serdeConfig());
        driver = new TopologyTestDriver(IngestTopology.build(config, topics, meters),
                config.streams().streamsProperties());
        metrics = driver.createInputTopic(topics.names().billableMetrics(), Serdes.String().serializer(),
                topics.billableMetrics().valueSerde().serializer());
        raw = driver.createInputTopic(topics.names().billableMetrics(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer());
        KeyValueStore<String, BillableMetric> store = driver.getKeyValueStore(BillableMetricsStore.STORE);
        query = new BillableMetricsQuery(store);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private double changes(String change) {
        return meters.get(BillableMetricsUpdater.CHANGES).tag("change", change).counter().count();
    }

    @Test
    void aDefinitionOnTheTopicIsReadableAndALaterOneReplacesIt() {
        BillableMetric created = cpuHours("m-1").build();
        metrics.pipeInput("m-1", created);
        assertThat(query.get("m-1")).contains(created);

        BillableMetric archived = BillableMetric.newBuilder(created).setArchivedAt(Instant.parse("2026-11-23T00:00:00Z"))
                .setUpdatedAt(Instant.parse("2026-11-23T00:00:00Z")).build();
        metrics.pipeInput("m-1", archived);
        assertThat(query.get("m-1")).contains(archived);
        assertThat(query.get("m-2")).isEmpty();
        assertThat(changes("applied")).isEqualTo(2);
    }

    @Test
    void pagesAreInIdOrderAndLeaveArchivedMetricsOutUnlessAsked() {
        for (String id : List.of("c", "a", "e", "b", "d")) {
            metrics.pipeInput(id, count(id).build());
        }
        metrics.pipeInput("b", count("b").setArchivedAt(SampleMetrics.T0).build());

        assertThat(ids(query.page(null, false, 10))).containsExactly("a", "c", "d", "e");
        assertThat(ids(query.page(null, true, 10))).containsExactly("a", "b", "c", "d", "e");
        assertThat(ids(query.page(null, false, 2))).containsExactly("a", "c");
        assertThat(ids(query.page("c", false, 2))).containsExactly("d", "e");
        assertThat(ids(query.page("a", true, 2))).containsExactly("b", "c");
        assertThat(ids(query.page("e", true, 2))).isEmpty();
        // A cursor need not be a metric that still exists.
        assertThat(ids(query.page("bb", false, 10))).containsExactly("c", "d", "e");
    }

    @Test
    void anInvalidDefinitionIsIgnoredAndTheMetricKeepsItsPreviousOne() {
        BillableMetric valid = cpuHours("m-1").build();
        metrics.pipeInput("m-1", valid);
        metrics.pipeInput("m-1", cpuHours("m-1").setAggregationKey(null).build());
        metrics.pipeInput("m-2", cpuHours("m-2").setGroupKeys(List.of(List.of("zone"))).build());

        assertThat(query.get("m-1")).contains(valid);
        assertThat(query.get("m-2")).isEmpty();
        assertThat(changes("refused")).isEqualTo(2);
    }

    @Test
    void unreadableKeylessAndMismatchedRecordsChangeNothingAndDoNotStopTheApp() {
        metrics.pipeInput("m-1", count("m-1").build());
        raw.pipeInput("m-1".getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8));
        raw.pipeInput(null, topics.billableMetrics().valueSerde().serializer().serialize("t", count("m-3").build()));
        raw.pipeInput(new byte[] {(byte) 0xC3, 0x28}, topics.billableMetrics().valueSerde().serializer()
                .serialize("t", count("m-4").build()));
        metrics.pipeInput("m-5", count("m-6").build());
        // Another record type with a valid frame.
        raw.pipeInput("m-7".getBytes(StandardCharsets.UTF_8), topics.aliasBindings().valueSerde().serializer()
                .serialize("t", new AliasBinding("a", "c", false, false, "x", SampleMetrics.T0)));

        assertThat(ids(query.page(null, true, 10))).containsExactly("m-1");
        assertThat(changes("refused")).isEqualTo(5);
        metrics.pipeInput("m-8", count("m-8").build());
        assertThat(query.get("m-8")).isPresent();
    }

    @Test
    void aTombstoneRemovesTheMetric() {
        metrics.pipeInput("m-1", count("m-1").build());
        metrics.pipeInput("m-1", (BillableMetric) null);

        assertThat(query.get("m-1")).isEmpty();
        assertThat(changes("removed")).isEqualTo(1);
    }

    private static List<String> ids(List<BillableMetric> page) {
        return page.stream().map(BillableMetric::getId).toList();
    }
}
