package io.meterflow.benchmark;

import io.meterflow.topics.Topics;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The mid-run customer changes, on their own thread while usage is consumed: late aliases attached (their parked
 * usage is replayed), then the moving aliases released by their customers and, once alias-sync has released
 * them, claimed by their new customers (a claim before the release would be refused as ALIAS_IN_USE).
 */
final class MidRunChanges implements AutoCloseable {

    private final ScenarioContext context;
    private final Workload workload;
    private final Topics topics;
    private Thread thread;
    private final AtomicReference<String> outcome = new AtomicReference<>("not started");
    private volatile long startedAfterNanos;
    private volatile long attachSentNanos;
    private volatile long movesClaimedNanos;

    MidRunChanges(ScenarioContext context, Topics topics) {
        this.context = context;
        this.workload = context.workload;
        this.topics = topics;
    }

    boolean started() {
        return thread != null;
    }

    void start(long scenarioStart) {
        startedAfterNanos = System.nanoTime() - scenarioStart;
        thread = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> producer = context.kafka.prompt();
                 BindingsWatcher watcher = new BindingsWatcher(context.kafka, topics)) {
                long t0 = System.nanoTime();
                for (int l = 0; l < workload.lateAliases(); l++) {
                    context.send(producer, topics, workload.aliasesSet(l, false));
                }
                int c = workload.customers();
                int m = workload.movingAliases();
                for (int k = c - m; k < c; k++) {
                    context.send(producer, topics, workload.aliasesSet(k, true));
                }
                producer.flush();
                attachSentNanos = System.nanoTime() - t0;
                watcher.await(w -> {
                    for (int k = c - m; k < c; k++) {
                        if (w.get(workload.alias(k)) != null || !w.seen(workload.alias(k))) {
                            return false;
                        }
                    }
                    return true;
                }, "alias-sync to release the moving aliases");
                for (int k = c - 2 * m; k < c - m; k++) {
                    context.send(producer, topics, workload.aliasesSet(k, true));
                }
                producer.flush();
                movesClaimedNanos = System.nanoTime() - t0;
                outcome.set("sent");
            } catch (RuntimeException e) {
                outcome.set("failed: " + e);
            }
        }, "benchmark-mid-run-changes");
        thread.setDaemon(true);
        thread.start();
    }

    void join() throws InterruptedException {
        if (thread != null) {
            thread.join(Duration.ofMinutes(2).toMillis());
        }
    }

    String describe() {
        return String.format("%s: %d late aliases attached and %d aliases released %.1f s after the start;"
                        + " their new customers claimed them %.1f s later", outcome.get(), workload.lateAliases(),
                workload.movingAliases(), startedAfterNanos / 1e9, movesClaimedNanos / 1e9);
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
        }
    }
}
