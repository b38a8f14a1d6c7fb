package io.meterflow.ingest.metrics;

import io.meterflow.ingest.validate.RejectionReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * ingest-stream's Micrometer meters, created once per topology so that the hot path only increments. Every record
 * read from usage-events increments {@value #OUTCOMES} exactly once (attributed, pending, duplicate or rejected);
 * what later happens to a parked event (replayed or expired) and every move is counted separately, so that
 * <pre>records read = attributed + pending + duplicate + rejected
 * pending        = replayed + expired + still parked (gauge)</pre>
 * Counters are process metrics, not part of the exactly-once transaction: a record reprocessed after a crash is
 * counted again.
 */
public final class IngestMetrics {

    public static final String OUTCOMES = "meterflow.usage.outcomes";
    public static final String REJECTIONS = "meterflow.usage.rejections";
    public static final String REPLAYED = "meterflow.usage.replayed";
    public static final String REASSIGNED = "meterflow.usage.reassigned";
    public static final String RETRACTED = "meterflow.usage.retracted";
    public static final String EXPIRED = "meterflow.usage.expired";
    public static final String REROUTED = "meterflow.usage.rerouted";
    public static final String BINDING_CHANGES = "meterflow.usage.binding.changes";
    public static final String LATENCY = "meterflow.usage.attribution.latency";

    /** The outcome of one record read from usage-events. */
    public enum Outcome {
        ATTRIBUTED, PENDING, DUPLICATE, REJECTED;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
    private final Map<RejectionReason, Counter> rejections = new EnumMap<>(RejectionReason.class);
    private final Counter replayed;
    private final Counter reassigned;
    private final Counter retracted;
    private final Counter expired;
    private final Counter rerouted;
    private final Counter bindingsBound;
    private final Counter bindingsReleased;
    private final Counter bindingsIgnored;
    private final Counter bindingsUnreadable;
    private final Counter bindingsKeyless;
    private final Timer liveLatency;
    private final Timer replayedLatency;
    private final PunctuationTimes punctuations;

    public IngestMetrics(MeterRegistry registry) {
        punctuations = new PunctuationTimes(registry);
        for (Outcome outcome : Outcome.values()) {
            outcomes.put(outcome, Counter.builder(OUTCOMES).tag("outcome", outcome.tag())
                    .description("Records read from usage-events, by what became of them").register(registry));
        }
        for (RejectionReason reason : RejectionReason.values()) {
            rejections.put(reason, Counter.builder(REJECTIONS).tag("reason", reason.name())
                    .description("Usage records sent to usage-rejected, by reason code").register(registry));
        }
        replayed = Counter.builder(REPLAYED).description("Parked events attributed when their identifier was bound")
                .register(registry);
        reassigned = Counter.builder(REASSIGNED)
                .description("Events moved to another customer because their alias moved").register(registry);
        retracted = Counter.builder(RETRACTED).description("RETRACT records written (one per move)").register(registry);
        expired = Counter.builder(EXPIRED).description("Parked events sent to usage-expired after the pending horizon")
                .register(registry);
        rerouted = Counter.builder(REROUTED)
                .description("Usage records read from a partition not owning their transaction ID (one extra hop)")
                .register(registry);
        String bindingChanges = "Binding changes applied to this instance's replicas (each task counts its copy)";
        bindingsBound = Counter.builder(BINDING_CHANGES).tag("change", "bound")
                .description(bindingChanges).register(registry);
        bindingsReleased = Counter.builder(BINDING_CHANGES).tag("change", "released")
                .description(bindingChanges).register(registry);
        bindingsIgnored = Counter.builder(BINDING_CHANGES).tag("change", "ignored")
                .description(bindingChanges).register(registry);
        bindingsUnreadable = Counter.builder(BINDING_CHANGES).tag("change", "unreadable")
                .description(bindingChanges).register(registry);
        bindingsKeyless = Counter.builder(BINDING_CHANGES).tag("change", "keyless")
                .description(bindingChanges).register(registry);
        liveLatency = latency(registry, "live");
        replayedLatency = latency(registry, "replayed");
    }

    private static Timer latency(MeterRegistry registry, String path) {
        return Timer.builder(LATENCY).tag("path", path)
                .description("From the usage-events record timestamp to the ASSIGN on usage-resolved")
                // Live attribution takes milliseconds to seconds; a replay can come days later (up to the pending
                // horizon): fine buckets up to a minute, then coarse objectives out to 34 days.
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(1))
                .serviceLevelObjectives(Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1),
                        Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofHours(1),
                        Duration.ofHours(6), Duration.ofDays(1), Duration.ofDays(7), Duration.ofDays(34))
                .register(registry);
    }

    /** The timers of the punctuations of the usage and bindings processors. */
    public PunctuationTimes punctuations() {
        return punctuations;
    }

    public void outcome(Outcome outcome) {
        outcomes.get(outcome).increment();
    }

    public void rejected(RejectionReason reason) {
        outcomes.get(Outcome.REJECTED).increment();
        rejections.get(reason).increment();
    }

    public void attributedLive(long latencyMs) {
        outcomes.get(Outcome.ATTRIBUTED).increment();
        liveLatency.record(Math.max(0, latencyMs), TimeUnit.MILLISECONDS);
    }

    public void replayed(long latencyMs) {
        replayed.increment();
        replayedLatency.record(Math.max(0, latencyMs), TimeUnit.MILLISECONDS);
    }

    public void reassigned() {
        reassigned.increment();
        retracted.increment();
    }

    public void expired() {
        expired.increment();
    }

    public void rerouted() {
        rerouted.increment();
    }

    public void bindingChanged(boolean bound) {
        (bound ? bindingsBound : bindingsReleased).increment();
    }

    /**
     * A binding whose identifier or customer ID is longer than any usage identifier may be (counted once, where the
     * bindings are fanned out, not per task).
     */
    public void bindingIgnored() {
        bindingsIgnored.increment();
    }

    /** A record on alias-bindings that is not a readable AliasBinding (counted once, where bindings are fanned out). */
    public void bindingUnreadable() {
        bindingsUnreadable.increment();
    }

    /** A record on alias-bindings without a key, which binds nothing (counted once, where bindings are fanned out). */
    public void bindingKeyless() {
        bindingsKeyless.increment();
    }
}
