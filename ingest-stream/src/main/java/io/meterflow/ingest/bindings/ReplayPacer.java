package io.meterflow.ingest.bindings;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.processor.TaskId;

/**
 * How much time replays and moves may take on a stream thread: at most a share of each window of wall-clock time
 * ({@code replay.interval}), split evenly between the thread's tasks that have replay work, so that live usage on the
 * same thread keeps flowing. Without it a large replay takes the whole thread: Kafka Streams halves the records it
 * processes per task between punctuations whenever a punctuation ran, down to one, so with a replay step due on every
 * loop, live usage waited until the replay was over (measured: the median live event 5–12 s late during a
 * 100,000–300,000-event replay).
 *
 * <p>One pacer serves every task of the topology; each thread's account is touched by that thread only.
 */
final class ReplayPacer {

    private final long windowNanos;
    private final long threadBudgetNanos;
    private final boolean unlimited;
    private final LongSupplier clock;
    private final Map<Thread, Account> accounts = new ConcurrentHashMap<>();

    /**
     * @param window  the window the share is of (the replay interval)
     * @param percent the share of each window replays may use on one thread, 1–100; 100 sets no limit (a
     *                punctuation then handles its whole chunk however long it takes)
     * @param clock   nanoseconds, as {@link System#nanoTime}
     */
    ReplayPacer(java.time.Duration window, int percent, LongSupplier clock) {
        this.windowNanos = window.toNanos();
        this.threadBudgetNanos = windowNanos * percent / 100;
        this.unlimited = percent >= 100;
        this.clock = clock;
    }

    long nanos() {
        return clock.getAsLong();
    }

    /** How long {@code task} may replay now, on the calling thread; zero when its part of this window is spent. */
    long allowance(TaskId task) {
        if (unlimited) {
            return Long.MAX_VALUE;
        }
        long now = clock.getAsLong();
        Account account = accounts.computeIfAbsent(Thread.currentThread(), t -> new Account(now));
        if (now - account.windowStart >= windowNanos) {
            account.windowStart = now;
            account.used.clear();
        }
        account.askedAt.put(task, now);
        account.askedAt.values().removeIf(at -> now - at > 2 * windowNanos);
        long share = threadBudgetNanos / account.askedAt.size();
        return Math.max(0, share - account.used.getOrDefault(task, 0L));
    }

    /** Records that {@code task} replayed for {@code nanos} on the calling thread. */
    void spent(TaskId task, long nanos) {
        Account account = accounts.get(Thread.currentThread());
        if (account != null) {
            account.used.merge(task, nanos, Long::sum);
        }
    }

    /** One thread's window: when it started, what each task used in it, when each task last asked. */
    private static final class Account {
        long windowStart;
        final Map<TaskId, Long> used = new HashMap<>();
        final Map<TaskId, Long> askedAt = new HashMap<>();

        Account(long windowStart) {
            this.windowStart = windowStart;
        }
    }
}
