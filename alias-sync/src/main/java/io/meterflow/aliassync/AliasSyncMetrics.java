package io.meterflow.aliassync;

import io.meterflow.aliassync.intake.ChangeType;
import io.meterflow.aliassync.rejection.RefusalReason;
import io.meterflow.schemas.internal.aliassync.AliasAction;
import io.meterflow.schemas.internal.aliassync.ClaimDecision;
import io.meterflow.schemas.AliasBinding;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.processor.TaskId;

/**
 * alias-sync's Micrometer counters. Every counter is registered up front so that dashboards see zeros rather than
 * missing series. Under exactly-once a transaction that is aborted and retried counts its records again: counters
 * count processing, not committed output.
 */
public final class AliasSyncMetrics {

    /** Customer changes read, tagged {@code type} (see {@link ChangeType}) and {@code outcome}. */
    public static final String CHANGES = "meterflow.customer.changes";
    /** Records written to customer-changes-rejected, tagged {@code reason} (see {@link RefusalReason}). */
    public static final String REFUSALS = "meterflow.customer.refusals";
    /** Alias commands decided by the ownership stage, tagged {@code action} and {@code result}. */
    public static final String ALIAS_COMMANDS = "meterflow.alias.commands";
    /**
     * The ownership stage's answers read back by the customer stage, tagged {@code decision} (see
     * {@link ClaimDecision}) and {@code result} (see {@link OutcomeResult}).
     */
    public static final String CLAIM_OUTCOMES = "meterflow.claim.outcomes";
    /**
     * Bindings held in this instance's {@code alias-binding-store}, tagged {@code kind} = {@code alias} or
     * {@code customer_id}: counted once when a task starts, then kept by each change, so a scrape reads two numbers.
     */
    public static final String BINDINGS = "meterflow.alias.bindings";

