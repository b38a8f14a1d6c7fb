package io.meterflow.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class CpuClockTest {

    private static final String APP = "bench-x-1-naive-join.app";

    @Test
    void aStreamThreadIsOneOfTheAppsProcessingThreadsNotItsProducersNorAnotherApps() {
        assertThat(CpuClock.isStreamThread(APP + "-5c3a410f-d67f-473b-ae6f-24ac4178e375-StreamThread-1", APP)).isTrue();
        assertThat(CpuClock.isStreamThread("kafka-producer-network-thread | " + APP
                + "-5c3a410f-d67f-473b-ae6f-24ac4178e375-StreamThread-1-producer", APP)).isFalse();
        assertThat(CpuClock.isStreamThread(APP + "-5c3a410f-GlobalStreamThread", APP)).isFalse();
        assertThat(CpuClock.isStreamThread("bench-x-1-pass-through.app-5c3a-StreamThread-1", APP)).isFalse();
    }

    @Test
    @SuppressWarnings("unchecked")
    void countsTheCpuOfTheAppsStreamThreadUpToTheLastMarkPerEvent() throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch marked = new CountDownLatch(1);
        Thread stream = new Thread(() -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            long until = System.nanoTime() + 200_000_000L;
            long spin = 0;
            while (System.nanoTime() < until) {
                spin += Long.numberOfTrailingZeros(spin + System.nanoTime());
            }
            done.countDown();
            try {
                marked.await(); // alive until the clock is read
            } catch (InterruptedException e) {
                return;
            }
            if (spin == 42) {
                System.out.print(""); // keeps the loop from being optimised away
            }
        }, APP + "-uuid-StreamThread-1");
        stream.start();
        try {
            CpuClock clock = new CpuClock(APP);
            go.countDown();
            done.await();
            clock.mark();
            clock.finish();
            marked.countDown();
            Map<String, Object> details = new LinkedHashMap<>();

            clock.report(1_000, details);

            assertThat(details.get("stream_threads_measured")).isEqualTo(1);
            double streamMicros = (double) details.get("cpu_us_per_event_stream_threads");
            // 200 ms of spinning over 1,000 events: 200 µs each, less whatever the scheduler took away.
            assertThat(streamMicros).isBetween(50.0, 250.0);
            assertThat((double) details.get("cpu_us_per_event_jvm")).isGreaterThanOrEqualTo(streamMicros - 1);
            // The kernel knows the thread by the first 15 characters of its name, digits removed by the split.
            assertThat((Map<String, Double>) details.get("cpu_us_per_event_by_thread_kind"))
                    .hasEntrySatisfying("bench-x--naive", micros -> assertThat(micros).isGreaterThan(25.0));
        } finally {
            marked.countDown();
            stream.join();
        }
    }
}
