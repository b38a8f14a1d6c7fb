package io.meterflow.ingest.bindings;

import static io.meterflow.ingest.MockTask.bound;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.MockTask;
import io.meterflow.ingest.emit.OutgoingUsage;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.ingest.route.IncomingUsage;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** The share of a stream thread's time replays may take, and a replay punctuation keeping to it. */
class ReplayPacerTest {

    private static final long MS = 1_000_000L;
    private static final TaskId TASK_0 = new TaskId(0, 0);
    private static final TaskId TASK_1 = new TaskId(0, 1);

    private final AtomicLong clock = new AtomicLong(1_000 * MS);
    private final ReplayPacer pacer = new ReplayPacer(Duration.ofMillis(100), 50, clock::get);

    @Test
    void withoutLiveUsageOnTheThreadAReplayMayTakeAllOfIt() {
        assertThat(pacer.allowance(TASK_0)).isEqualTo(Long.MAX_VALUE);

        pacer.liveLag(40);
        assertThat(pacer.allowance(TASK_0)).isEqualTo(50 * MS);

        clock.addAndGet(250 * MS); // no live usage read for more than two windows
        assertThat(pacer.allowance(TASK_0)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aTaskAloneMayUseTheSharePerWindowAndGetsItBackInTheNextWindow() {
        pacer.liveLag(40);
        assertThat(pacer.allowance(TASK_0)).isEqualTo(50 * MS);
        pacer.spent(TASK_0, 30 * MS);
        assertThat(pacer.allowance(TASK_0)).isEqualTo(20 * MS);
        pacer.spent(TASK_0, 25 * MS);
        assertThat(pacer.allowance(TASK_0)).isZero();

        clock.addAndGet(100 * MS);
        pacer.liveLag(40);
        assertThat(pacer.allowance(TASK_0)).isEqualTo(50 * MS);
    }

    @Test
    void tasksWithReplaysOnOneThreadSplitTheShareAndATaskThatStoppedAskingNoLongerCounts() {
        pacer.liveLag(40);
        assertThat(pacer.allowance(TASK_0)).isEqualTo(50 * MS);
        assertThat(pacer.allowance(TASK_1)).isEqualTo(25 * MS);
        assertThat(pacer.allowance(TASK_0)).isEqualTo(25 * MS);

        // Task 1's replays ended: two windows later only task 0 asks, and has the whole share again.
        clock.addAndGet(100 * MS);
        pacer.allowance(TASK_0);
        clock.addAndGet(150 * MS);
        pacer.liveLag(40);
        assertThat(pacer.allowance(TASK_0)).isEqualTo(50 * MS);
    }

    @Test
    void whileLiveUsageIsReadLateReplaysGetAFifthOfTheirShareAndAllOfItAgainOnceItIsOnTime() {
        pacer.liveLag(40);
        assertThat(pacer.allowance(TASK_0)).as("on time: the whole share").isEqualTo(50 * MS);

        clock.addAndGet(100 * MS);
        pacer.liveLag(450);
        assertThat(pacer.allowance(TASK_0)).as("more than two windows late").isEqualTo(10 * MS);

        clock.addAndGet(100 * MS);
        pacer.liveLag(90);
        assertThat(pacer.allowance(TASK_0)).isEqualTo(50 * MS);

        // A late report that is old (no live usage since) no longer holds replays back.
        pacer.liveLag(5_000);
        clock.addAndGet(300 * MS);
        assertThat(pacer.allowance(TASK_0)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void withTheWholeThreadGivenToReplaysNeitherTimeNorLagLimitsThem() {
        ReplayPacer unlimited = new ReplayPacer(Duration.ofMillis(100), 100, clock::get);
        unlimited.liveLag(10_000);
        assertThat(unlimited.allowance(TASK_0)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void anotherThreadHasAShareOfItsOwn() throws InterruptedException {
        pacer.liveLag(40);
        pacer.allowance(TASK_0);
        pacer.spent(TASK_0, 50 * MS);
        AtomicLong elsewhere = new AtomicLong();
        Thread other = new Thread(() -> {
            pacer.liveLag(40);
            elsewhere.set(pacer.allowance(TASK_1));
        });
        other.start();
        other.join();

        assertThat(pacer.allowance(TASK_0)).isZero();
        assertThat(elsewhere.get()).isEqualTo(50 * MS);
    }

    @Test
    void theAccountOfAThreadThatEndedIsDroppedWhenAnotherThreadOpensOne() throws InterruptedException {
        pacer.allowance(TASK_0);
        Thread ended = new Thread(() -> pacer.allowance(TASK_1));
        ended.start();
        ended.join();
        assertThat(pacer.accounts()).isEqualTo(2);

        Thread replacement = new Thread(() -> pacer.liveLag(40));
        replacement.start();
        replacement.join();

        assertThat(pacer.accounts()).as("this thread's and the replacement's").isEqualTo(2);
    }

    @Test
    void aReplayPunctuationStopsWhenItsTimeIsSpentAndGoesOnInTheNextWindow() {
        MockTask<OutgoingUsage> task = MockTask.create(Map.of("replay.chunk.size", "1000"));
        // Every reading of the clock is 30 ms later: after the first step of 100 entries 60 ms have passed, more than
        // the 50 ms the punctuation may spend, so it stops there instead of handling its whole chunk of 1000.
        AtomicLong slowClock = new AtomicLong();
        ReplayPacer slow = new ReplayPacer(Duration.ofMillis(100), 50, () -> slowClock.addAndGet(30 * MS));
        slow.liveLag(40); // live usage on time on this thread
        ApplyBindingProcessor processor = new ApplyBindingProcessor(task.config, task.metrics, task.gauges, slow);
        processor.init(task.context);
        UsageLedger ledger = new UsageLedger(task.context, task.config.horizons());
        for (int i = 0; i < 2_500; i++) {
            IncomingUsage in = task.incoming(task.event(String.format("tx-%05d", i), "ops@acme.example")).value();
            ledger.park(in.transactionId(), in.event(), in.eventBinary(), task.now(), task.now());
        }

        processor.process(new Record<>("ops@acme.example", bound("cust-a", false, false), task.now()));
        assertThat(task.forwarded()).as("the first chunk runs at once, whole").hasSize(1_000);

        task.punctuateEvery(task.config.replayInterval());
        assertThat(task.forwarded()).as("one step of 100, then the allowance is spent").hasSize(100);

        slow.liveLag(40);
        task.punctuateEvery(task.config.replayInterval());
        assertThat(task.forwarded()).as("a new window (the clock moved on): one more step").hasSize(100);
        assertThat(task.store(ApplyBindingProcessor.REPLAY_JOBS).get("ops@acme.example")).isNotNull();
    }
}
