package io.meterflow.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Samples this JVM's heap every 100 ms: the heap in use (which includes garbage not yet collected) and the heap left
 * after the last collection of each pool (the live set, the figure that decides whether a heap limit holds).
 * The broker, when in-process, and every app share this JVM, so these are figures for all of them together.
 */
final class MemorySampler implements AutoCloseable {

    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).toList();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peakUsed;
    private volatile long peakAfterGc;

    MemorySampler() {
        thread = new Thread(this::loop, "benchmark-memory-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            sample();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void sample() {
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long afterGc = 0;
        for (MemoryPoolMXBean pool : heapPools) {
            MemoryUsage collected = pool.getCollectionUsage();
            if (collected != null) {
                afterGc += collected.getUsed();
            }
        }
        peakUsed = Math.max(peakUsed, used);
        peakAfterGc = Math.max(peakAfterGc, afterGc);
    }

    /** Starts a new phase: peaks are taken from now on. */
    synchronized void reset() {
        peakUsed = 0;
        peakAfterGc = 0;
        sample();
    }

    /** Peak heap in use (bytes) since {@link #reset()}. */
    synchronized long peakUsed() {
        sample();
        return peakUsed;
    }

    /** Peak of the heap left after collections (bytes) since {@link #reset()}. */
    synchronized long peakAfterGc() {
        sample();
        return peakAfterGc;
    }

    static long maxHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
    }

    /** A field of /proc/self/status in bytes (VmRSS: now, VmHWM: the process's peak), or -1 where there is none. */
    static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
