package io.meterflow.benchmark;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CPU a throughput round used, per event: of the whole JVM (broker, app and the benchmark's reader share it, and
 * the machine's cores) and of the app's stream threads, from the round's start to its last output record. Cheap
 * enough to {@link #mark} on every poll that returned records: the stream threads are looked up once, at the start.
 */
final class CpuClock {

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Kinds of thread named in the split of the JVM's CPU. */
    private static final int BUSIEST = 8;

    private final long[] streamThreads;
    private final long[] lastRead;
    private final Map<String, Map.Entry<String, Long>> ticksAtStart;
    private Map<String, Long> byKind = Map.of();
    private final long processAtStart;
    private final long streamAtStart;
    private long process;
    private long stream;

    /** Starts the clock for the app with {@code applicationId} (its stream threads carry the ID in their names). */
    CpuClock(String applicationId) {
        this.streamThreads = Arrays.stream(THREADS.getThreadInfo(THREADS.getAllThreadIds()))
                .filter(info -> info != null && isStreamThread(info.getThreadName(), applicationId))
                .mapToLong(ThreadInfo::getThreadId).toArray();
        this.lastRead = new long[streamThreads.length];
        this.ticksAtStart = ThreadTicks.now();
        this.processAtStart = OS.getProcessCpuTime();
        this.streamAtStart = streamCpu();
        this.process = processAtStart;
        this.stream = streamAtStart;
    }

    /** Kafka Streams' processing threads of the app, not their producers' network threads. */
    static boolean isStreamThread(String threadName, String applicationId) {
        return threadName.contains(applicationId) && threadName.contains("-StreamThread-")
                && !threadName.startsWith("kafka-producer-network-thread");
    }

    /** The end of the round so far: call when output arrived. */
    void mark() {
        process = OS.getProcessCpuTime();
        stream = streamCpu();
    }

    /** The stream threads' CPU so far; a thread that has ended (-1 from the bean) keeps the time last read of it. */
    private long streamCpu() {
        long sum = 0;
        for (int i = 0; i < streamThreads.length; i++) {
            lastRead[i] = Math.max(lastRead[i], THREADS.getThreadCpuTime(streamThreads[i]));
            sum += lastRead[i];
        }
        return sum;
    }

    /**
     * The end of the round's loop: reads what each kind of thread used since the start ({@link ThreadTicks}; too
     * costly to read on every poll, so this may include a wait after the last output).
     */
    void finish() {
        byKind = ThreadTicks.since(ticksAtStart);
    }

    /**
     * Microseconds of CPU per event between the start and the last {@link #mark}, added to {@code details}:
     * {@code cpu_us_per_event_jvm}, {@code cpu_us_per_event_stream_threads}, how many stream threads were found, and
     * (after {@link #finish}) {@code cpu_us_per_event_by_thread_kind}: the JVM's figure split by each kind's share of
     * the process's ticks, the busiest kinds first.
     */
    void report(long events, Map<String, Object> details) {
        if (events <= 0) {
            return;
        }
        double jvm = (process - processAtStart) / 1e3 / events;
        details.put("cpu_us_per_event_jvm", round(jvm));
        details.put("cpu_us_per_event_stream_threads", round((stream - streamAtStart) / 1e3 / events));
        details.put("stream_threads_measured", streamThreads.length);
        long ticks = byKind.values().stream().mapToLong(Long::longValue).sum();
        if (ticks > 0) {
            Map<String, Object> kinds = new LinkedHashMap<>();
            byKind.entrySet().stream().limit(BUSIEST)
                    .forEach(e -> kinds.put(e.getKey(), round(jvm * e.getValue() / ticks)));
            details.put("cpu_us_per_event_by_thread_kind", kinds);
        }
    }

    private static double round(double micros) {
        return Math.round(micros * 10) / 10.0;
    }
}
