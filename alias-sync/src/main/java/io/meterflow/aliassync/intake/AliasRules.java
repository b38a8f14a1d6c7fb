package io.meterflow.aliassync.intake;

import io.meterflow.aliassync.rejection.RefusalReason;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Metronome's limits on ingest aliases and names. Lengths are counted in Unicode code points, so an alias of 128
 * emoji is as valid as one of 128 ASCII letters and truncation never splits a character.
 */
public final class AliasRules {

    /** An ingest alias has 1 to this many characters. */
    public static final int MAX_ALIAS_LENGTH = 128;
    /** A customer holds at most this many distinct ingest aliases. */
    public static final int MAX_ALIASES_PER_CUSTOMER = 2000;
    /** A customer name is truncated to this many characters. */
    public static final int MAX_NAME_LENGTH = 160;

    private AliasRules() {
    }

    /** Why an alias list was refused; {@code subject} is the offending alias, when there is one. */
    public record Violation(RefusalReason reason, String detail, String subject) {
    }

    /**
     * Checks an alias list and collapses its duplicates, keeping first occurrences in order.
     *
     * @return the distinct aliases, or the first violation
     */
    public static Result check(List<String> aliases) {
        for (int i = 0; i < aliases.size(); i++) {
            String alias = aliases.get(i);
            int length = alias.codePointCount(0, alias.length());
            if (length == 0) {
                return new Result(List.of(), Optional.of(new Violation(RefusalReason.INVALID_ALIAS,
                        "ingest_aliases[" + i + "] is empty; an alias has 1 to " + MAX_ALIAS_LENGTH + " characters",
                        alias)));
            }
            if (length > MAX_ALIAS_LENGTH) {
                return new Result(List.of(), Optional.of(new Violation(RefusalReason.INVALID_ALIAS,
                        "ingest_aliases[" + i + "] has " + length + " characters; an alias has 1 to "
                                + MAX_ALIAS_LENGTH, alias)));
            }
        }
        List<String> distinct = List.copyOf(new LinkedHashSet<>(aliases));
        if (distinct.size() > MAX_ALIASES_PER_CUSTOMER) {
            return new Result(List.of(), Optional.of(new Violation(RefusalReason.TOO_MANY_ALIASES,
                    distinct.size() + " distinct ingest aliases; a customer has at most " + MAX_ALIASES_PER_CUSTOMER,
                    null)));
        }
        return new Result(distinct, Optional.empty());
    }

    /** The outcome of {@link #check}: distinct aliases when valid, else the violation. */
    public record Result(List<String> aliases, Optional<Violation> violation) {
    }

    /** The name cut to {@link #MAX_NAME_LENGTH} characters. */
    public static String truncateName(String name) {
        if (name.codePointCount(0, name.length()) <= MAX_NAME_LENGTH) {
            return name;
        }
        return name.substring(0, name.offsetByCodePoints(0, MAX_NAME_LENGTH));
    }
}
