package io.meterflow.ingest.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.processor.TaskId;

/**
 * The pending gauges of one application instance: {@value #PENDING} (events parked in this instance's tasks) and
 * {@value #OLDEST_AGE} (age of the oldest of them, in seconds). Each task publishes a snapshot from its stream thread
 * (a persisted counter and the first key of its time-ordered pending index: no scan); a scrape only sums the
 * snapshots, so it never touches a store.
 */
public final class PendingGauges {

    public static final String PENDING = "meterflow.usage.pending";
    public static final String OLDEST_AGE = "meterflow.usage.pending.oldest.age";
    public static final String REPLAY_JOBS = "meterflow.usage.replay.jobs";

    /** One task's view: parked count, accepted time of its oldest parked event (or -1), and when it was taken. */
    public record Snapshot(long pending, long oldestAcceptedAt, long takenAt) {
    }

    private final Map<TaskId, Snapshot> tasks = new ConcurrentHashMap<>();
    private final Map<TaskId, Integer> replayJobs = new ConcurrentHashMap<>();

    public PendingGauges(MeterRegistry registry) {
        Gauge.builder(PENDING, this, PendingGauges::pending).strongReference(true)
                .description("Usage events parked until their identifier is bound").register(registry);
        Gauge.builder(OLDEST_AGE, this, PendingGauges::oldestAgeSeconds).strongReference(true).baseUnit("seconds")
                .description("How long the oldest parked event has been waiting").register(registry);
        Gauge.builder(REPLAY_JOBS, this, g -> g.replayJobs.values().stream().mapToInt(Integer::intValue).sum())
                .strongReference(true).description("Replays and moves still being worked through").register(registry);
    }

    public void publish(TaskId task, Snapshot snapshot) {
        tasks.put(task, snapshot);
    }

    public void publishReplayJobs(TaskId task, int jobs) {
        replayJobs.put(task, jobs);
    }

    /** Forgets a task this instance no longer runs. */
    public void remove(TaskId task) {
        tasks.remove(task);
        replayJobs.remove(task);
    }

    public double pending() {
        return tasks.values().stream().mapToLong(Snapshot::pending).sum();
    }

    public double oldestAgeSeconds() {
        long age = 0;
        for (Snapshot s : tasks.values()) {
            if (s.pending() > 0 && s.oldestAcceptedAt() >= 0) {
                age = Math.max(age, s.takenAt() - s.oldestAcceptedAt());
            }
        }
        return age / 1000.0;
    }
}
