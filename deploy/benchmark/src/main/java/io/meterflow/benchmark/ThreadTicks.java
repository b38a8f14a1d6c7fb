package io.meterflow.benchmark;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU ticks of every thread of this process, Java's and native ones alike (RocksDB's background threads, the
 * collector's workers, the JIT compilers), from {@code /proc/self/task}, and what each kind of thread used between two
 * readings. Reading them costs a file per thread: for the start and end of a phase, not for every poll.
 */
final class ThreadTicks {

    /** Linux's USER_HZ is 100: a tick is 10 ms. */
    static final double TICK_NANOS = 10_000_000.0;

    private ThreadTicks() {
    }

    /**
     * Thread ID → {name, ticks so far}. The name is the kernel's ({@code comm}: 15 characters, so Java threads of one
     * kind share a prefix). Empty off Linux.
     */
    static Map<String, Map.Entry<String, Long>> now() {
        Map<String, Map.Entry<String, Long>> now = new HashMap<>();
        File[] tasks = new File("/proc/self/task").listFiles();
        if (tasks == null) {
            return now;
        }
        for (File task : tasks) {
            try {
                String stat = Files.readString(task.toPath().resolve("stat"));
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String[] fields = stat.substring(close + 2).split(" ");
                // After "pid (comm) ": state is field 3 of the line, utime 14 and stime 15.
                long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                now.put(task.getName(), Map.entry(stat.substring(open + 1, close), ticks));
            } catch (IOException | RuntimeException gone) {
                // The thread ended while it was read.
            }
        }
        return now;
    }

    /**
     * The ticks each kind of thread used since {@code start} (a reading of {@link #now}), most first: threads are
     * grouped by their kernel name without its digits ({@code rocksdb:low}, {@code data-plane-kafk},
     * {@code GC Thread#}). A thread that ended in between is not counted.
     */
    static Map<String, Long> since(Map<String, Map.Entry<String, Long>> start) {
        Map<String, Long> byKind = new HashMap<>();
        now().forEach((tid, now) -> {
            Map.Entry<String, Long> before = start.get(tid);
            long used = now.getValue() - (before == null ? 0 : before.getValue());
            byKind.merge(now.getKey().replaceAll("[0-9]+", ""), used, Long::sum);
        });
        Map<String, Long> sorted = new LinkedHashMap<>();
        byKind.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }
}
