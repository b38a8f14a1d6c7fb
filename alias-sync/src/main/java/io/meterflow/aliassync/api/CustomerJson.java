package io.meterflow.aliassync.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Metronome's customer shapes, and the internal form one instance answers another with. {@code Customer} is
 * {@code id, external_id, ingest_aliases, name, custom_fields}; {@code CustomerDetail} adds {@code created_at,
 * updated_at, archived_at, customer_config}.
 */
final class CustomerJson {

    private CustomerJson() {
    }

    /** A customer as read from the store of whichever instance holds it, with the change bookkeeping writes wait on. */
    record Held(Map<String, Object> detail, String lastChangeId, List<String> appliedChangeIds,
            List<String> unansweredChangeIds) {

        String id() {
            return (String) detail.get("id");
        }

        boolean archived() {
            return detail.get("archived_at") != null;
        }

        @SuppressWarnings("unchecked")
        List<String> aliases() {
            return (List<String>) detail.get("ingest_aliases");
        }

        /** Metronome's {@code Customer}. */
        Map<String, Object> customer() {
            Map<String, Object> c = new LinkedHashMap<>();
            for (String key : List.of("id", "external_id", "ingest_aliases", "name", "custom_fields")) {
                c.put(key, detail.get(key));
            }
            return c;
        }

        Map<String, Object> internal() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("customer", detail);
            m.put("last_change_id", lastChangeId);
            m.put("applied_change_ids", appliedChangeIds);
            m.put("unanswered_change_ids", unansweredChangeIds);
            return m;
        }
    }

    static Held held(Customer customer, CustomerClaims claims) {
        List<String> applied = new ArrayList<>();
        List<String> unanswered = new ArrayList<>();
        if (claims != null) {
            applied.add(claims.getCreatedChangeId());
            applied.addAll(claims.getRecentChangeIds());
            claims.getUnansweredClaims().forEach((change, n) -> {
                if (n != null && n > 0) {
                    unanswered.add(change);
                }
            });
        }
        return new Held(detail(customer), customer.getLastChangeId(), applied, unanswered);
    }

    @SuppressWarnings("unchecked")
    static Held fromInternal(JsonNode node) {
        Map<String, Object> detail = JSON.convertValue(node.get("customer"), LinkedHashMap.class);
        return new Held(detail, node.path("last_change_id").asText(null),
                JSON.convertValue(node.get("applied_change_ids"), List.class),
                JSON.convertValue(node.get("unanswered_change_ids"), List.class));
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    static Map<String, Object> detail(Customer c) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", c.getId());
        d.put("external_id", c.getExternalId());
        d.put("ingest_aliases", new ArrayList<>(c.getIngestAliases()));
        d.put("name", c.getName());
        d.put("custom_fields", new LinkedHashMap<>(c.getCustomFields()));
        d.put("customer_config", new LinkedHashMap<>(c.getCustomerConfig()));
        d.put("created_at", time(c.getCreatedAt()));
        d.put("updated_at", time(c.getUpdatedAt()));
        d.put("archived_at", time(c.getArchivedAt()));
        return d;
    }

    static Map<String, Object> binding(AliasBinding b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("identifier", b.getAlias());
        m.put("customer_id", b.getCustomerId());
        m.put("is_customer_id", b.getIsCustomerId());
        m.put("archived", b.getArchived());
        m.put("updated_at", time(b.getUpdatedAt()));
        return m;
    }

    private static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