    /** What became of a change read from customer-changes. */
    public enum ChangeOutcome {
        /** Applied (an alias-level refusal within it is counted under {@link #REFUSALS}). */
        APPLIED,
        /** Refused as a whole. */
        REFUSED,
        /** A change ID already processed for this customer: ignored. */
        REDELIVERED;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The result tags of {@link #ALIAS_COMMANDS}: a claim is granted or refused; a release releases or is ignored
     * (the customer did not hold the alias); an archive mark marks or is ignored; a customer-ID binding binds.
     */
    public enum CommandResult {
        GRANTED, REFUSED, RELEASED, MARKED_ARCHIVED, BOUND, IGNORED;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What became of an answer of the ownership stage when it reached the customer it concerns. */
    public enum OutcomeResult {
        /** Applied to the customer's aliases (a refusal or revocation is also written as a rejection). */
        APPLIED,
        /**
         * Changes no alias: it answers a claim the customer no longer has in flight (the alias was dropped, or asked
         * for again, since), or revokes an alias the customer no longer holds. A stale refusal is still reported.
         */
        STALE,
        /** Dropped: alias-sync keeps no bookkeeping for the customer (only if its topics were tampered with). */
        UNKNOWN_CUSTOMER,
        /**
         * Kept in the customer's bookkeeping only: the customer's record is missing, so it is neither rebuilt nor
         * published (only if its stores were tampered with).
         */
        CUSTOMER_MISSING;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Map<AliasAction, List<CommandResult>> RESULTS = Map.of(
            AliasAction.CLAIM, List.of(CommandResult.GRANTED, CommandResult.REFUSED),
            AliasAction.RELEASE, List.of(CommandResult.RELEASED, CommandResult.IGNORED),
            AliasAction.ARCHIVE, List.of(CommandResult.MARKED_ARCHIVED, CommandResult.IGNORED),
            AliasAction.BIND_CUSTOMER_ID, List.of(CommandResult.BOUND, CommandResult.IGNORED));

    private final Map<ChangeType, Map<ChangeOutcome, Counter>> changes = new EnumMap<>(ChangeType.class);
    private final Map<RefusalReason, Counter> refusals = new EnumMap<>(RefusalReason.class);
    private final Map<AliasAction, Map<CommandResult, Counter>> commands = new EnumMap<>(AliasAction.class);
    private final Map<ClaimDecision, Map<OutcomeResult, Counter>> claimOutcomes = new EnumMap<>(ClaimDecision.class);
    private final Map<TaskId, TaskBindings> bindings = new ConcurrentHashMap<>();

    /** One task's binding counts: written by its stream thread, read by scrapes. */
    private record TaskBindings(AtomicLong aliases, AtomicLong customerIds) {
        AtomicLong of(AliasBinding binding) {
            return binding.getIsCustomerId() ? customerIds : aliases;
        }
    }

    public AliasSyncMetrics(MeterRegistry registry) {
        for (ChangeType type : ChangeType.values()) {
            Map<ChangeOutcome, Counter> byOutcome = new EnumMap<>(ChangeOutcome.class);
            for (ChangeOutcome outcome : ChangeOutcome.values()) {
                byOutcome.put(outcome, Counter.builder(CHANGES)
                        .description("Customer changes read from customer-changes, by type and outcome")
                        .tag("type", type.tag()).tag("outcome", outcome.tag())
                        .register(registry));
            }
            changes.put(type, byOutcome);
        }
        for (RefusalReason reason : RefusalReason.values()) {
            refusals.put(reason, Counter.builder(REFUSALS)
                    .description("Refusals written to customer-changes-rejected, by reason")
                    .tag("reason", reason.tag())
                    .register(registry));
        }
        for (AliasAction action : AliasAction.values()) {
            Map<CommandResult, Counter> byResult = new EnumMap<>(CommandResult.class);
            for (CommandResult result : RESULTS.get(action)) {
                byResult.put(result, Counter.builder(ALIAS_COMMANDS)
                        .description("Alias commands decided by the alias-ownership stage, by action and result")
                        .tag("action", action.name().toLowerCase(Locale.ROOT)).tag("result", result.tag())
                        .register(registry));
            }
            commands.put(action, byResult);
        }
        for (ClaimDecision decision : ClaimDecision.values()) {
            Map<OutcomeResult, Counter> byResult = new EnumMap<>(OutcomeResult.class);
            for (OutcomeResult result : OutcomeResult.values()) {
                byResult.put(result, Counter.builder(CLAIM_OUTCOMES)
                        .description("Answers of the alias-ownership stage read back by the customer stage, by"
                                + " decision and result")
                        .tag("decision", decision.name().toLowerCase(Locale.ROOT)).tag("result", result.tag())
                        .register(registry));
            }
            claimOutcomes.put(decision, byResult);
        }
        for (boolean customerIds : new boolean[] {false, true}) {
            String kind = customerIds ? "customer_id" : "alias";
            // A topology built again on the same registry (a restart in one JVM) takes the gauge over.
            registry.find(BINDINGS).tag("kind", kind).gauges().forEach(registry::remove);
            Gauge.builder(BINDINGS, this, m -> m.bindings(customerIds))
                    .strongReference(true)
                    .tag("kind", kind)
                    .description("Alias bindings held by this instance's tasks (customer IDs bound to themselves"
                            + " counted as kind=customer_id)")
                    .register(registry);
        }
    }

    /** A task has (re)started with these bindings in its store. */
    public void bindingsCounted(TaskId task, long aliases, long customerIds) {
        bindings.put(task, new TaskBindings(new AtomicLong(aliases), new AtomicLong(customerIds)));
    }

    /** A task's store replaced {@code before} (null if none) by {@code after} (null when deleted). */
    public void bindingChanged(TaskId task, AliasBinding before, AliasBinding after) {
        TaskBindings counts = bindings.get(task);
        if (counts == null) {
            return;
        }
        if (before != null) {
            counts.of(before).decrementAndGet();
        }
        if (after != null) {
            counts.of(after).incrementAndGet();
        }
    }

    /** A task this instance no longer runs. */
    public void forgetBindings(TaskId task) {
        bindings.remove(task);
    }

    private double bindings(boolean customerIds) {
        long sum = 0;
        for (TaskBindings counts : bindings.values()) {
            sum += (customerIds ? counts.customerIds() : counts.aliases()).get();
        }
        return sum;
    }

    public void change(ChangeType type, ChangeOutcome outcome) {
        changes.get(type).get(outcome).increment();
    }

    public void refusal(RefusalReason reason) {
        refusals.get(reason).increment();
    }

    public void claimOutcome(ClaimDecision decision, OutcomeResult result) {
        claimOutcomes.get(decision).get(result).increment();
    }

    public void aliasCommand(AliasAction action, CommandResult result) {
        Counter counter = commands.get(action).get(result);
        if (counter == null) {
            throw new IllegalArgumentException(action + " cannot end " + result);
        }
        counter.increment();
    }
}
