package io.meterflow.aliassync.customer;

import io.meterflow.schemas.Customer;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.schemas.internal.aliassync.RequestedAlias;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One customer's aliases as a customer change sees them: every alias of the set it last asked for, whether it holds
 * it, and which claim of it is in flight (one {@link RequestedAlias} each), plus the claim counts in its
 * {@link CustomerClaims}. Every operation is one pass over the aliases, with hash lookups; changes are kept in memory
 * until {@link #write} stores the aliases that changed.
 *
 * <p>Invariants: an alias is held or has a claim in flight, not both; {@code claims_in_flight} counts the aliases
 * with a claim in flight. An answer changes an alias only if it answers its latest claim (see
 * {@link ClaimOutcomeProcessor}); an answer to a claim a later change superseded only settles the change's count of
 * unanswered claims.
 */
final class AliasHoldings {

    private final String customerId;
    private final CustomerClaims claims;
    /** Alias to its entry, in the order the aliases were asked for. */
    private Map<String, RequestedAlias> entries;
    /** Alias to its new entry, or to null when it is no longer asked for. */
    private final Map<String, RequestedAlias> writes = new LinkedHashMap<>();

    AliasHoldings(String customerId, List<RequestedAlias> entries, CustomerClaims claims) {
        this.customerId = customerId;
        this.claims = claims;
        this.entries = new LinkedHashMap<>(capacity(entries.size()));
        for (RequestedAlias entry : entries) {
            this.entries.put(entry.getAlias(), entry);
        }
    }

    /** The customer's aliases as stored: one prefix scan of the customer-alias store. */
    static AliasHoldings load(CustomerStores stores, String customerId, CustomerClaims claims) {
        return new AliasHoldings(customerId, stores.requestedAliases(customerId), claims);
    }

    /**
     * Moves the alias bookkeeping a customer's {@link CustomerClaims} held before version 2 (the whole requested list
     * and the claims in flight) into the customer-alias store, once; afterwards those fields are written empty.
     *
     * @return whether there was anything to move (the caller then stores {@code claims})
     */
    static boolean migrate(CustomerStores stores, String customerId, CustomerClaims claims) {
        if (claims.getRequestedAliases().isEmpty() && claims.getPendingClaims().isEmpty()) {
            return false;
        }
        Customer customer = stores.customers.get(customerId);
        Set<String> effective = customer == null ? Set.of() : new HashSet<>(customer.getIngestAliases());
        Map<String, String> pending = claims.getPendingClaims();
        int position = 0;
        int inFlight = 0;
        for (String alias : claims.getRequestedAliases()) {
            String claim = pending.get(alias);
            if (claim != null) {
                inFlight++;
            }
            stores.aliases.put(CustomerStores.aliasKey(customerId, alias),
                    new RequestedAlias(alias, position++, claim == null && effective.contains(alias), claim));
        }
        claims.setClaimsInFlight(inFlight);
        claims.setRequestedAliases(new ArrayList<>());
        claims.setPendingClaims(new HashMap<>());
        return true;
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
        int inFlight = claims.getClaimsInFlight();
        List<String> releases = new ArrayList<>();
        for (RequestedAlias entry : entries.values()) {
            if (!wanted.contains(entry.getAlias())) {
                if (entry.getHeld() || entry.getClaimChangeId() != null) {
                    releases.add(entry.getAlias());
                }
                if (entry.getClaimChangeId() != null) {
                    inFlight--;
                }
                writes.put(entry.getAlias(), null);
            }
        }
        List<String> claimed = new ArrayList<>();
        Map<String, RequestedAlias> next = new LinkedHashMap<>(capacity(wanted.size()));
        int position = 0;
        for (String alias : wanted) {
            RequestedAlias entry = entries.get(alias);
            if (entry == null || (!entry.getHeld() && entry.getClaimChangeId() == null)) {
                entry = new RequestedAlias(alias, position, false, changeId);
                claimed.add(alias);
                inFlight++;
                writes.put(alias, entry);
            } else if (entry.getPosition() != position) {
                entry = RequestedAlias.newBuilder(entry).setPosition(position).build();
                writes.put(alias, entry);
            }
            next.put(alias, entry);
            position++;
        }
        entries = next;
        claims.setClaimsInFlight(inFlight);
        if (!claimed.isEmpty()) {
            Map<String, Integer> unanswered = new HashMap<>(claims.getUnansweredClaims());
            unanswered.merge(changeId, claimed.size(), Integer::sum);
            claims.setUnansweredClaims(unanswered);
        }
        return new Replacement(releases, claimed);
    }

    /** Aliases held or in flight, in request order: what an archive mark has to reach. */
    List<String> held() {
        List<String> held = new ArrayList<>();
        for (RequestedAlias entry : entries.values()) {
            if (entry.getHeld() || entry.getClaimChangeId() != null) {
                held.add(entry.getAlias());
            }
        }
        return held;
    }

    /** The aliases the customer holds, in the order it asked for them. */
    List<String> effective() {
        List<String> effective = new ArrayList<>();
        for (RequestedAlias entry : entries.values()) {
            if (entry.getHeld()) {
                effective.add(entry.getAlias());
            }
        }
        return effective;
    }

    /** Stores the aliases that changed since loading (and forgets those no longer asked for). */
    void write(CustomerStores stores) {
        for (Map.Entry<String, RequestedAlias> write : writes.entrySet()) {
            String key = CustomerStores.aliasKey(customerId, write.getKey());
            if (write.getValue() == null) {
                stores.aliases.delete(key);
            } else {
                stores.aliases.put(key, write.getValue());
            }
        }
        writes.clear();
    }

    /** Aliases written (or deleted) by {@link #write} so far: for tests. */
    Map<String, RequestedAlias> pendingWrites() {
        return writes;
    }

    private static int capacity(int size) {
        return (int) (size / 0.75f) + 1;
    }
}
