package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.bindings.ApplyBindingProcessor;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.internal.ingest.ReplayJob;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binding changes that arrive while a replay is still working through an identifier's events. */
class ReplayJobTest {

    static final String A = "c0a8e3b2-0000-4000-8000-00000000000a";
    static final String B = "c0a8e3b2-0000-4000-8000-00000000000b";

    @TempDir
    Path stateDir;
    IngestHarness h;
    final NetAttribution net = new NetAttribution();

    @BeforeEach
    void start() {
        h = new IngestHarness(stateDir,
                Map.of(IngestConfig.REPLAY_CHUNK_SIZE, "2", IngestConfig.REPLAY_INTERVAL, "1s"));
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private void drain() {
        for (KeyValue<String, ResolvedUsage> kv : h.resolvedKeyValues()) {
            net.add(kv.key, kv.value);
        }
    }

    private KeyValueStore<String, ReplayJob> jobs() {
        return h.driver.getKeyValueStore(ApplyBindingProcessor.REPLAY_JOBS);
    }

    @Test
    void persistsAnUnfinishedJobAndFinishesItChunkByChunk() {
        for (int i = 0; i < 5; i++) {
            h.send("t" + i, "k");
        }
        h.bind("k", A);
        drain();
        assertThat(net.all()).hasSize(2);
        assertThat(jobs().get("k")).isNotNull();
        assertThat(jobs().get("k").getCustomerId()).isEqualTo(A);

        h.advance(Duration.ofSeconds(1));
        h.advance(Duration.ofSeconds(1));
        drain();
        assertThat(net.all()).hasSize(5);
        assertThat(jobs().get("k")).isNull();
        for (int i = 0; i < 5; i++) {
            assertThat(net.customerOf("t" + i)).isEqualTo(A);
        }
    }

    @Test
    void restartsWithTheNewTargetWhenTheAliasMovesMidReplay() {
        for (int i = 0; i < 5; i++) {
            h.send("t" + i, "k");
        }
        h.bind("k", A);         // t0, t1 replayed to A
        h.send("live-a", "k");  // attributed to A directly
        h.bind("k", B);         // starts over: t0, t1 move to B
        h.send("live-b", "k");
        for (int i = 0; i < 5; i++) {
            h.advance(Duration.ofSeconds(1));
        }
        drain();

        for (String txn : new String[] {"t0", "t1", "t2", "t3", "t4", "live-a", "live-b"}) {
            assertThat(net.customerOf(txn)).as(txn).isEqualTo(B);
        }
        assertThat(jobs().get("k")).isNull();
    }

    @Test
    void releasingTheAliasStopsItsReplayUntilItIsBoundAgain() {
        for (int i = 0; i < 5; i++) {
            h.send("t" + i, "k");
        }
        h.bind("k", A);
        h.release("k");
        h.advance(Duration.ofSeconds(1));
        h.advance(Duration.ofSeconds(1));
        drain();
        assertThat(net.all()).hasSize(2);
        assertThat(jobs().get("k")).isNull();
        assertThat(h.status("t4").getStatus()).isEqualTo(UsageStatus.PENDING);

        h.bind("k", A);
        h.advance(Duration.ofSeconds(1));
        h.advance(Duration.ofSeconds(1));
        drain();
        for (int i = 0; i < 5; i++) {
            assertThat(net.customerOf("t" + i)).isEqualTo(A);
        }
    }

    @Test
    void anArchivedFlagChangeMidReplayReachesTheRestOfTheReplay() {
        for (int i = 0; i < 4; i++) {
            h.send("t" + i, "k");
        }
        h.bind("k", A);
        h.bindArchived("k", A);
        h.advance(Duration.ofSeconds(1));

        assertThat(h.resolvedKeyValues()).extracting(kv -> kv.value.getArchived())
                .containsExactly(false, false, true, true);
    }

    @Test
    void sharesEachStepBetweenSeveralIdentifiers() {
        for (int i = 0; i < 6; i++) {
            h.send("x" + i, "x");
            h.send("y" + i, "y");
        }
        h.bind("x", A);
        h.bind("y", B);
        drain();
        assertThat(net.all()).hasSize(4);
        h.advance(Duration.ofSeconds(1)); // one chunk of 2 in all
        drain();
        assertThat(net.all()).hasSize(6);
        h.advance(Duration.ofSeconds(1));
        h.advance(Duration.ofSeconds(1));
        h.advance(Duration.ofSeconds(1));
        drain();
        assertThat(net.all()).hasSize(12);
    }
}
