package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestTopologyTest {

    @TempDir
    Path stateDir;

    @Test
    void describesNamedProcessorsStoresAndTopics() {
        try (IngestHarness h = new IngestHarness(stateDir)) {
            String description = IngestTopology.build(h.config, h.topics, h.meters).describe().toString();
            System.out.println(description);
            assertThat(description).contains("route", "resolve", "apply-binding", "bindings-fanout",
                    "usage-rerouted-repartition", "bindings-fanout-repartition", "usage-by-transaction");
        }
    }
}
