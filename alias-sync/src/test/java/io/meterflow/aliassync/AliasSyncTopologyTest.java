package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.config.Settings;
import io.meterflow.kafka.junit.GoldenTopology;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/**
 * The topology's shape: what the docs promise about names and partitioning, and the whole description with default
 * settings against its golden file ({@code src/test/resources/topology/alias-sync.txt}).
 */
class AliasSyncTopologyTest {

    private final AliasSyncConfig config = AliasSyncConfig.from(Settings.of(Map.of("application.id", "as")));
    private final TopologyDescription description = AliasSyncTopology.build(config,
            Topics.create(config.streams().topicNames(), config.streams().serdeConfig()), new SimpleMeterRegistry())
            .describe();

    @Test
    void matchesItsGoldenDescriptionWithDefaultSettings() {
        AliasSyncConfig defaults = AliasSyncConfig.from(Settings.of(Map.of()));
        String live = AliasSyncTopology.build(defaults,
                Topics.create(defaults.streams().topicNames(), defaults.streams().serdeConfig()),
                new SimpleMeterRegistry()).describe().toString();
        GoldenTopology.of("alias-sync", AliasSyncTopologyTest.class).assertMatches(live);
    }

    /** A golden file would take a generated name as readily; generated names move whenever the DSL code does. */
    @Test
    void namesEveryNodeStoreAndTopicExplicitly() {
        assertThat(description.toString()).doesNotContain("KSTREAM-", "KTABLE-").doesNotContainPattern("-\\d{10}");
    }

    @Test
    void hasTwoSubTopologiesOnePerPartitioning() {
        assertThat(description.subtopologies()).hasSize(2);
        assertThat(description.subtopologies()).anySatisfy(s -> assertThat(names(s)).containsExactlyInAnyOrder(
                "customer-changes-source", "claim-outcomes-source", "customer-change-processor",
                "claim-outcome-processor", "customers-sink", "customer-rejections-sink", "alias-commands-sink"));
        assertThat(description.subtopologies()).anySatisfy(s -> assertThat(names(s)).containsExactlyInAnyOrder(
                "alias-commands-source", "alias-ownership-processor", "alias-bindings-sink", "claim-outcomes-sink"));
    }

    @Test
    void declaresItsStoresBesideTheirProcessors() {
        Set<String> customerStores = processor("customer-change-processor").stores();
        assertThat(customerStores).containsExactlyInAnyOrder("customer-store", "customer-claims-store",
                "change-original-store", "customer-alias-store");
        assertThat(processor("claim-outcome-processor").stores()).isEqualTo(customerStores);
        assertThat(processor("alias-ownership-processor").stores()).containsExactly("alias-binding-store");
    }

    @Test
    void readsAndWritesTheNamedTopics() {
        Set<String> sourceTopics = description.subtopologies().stream().flatMap(s -> s.nodes().stream())
                .filter(n -> n instanceof TopologyDescription.Source)
                .flatMap(n -> ((TopologyDescription.Source) n).topicSet().stream()).collect(Collectors.toSet());
        Set<String> sinkTopics = description.subtopologies().stream().flatMap(s -> s.nodes().stream())
                .filter(n -> n instanceof TopologyDescription.Sink)
                .map(n -> ((TopologyDescription.Sink) n).topic()).collect(Collectors.toSet());

        assertThat(sourceTopics).containsExactlyInAnyOrder("customer-changes", "as-alias-commands", "as-claim-outcomes");
        assertThat(sinkTopics).containsExactlyInAnyOrder("customers", "alias-bindings", "customer-changes-rejected",
                "as-alias-commands", "as-claim-outcomes");
    }

    private static Set<String> names(TopologyDescription.Subtopology subtopology) {
        return subtopology.nodes().stream().map(TopologyDescription.Node::name).collect(Collectors.toSet());
    }

    private TopologyDescription.Processor processor(String name) {
        return description.subtopologies().stream().flatMap(s -> s.nodes().stream())
                .filter(n -> n.name().equals(name)).map(n -> (TopologyDescription.Processor) n)
                .findFirst().orElseThrow();
    }
}
