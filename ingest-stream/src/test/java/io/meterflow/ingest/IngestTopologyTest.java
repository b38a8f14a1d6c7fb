package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.config.Settings;
import io.meterflow.kafka.junit.GoldenTopology;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/**
 * The topology ingest-stream runs with default settings, against its golden description
 * ({@code src/test/resources/topology/ingest-stream.txt}): every renamed node, store or internal topic is a
 * deliberate, reviewed change.
 */
class IngestTopologyTest {

    private final IngestConfig config = IngestConfig.from(Settings.of(Map.of()));
    private final TopologyDescription description = IngestTopology.build(config,
            Topics.create(config.streams().topicNames(), config.streams().serdeConfig()), new SimpleMeterRegistry())
            .describe();

    @Test
    void matchesItsGoldenDescription() {
        GoldenTopology.of("ingest-stream", IngestTopologyTest.class).assertMatches(description.toString());
    }

    /** A golden file would take a generated name as readily; generated names move whenever the DSL code does. */
    @Test
    void namesEveryNodeStoreAndInternalTopicExplicitly() {
        assertThat(description.toString()).doesNotContain("KSTREAM-", "KTABLE-").doesNotContainPattern("-\\d{10}");
    }

    /**
     * {@link IngestApp} checks the repartition topics and stores by these lists at start-up (record limits); the
     * golden file cannot tell whether the lists still name what the topology declares.
     */
    @Test
    void listsTheRepartitionTopicsAndStoresTheTopologyDeclares() {
        String prefix = config.streams().applicationId() + "-";
        Set<String> repartitionTopics = nodes().flatMap(node -> node instanceof TopologyDescription.Sink sink
                        ? Stream.of(sink.topic())
                        : node instanceof TopologyDescription.Source source ? source.topicSet().stream() : Stream.empty())
                .filter(topic -> topic.endsWith(IngestTopology.REPARTITION_SUFFIX))
                .map(topic -> prefix + topic).collect(Collectors.toSet());
        Set<String> stores = nodes().flatMap(node -> node instanceof TopologyDescription.Processor processor
                ? processor.stores().stream() : Stream.empty()).collect(Collectors.toSet());

        assertThat(repartitionTopics)
                .containsExactlyInAnyOrderElementsOf(IngestTopology.repartitionTopics(config.streams().applicationId()));
        assertThat(stores).containsExactlyInAnyOrderElementsOf(IngestTopology.storeNames());
    }

    /**
     * The aggregation was added after the usage and bindings sub-topologies: they keep their numbers, and so their
     * task IDs and state directories (the global store has no tasks, so its number does not matter).
     */
    @Test
    void theAggregationComesAfterTheOlderSubTopologiesSoTheirTasksKeepTheirIds() {
        Map<Integer, Set<String>> sources = description.subtopologies().stream().collect(Collectors.toMap(
                TopologyDescription.Subtopology::id, sub -> sub.nodes().stream()
                        .filter(node -> node instanceof TopologyDescription.Source).map(TopologyDescription.Node::name)
                        .collect(Collectors.toSet())));
        assertThat(sources.get(0)).contains(IngestTopology.USAGE_SOURCE);
        assertThat(sources.get(1)).containsExactly(IngestTopology.BINDINGS_SOURCE);
        assertThat(sources.get(2)).containsExactly(IngestTopology.USAGE_RESOLVED_SOURCE);
    }

    @Test
    void withTheAggregationOffTheTopologyIsTheOneBeforeIt() {
        IngestConfig off = IngestConfig.from(Settings.of(Map.of("aggregation.enabled", "false")));
        String described = IngestTopology.build(off, Topics.create(off.streams().topicNames(),
                off.streams().serdeConfig()), new SimpleMeterRegistry()).describe().toString();
        assertThat(described).doesNotContain(IngestTopology.AGGREGATE, "usage-aggregates")
                .contains("Sub-topology: 2 for global store");
    }

    private Stream<TopologyDescription.Node> nodes() {
        return description.subtopologies().stream().flatMap(subtopology -> subtopology.nodes().stream());
    }
}
