package io.meterflow.kafka.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

class GoldenTopologyTest {

    /** The shape of Kafka Streams' {@code TopologyDescription#toString()}. */
    private static final String GOLDEN = """
            Topologies:
               Sub-topology: 0
                Source: usage-events-source (topics: [usage-events])
                  --> route
                Processor: route (stores: [usage-by-transaction])
                  --> usage-rerouted-repartition-sink
                  <-- usage-events-source
                Sink: usage-rerouted-repartition-sink (topic: usage-rerouted-repartition)
                  <-- route

               Sub-topology: 1
                Source: usage-rerouted-repartition-source (topics: [usage-rerouted-repartition])
                  --> resolve
                Processor: resolve (stores: [usage-by-transaction, pending-by-time])
                  --> none
                  <-- usage-rerouted-repartition-source

            """;

    @TempDir
    Path dir;

    private GoldenTopology golden() throws Exception {
        Path file = dir.resolve("topology/app.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, GOLDEN);
        return new GoldenTopology("app", file, "mvn test -Dmeterflow.updateGoldenTopology=true");
    }

    @Test
    void passesWhenTheLiveTopologyMatchesTheGoldenOneUpToTrailingSpacesAndLineEndings() throws Exception {
        String live = GOLDEN.replace("\n", "  \r\n");

        assertThatCode(() -> golden().assertMatches(live, false)).doesNotThrowAnyException();
    }

    @Test
    void aRenamedStoreAndInternalTopicAreNamedWithWhyItMattersAndHowToUpdate() throws Exception {
        String live = GOLDEN.replace("usage-by-transaction", "usage-by-txn")
                .replace("usage-rerouted-repartition", "usage-moved-repartition");

        AssertionFailedError failure = catchThrowableOfType(AssertionFailedError.class,
                () -> golden().assertMatches(live, false));

        assertThat(failure.getMessage())
                .contains("The app topology no longer matches its golden description")
                .contains("stores renamed or replaced: usage-by-transaction -> usage-by-txn")
                .contains("topics renamed or replaced: usage-rerouted-repartition -> usage-moved-repartition")
                .contains("sinks renamed or replaced: usage-rerouted-repartition-sink -> usage-moved-repartition-sink")
                .contains("orphans its state and changelog")
                .contains("mvn test -Dmeterflow.updateGoldenTopology=true")
                .contains("-     Processor: route (stores: [usage-by-transaction])")
                .contains("+     Processor: route (stores: [usage-by-txn])");
        assertThat(failure.getExpected().getStringRepresentation()).isEqualTo(GoldenTopology.normalize(GOLDEN));
        assertThat(failure.getActual().getStringRepresentation()).isEqualTo(GoldenTopology.normalize(live));
    }

    @Test
    void anAddedStoreAndANodeMovedToAnotherSubTopologyAreNamed() throws Exception {
        String live = GOLDEN.replace("(stores: [usage-by-transaction, pending-by-time])",
                        "(stores: [usage-by-transaction, pending-by-time, replay-jobs])")
                .replace("   Sub-topology: 1\n", "");

        String message = catchThrowableOfType(AssertionFailedError.class, () -> golden().assertMatches(live, false))
                .getMessage();

        assertThat(message).contains("stores added: replay-jobs")
                .contains("sub-topologies: 2 -> 1")
                .contains("moved to another sub-topology: usage-rerouted-repartition-source (1 -> 0), resolve (1 -> 0)")
                .doesNotContain(" removed: ", "renamed or replaced: ");
    }

    @Test
    void changedWiringAloneIsCalledThat() throws Exception {
        String live = GOLDEN.replace("      --> none\n", "      --> route\n");

        String message = catchThrowableOfType(AssertionFailedError.class, () -> golden().assertMatches(live, false))
                .getMessage();

        assertThat(message).contains("no node, store or topic was added, removed or moved: the wiring");
    }

    @Test
    void theUpdatePropertyRewritesTheFileFromTheLiveTopology() throws Exception {
        GoldenTopology golden = golden();
        String live = GOLDEN.replace("usage-by-transaction", "usage-by-txn");

        golden.assertMatches(live, true);

        assertThat(Files.readString(golden.file())).isEqualTo(GoldenTopology.normalize(live));
        assertThatCode(() -> golden.assertMatches(live, false)).doesNotThrowAnyException();
    }

    @Test
    void aMissingGoldenFileSaysHowToCreateIt() {
        GoldenTopology golden = new GoldenTopology("app", dir.resolve("none.txt"), "mvn test -Dupdate");

        assertThat(catchThrowableOfType(AssertionFailedError.class, () -> golden.assertMatches(GOLDEN, false))
                .getMessage()).contains("no golden description yet").contains("mvn test -Dupdate");
    }
}
