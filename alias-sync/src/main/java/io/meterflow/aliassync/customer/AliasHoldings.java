package io.meterflow.aliassync.customer;

import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One customer's aliases as the customer stage sees them, between reading and writing its stores: what it asked
 * for, what it holds (granted), and which claims are in flight.
 *
 * <p>Invariants: the effective set and the pending claims are disjoint subsets of the requested aliases. An outcome
 * changes the effective set only if it answers the latest claim of its alias; an outcome for a claim that a later
 * change has superseded (released, or released and claimed again) is stale and only settles the count of
 * unanswered claims.
 */
final class AliasHoldings {

    private List<String> requested;
    private final Set<String> effective;
    private final Map<String, String> pending;
    private final Map<String, Integer> unanswered;

    AliasHoldings(List<String> effective, CustomerClaims claims) {
        this.requested = new ArrayList<>(claims.getRequestedAliases());
        this.effective = new LinkedHashSet<>(effective);
        this.pending = new HashMap<>(claims.getPendingClaims());
        this.unanswered = new HashMap<>(claims.getUnansweredClaims());
    }

    /** What a full replacement of the alias set asks of the ownership stage. */
    record Replacement(List<String> releases, List<String> claims) {
    }

    /**
     * Replaces the requested set: everything held or in flight that is left out is released at once (a release
     * cannot be refused), and everything requested that is neither held nor in flight is claimed under
     * {@code changeId}. Asking again for an alias refused earlier claims it again.
     */
    Replacement replace(List<String> aliases, String changeId) {
        Set<String> wanted = new LinkedHashSet<>(aliases);
        List<String> releases = new ArrayList<>();
        for (String alias : held()) {
            if (!wanted.contains(alias)) {
                releases.add(alias);
            }
        }
        releases.forEach(alias -> {
            effective.remove(alias);
            pending.remove(alias);
        });
        List<String> claims = new ArrayList<>();
        for (String alias : wanted) {
            if (!effective.contains(alias) && !pending.containsKey(alias)) {
                claims.add(alias);
                pending.put(alias, changeId);
            }
        }
        if (!claims.isEmpty()) {
            unanswered.merge(changeId, claims.size(), Integer::sum);
        }
        requested = new ArrayList<>(wanted);
        return new Replacement(releases, claims);
    }

    /** Aliases held or in flight, in request order: what an archive mark has to reach. */
    List<String> held() {
        List<String> held = new ArrayList<>();
        for (String alias : requested) {
            if (effective.contains(alias) || pending.containsKey(alias)) {
                held.add(alias);
            }
        }
        return held;
    }

    /**
     * Applies the answer to a claim.
     *
     * @return true if it answered the alias's latest claim (and so may have changed the effective set)
     */
    boolean answer(String alias, String changeId, boolean granted) {
        unanswered.computeIfPresent(changeId, (id, count) -> count <= 1 ? null : count - 1);
        if (!changeId.equals(pending.get(alias))) {
            return false;
        }
        pending.remove(alias);
        if (granted) {
            effective.add(alias);
        }
        return true;
    }

    /** Takes away an alias the customer held. @return whether it held it */
    boolean revoke(String alias) {
        return effective.remove(alias);
    }

    /** Whether every claim of {@code changeId} has been answered. */
    boolean allAnswered(String changeId) {
        return !unanswered.containsKey(changeId);
    }

    boolean hasPendingClaims() {
        return !pending.isEmpty();
    }

    /** The aliases the customer holds, in the order it asked for them. */
    List<String> effective() {
        List<String> ordered = new ArrayList<>(effective.size());
        for (String alias : requested) {
            if (effective.contains(alias)) {
                ordered.add(alias);
            }
        }
        return ordered;
    }

    void writeTo(CustomerClaims claims) {
        claims.setRequestedAliases(new ArrayList<>(requested));
        claims.setPendingClaims(new HashMap<>(pending));
        claims.setUnansweredClaims(new HashMap<>(unanswered));
    }
}
