package io.meterflow.ingest;

import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageKind;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** What a consumer of usage-resolved that sums ASSIGN minus RETRACT per customer and transaction ID holds. */
final class NetAttribution {

    private final Map<String, Map<String, Integer>> byTransaction = new TreeMap<>();

    void add(String key, ResolvedUsage usage) {
        if (!key.equals(usage.getCustomerId())) {
            throw new AssertionError("record keyed " + key + " counts for " + usage.getCustomerId());
        }
        int delta = usage.getKind() == UsageKind.ASSIGN ? 1 : -1;
        byTransaction.computeIfAbsent(usage.getTransactionId(), t -> new HashMap<>()).merge(key, delta, Integer::sum);
    }

    /** The one customer the transaction ID nets to, or a description of what is wrong. */
    String customerOf(String transactionId) {
        Map<String, Integer> net = byTransaction.getOrDefault(transactionId, Map.of());
        String owner = null;
        for (Map.Entry<String, Integer> e : net.entrySet()) {
            if (e.getValue() == 1 && owner == null) {
                owner = e.getKey();
            } else if (e.getValue() != 0) {
                return "BROKEN " + net;
            }
        }
        return owner == null ? "MISSING " + net : owner;
    }

    Map<String, Map<String, Integer>> all() {
        return byTransaction;
    }
}
