package io.meterflow.benchmark;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.meterflow.ingest.metrics.PunctuationTimes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * What held ingest-stream's stream thread during a phase, for the latency figures: the CPU time of that thread (and of
 * its producer's network thread, and of the whole JVM, which shares the machine's cores), the busiest kinds of thread,
 * the calls and time of each of its punctuations ({@value PunctuationTimes#DURATION}, differences of the cumulative
 * count and total between the start and the end), the JVM's stop-the-world collections (every one seen through the
 * collectors' notifications, with its duration), and the longest stretches in which no usage of the phase was
 * resolved at all (gaps between consecutive {@code resolved_at} times: with events offered every fraction of a
 * millisecond, a gap is a time the thread resolved nothing, whatever held it).
 */
final class ThreadHolds implements AutoCloseable {

    /** Threads named in the report, the busiest first. */
    private static final int BUSIEST = 8;

    private final MeterRegistry registry;
    private final String applicationId;
    private final long[] cpuAtStart;
    private final Map<String, Map.Entry<String, Long>> threadCpuAtStart;
    private final long startedAt;
    private final Map<String, double[]> punctuationsAtStart;
    private final List<Long> pausesMs = new ArrayList<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onCollection;

    ThreadHolds(MeterRegistry registry, String applicationId) {
        this.registry = registry;
        this.applicationId = applicationId;
        this.punctuationsAtStart = punctuations();
        this.cpuAtStart = cpu();
        this.threadCpuAtStart = ThreadTicks.now();
        this.startedAt = System.nanoTime();
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                emitters.add(emitter);
            }
        }
    }

    private void onCollection(Notification notification, Object handback) {
        if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        // G1's and ZGC's concurrent cycles run beside the application; only the pauses hold its threads.
        if (info.getGcName().contains("Concurrent") || info.getGcName().contains("Cycles")) {
            return;
        }
        synchronized (pausesMs) {
            pausesMs.add(info.getGcInfo().getDuration());
        }
    }

    /**
     * CPU time so far, in nanoseconds: {ingest-stream's stream threads, their producers' network threads, the whole
     * JVM}. A thread's name carries its app's application ID.
     */
    private long[] cpu() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long stream = 0;
        long network = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null || !info.getThreadName().contains(applicationId)) {
                continue;
            }
            long time = Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            if (info.getThreadName().startsWith("kafka-producer-network-thread")) {
                network += time;
            } else if (info.getThreadName().contains("StreamThread")) {
                stream += time;
            }
        }
        long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        return new long[] {stream, network, process};
    }

    /**
     * The kinds of thread that used the most CPU since the start, as "name share%" of one core, most first (see
     * {@link ThreadTicks}).
     */
    private List<String> busiestThreads(double wallNanos) {
        return ThreadTicks.since(threadCpuAtStart).entrySet().stream()
                .limit(BUSIEST)
                .map(e -> String.format("%s %.0f%%", e.getKey(),
                        100 * e.getValue() * ThreadTicks.TICK_NANOS / wallNanos))
                .toList();
    }

    /** Punctuation name → {calls, total ms}, as the timers hold them now. */
    private Map<String, double[]> punctuations() {
        Map<String, double[]> now = new TreeMap<>();
        for (Timer timer : registry.find(PunctuationTimes.DURATION).timers()) {
            now.put(timer.getId().getTag("punctuation"),
                    new double[] {timer.count(), timer.totalTime(TimeUnit.MILLISECONDS)});
        }
        return now;
    }

    /** What held the thread since this was created; {@code resolvedAtMs}: the phase's events' resolved_at times. */
    Holds finish(long[] resolvedAtMs) {
        close();
        long[] cpu = cpu();
        double wall = System.nanoTime() - startedAt;
        double streamShare = (cpu[0] - cpuAtStart[0]) / wall;
        double networkShare = (cpu[1] - cpuAtStart[1]) / wall;
        double processCores = (cpu[2] - cpuAtStart[2]) / wall;
        Map<String, Punctuation> punctuations = new TreeMap<>();
        punctuations().forEach((name, now) -> {
            double[] start = punctuationsAtStart.getOrDefault(name, new double[2]);
            long calls = Math.round(now[0] - start[0]);
            if (calls > 0) {
                punctuations.put(name, new Punctuation(calls, now[1] - start[1]));
            }
        });
        List<Long> pauses;
        synchronized (pausesMs) {
            pauses = List.copyOf(pausesMs);
        }
        Stretches stretches = Stretches.of(resolvedAtMs);
        long pauseTotal = pauses.stream().mapToLong(Long::longValue).sum();
        long pauseMax = pauses.stream().mapToLong(Long::longValue).max().orElse(0);
        return new Holds(streamShare, networkShare, processCores, busiestThreads(wall), punctuations, pauses.size(),
                pauseTotal, pauseMax, stretches.over100Ms(), stretches.longestMs());
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (ListenerNotFoundException alreadyRemoved) {
                // closed before
            }
        }
        emitters.clear();
    }

    record Punctuation(long calls, double totalMs) {
    }

    /**
     * The stretches between consecutive {@code resolved_at} times: how many were over 100 ms, and the longest five,
     * longest first.
     */
    record Stretches(long over100Ms, long[] longestMs) {

        static Stretches of(long[] resolvedAtMs) {
            long[] sorted = resolvedAtMs.clone();
            Arrays.sort(sorted);
            long[] gaps = new long[Math.max(0, sorted.length - 1)];
            for (int i = 1; i < sorted.length; i++) {
                gaps[i - 1] = sorted[i] - sorted[i - 1];
            }
            Arrays.sort(gaps);
            long[] longest = new long[Math.min(5, gaps.length)];
            for (int i = 0; i < longest.length; i++) {
                longest[i] = gaps[gaps.length - 1 - i];
            }
            return new Stretches(Arrays.stream(gaps).filter(g -> g > 100).count(), longest);
        }
    }

    /**
     * @param streamThreadBusy    CPU time of ingest-stream's stream threads ÷ the phase's wall time
     * @param producerNetworkBusy the same for their producers' network threads
     * @param processCores        CPU time of the whole JVM (broker, apps, benchmark) ÷ wall time, in cores
     * @param busiestThreads      the process's busiest kinds of thread in the phase (native ones too), each with its
     *                            CPU time ÷ wall time
     * @param gapsOver100Ms   stretches of more than 100 ms in which the thread resolved none of the phase's events
     * @param longestGapsMs   the longest such stretches, longest first
     */
    record Holds(double streamThreadBusy, double producerNetworkBusy, double processCores, List<String> busiestThreads,
                 Map<String, Punctuation> punctuations, int gcPauses, long gcPauseTotalMs, long gcPauseMaxMs,
                 long gapsOver100Ms, long[] longestGapsMs) {

        String describe() {
            StringBuilder text = new StringBuilder();
            text.append(String.format("stream thread on CPU %.0f%% of the time, its producer's network thread %.0f%%,"
                    + " the whole JVM %.2f cores (busiest threads: %s);", 100 * streamThreadBusy,
                    100 * producerNetworkBusy, processCores, String.join(", ", busiestThreads)));
            text.append(' ');
            text.append(String.format("%d stretches over 100 ms without a resolved event, the longest %s ms;",
                    gapsOver100Ms, Arrays.toString(longestGapsMs).replaceAll("[\\[\\]]", "")));
            text.append(String.format(" %d collection pauses (whole JVM), %d ms in all, the longest %d ms;",
                    gcPauses, gcPauseTotalMs, gcPauseMaxMs));
            if (punctuations.isEmpty()) {
                text.append(" no punctuation ran");
            } else {
                text.append(" punctuations (calls, total ms, ms per call):");
                punctuations.forEach((name, p) -> text.append(String.format(" %s %d, %.0f, %.1f;", name, p.calls(),
                        p.totalMs(), p.totalMs() / p.calls())));
                text.setLength(text.length() - 1);
            }
            return text.toString();
        }
    }
}
