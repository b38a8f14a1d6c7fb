package io.meterflow.ingest.bindings;

import io.meterflow.ingest.IngestConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.processor.TaskId;

/**
 * How much time replays and moves may take on a stream thread, from what {@code resolve} reports of the live usage it
 * reads on that thread ({@link #liveLag}):
 * <ul>
 *   <li>no live usage read in the last two windows ({@code replay.interval}): as much as a replay step takes (its
 *       chunk), since nothing waits;</li>
 *   <li>live usage read on time: at most a share of each window, split evenly between the thread's tasks that have
 *       replay work, so that live usage keeps flowing;</li>
 *   <li>live usage read late (more than two windows after it was produced): a fifth of that, so that live usage
 *       catches up first (a backlog of live usage goes before a replay of older usage).</li>
 * </ul>
 * Without it a large replay takes the whole thread: Kafka Streams halves the records it processes per task between
 * punctuations whenever a punctuation ran, down to one, so with a replay step due on every loop, live usage waited
 * until the replay was over (measured: the median live event 5–12 s late during a 100,000–300,000-event replay).
 *
 * <p>One pacer serves every task of the topology; each thread's account is touched by that thread only.
 */
public final class ReplayPacer {

    /** While live usage is read this late, in windows, replays get a fifth of their share. */
    private static final int LATE_WINDOWS = 2;
    /** Live usage read within this many windows is live usage the thread is serving now. */
    private static final int LIVE_RECENT_WINDOWS = 2;
    private static final int LATE_DIVISOR = 5;

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
    ReplayPacer(Duration window, int percent, LongSupplier clock) {
        this.windowNanos = window.toNanos();
        this.threadBudgetNanos = windowNanos * percent / 100;
        this.unlimited = percent >= 100;
        this.clock = clock;
    }

    /** The pacer for every task of a topology with {@code config}'s replay interval and share. */
    public static ReplayPacer of(IngestConfig config) {
        return new ReplayPacer(config.replayInterval(), config.replayMaxThreadShare(), System::nanoTime);
    }

    /**
     * Reports, from {@code resolve}, how late the calling thread reads live usage: now minus the record's timestamp
     * (when its producer sent it, unless the producer set another time).
     */
    public void liveLag(long lagMs) {
        if (unlimited) {
            return;
        }
        long now = clock.getAsLong();
        Account account = account(now);
        account.lagMs = lagMs;
        account.lagAt = now;
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
        Account account = account(now);
        if (now - account.windowStart >= windowNanos) {
            account.windowStart = now;
            account.used.clear();
        }
        account.askedAt.put(task, now);
        account.askedAt.values().removeIf(at -> now - at > 2 * windowNanos);
        if (account.lagAt == Long.MIN_VALUE || now - account.lagAt > LIVE_RECENT_WINDOWS * windowNanos) {
            return Long.MAX_VALUE; // no live usage on this thread: nothing waits for the replay
        }
        long share = threadBudgetNanos / account.askedAt.size();
        if (account.lagMs * 1_000_000L > LATE_WINDOWS * windowNanos) {
            share /= LATE_DIVISOR;
        }
        return Math.max(0, share - account.used.getOrDefault(task, 0L));
    }

    /** Records that {@code task} replayed for {@code nanos} on the calling thread. */
    void spent(TaskId task, long nanos) {
        Account account = accounts.get(Thread.currentThread());
        if (account != null) {
            account.used.merge(task, nanos, Long::sum);
        }
    }

    /**
     * The calling thread's account, opened on its first call. A stream thread that died and was replaced never calls
     * again, so whenever an account is opened, the accounts of threads that have ended are dropped.
     */
    private Account account(long now) {
        Thread thread = Thread.currentThread();
        Account account = accounts.get(thread);
        if (account == null) {
            accounts.keySet().removeIf(other -> !other.isAlive());
            account = new Account(now);
            accounts.put(thread, account);
        }
        return account;
    }

    /** How many threads have an account (for tests). */
    int accounts() {
        return accounts.size();
    }

    /** One thread's window: when it started, what each task used in it, when each task last asked. */
    private static final class Account {
        long windowStart;
        final Map<TaskId, Long> used = new HashMap<>();
        final Map<TaskId, Long> askedAt = new HashMap<>();
        long lagMs;
        long lagAt = Long.MIN_VALUE;

        Account(long windowStart) {
            this.windowStart = windowStart;
        }
    }
}
