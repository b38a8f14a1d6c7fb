package io.meterflow.aliassync.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.schemas.internal.aliassync.RecentRefusal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where one published change stands, read from the customer's small bookkeeping ({@link CustomerClaims}) alone, so
 * that a write waiting for its change polls a few hundred bytes instead of the customer's whole record.
 *
 * @param state  pending (not processed, or claims unanswered), applied (with every claim answered) or refused
 * @param reason for a refusal, its reason code
 * @param detail for a refusal, why (shortened)
 */
record ChangeSettlement(State state, String reason, String detail) {

    enum State { PENDING, APPLIED, REFUSED }

    static final ChangeSettlement PENDING = new ChangeSettlement(State.PENDING, null, null);

    /** The settlement of {@code changeId} given the customer's bookkeeping (null: the customer does not exist yet). */
    static ChangeSettlement of(CustomerClaims claims, String changeId) {
        if (claims == null) {
            return PENDING;
        }
        // A refused change is remembered as processed too: look for the refusal first.
        for (RecentRefusal refusal : claims.getRecentRefusals()) {
            if (refusal.getChangeId().equals(changeId)) {
                return new ChangeSettlement(State.REFUSED, refusal.getReason(), refusal.getDetail());
            }
        }
        boolean processed = claims.getCreatedChangeId().equals(changeId) || claims.getRecentChangeIds().contains(changeId);
        Integer unanswered = claims.getUnansweredClaims().get(changeId);
        return processed && (unanswered == null || unanswered <= 0)
                ? new ChangeSettlement(State.APPLIED, null, null) : PENDING;
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("state", state.name().toLowerCase(Locale.ROOT));
        json.put("reason", reason);
        json.put("detail", detail);
        return json;
    }

    static ChangeSettlement fromJson(JsonNode node) {
        return new ChangeSettlement(State.valueOf(node.path("state").asText("pending").toUpperCase(Locale.ROOT)),
                node.path("reason").asText(null), node.path("detail").asText(null));
    }
}
