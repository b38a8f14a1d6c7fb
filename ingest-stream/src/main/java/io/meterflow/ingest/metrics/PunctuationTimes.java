package io.meterflow.ingest.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.processor.Punctuator;

/**
 * How long each of ingest-stream's punctuations takes per call ({@value #DURATION}, tagged {@code punctuation}). A
 * punctuation runs on the stream thread between records, so every millisecond it takes is a millisecond the task's
 * live usage waits: this is where to look when usage is resolved late.
 */
public final class PunctuationTimes {

    public static final String DURATION = "meterflow.punctuation.duration";

    private final MeterRegistry registry;

    public PunctuationTimes(MeterRegistry registry) {
        this.registry = registry;
    }

    /** {@code punctuator}, timed under {@code punctuation} (one timer per name, shared by every task). */
    public Punctuator timed(String punctuation, Punctuator punctuator) {
        Timer timer = Timer.builder(DURATION).tag("punctuation", punctuation)
                .description("Time one call of a punctuation took on the stream thread (live usage waits meanwhile)")
                .serviceLevelObjectives(Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100),
                        Duration.ofMillis(250), Duration.ofSeconds(1))
                .register(registry);
        return timestamp -> {
            long start = System.nanoTime();
            try {
                punctuator.punctuate(timestamp);
            } finally {
                timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        };
    }
}
