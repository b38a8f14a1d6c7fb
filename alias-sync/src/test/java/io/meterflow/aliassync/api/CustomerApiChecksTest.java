package io.meterflow.aliassync.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.schemas.internal.aliassync.RecentRefusal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The API's alias checks and its reading of a change's settlement, without a running app. */
class CustomerApiChecksTest {

    private static final List<String> ALIASES = IntStream.range(0, 2000)
            .mapToObj(i -> ("a-" + i + "-").repeat(64).substring(0, 128)).toList();

    private static Map<String, Object> boundTo(String customerId) {
        return Map.of("customer_id", customerId, "is_customer_id", false);
    }

    @Test
    void heldByOthersNamesInRequestOrderTheAliasesAnotherCustomerHolds() {
        Map<String, Map<String, Object>> bindings = new HashMap<>();
        bindings.put(ALIASES.get(1500), boundTo("other"));
        bindings.put(ALIASES.get(7), boundTo("other"));
        bindings.put(ALIASES.get(8), boundTo("me"));

        assertThat(CustomerApi.heldByOthers("me", ALIASES, bindings)).containsExactly(ALIASES.get(7), ALIASES.get(1500));
    }

    @Test
    void raceLossesAreTheAliasesAskedForButNotHeldExceptTheCustomersOwnId() {
        List<String> held = new ArrayList<>(ALIASES);
        held.remove(ALIASES.get(42));
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("id", "me");
        detail.put("ingest_aliases", held);
        CustomerJson.Held customer = new CustomerJson.Held(detail, "c", List.of(), List.of());
        List<String> asked = new ArrayList<>(ALIASES);
        asked.add("me");

        assertThat(CustomerApi.raceLosses(customer, asked)).containsExactly(ALIASES.get(42));
    }

    private static CustomerClaims claims() {
        return CustomerClaims.newBuilder().setCustomerId("me").setCreatedChangeId("create")
                .setRecentChangeIds(new ArrayList<>(List.of("named", "refused", "claiming")))
                .setRequestedAliases(new ArrayList<>()).setPendingClaims(new HashMap<>())
                .setUnansweredClaims(new HashMap<>(Map.of("claiming", 3)))
                .setRecentRefusals(new ArrayList<>(List.of(new RecentRefusal("refused", "TOO_LARGE", "too big"))))
                .build();
    }

    @Test
    void aChangeIsSettledWhenProcessedWithEveryClaimAnsweredOrWhenRefused() {
        assertThat(ChangeSettlement.of(claims(), "create").state()).isEqualTo(ChangeSettlement.State.APPLIED);
        assertThat(ChangeSettlement.of(claims(), "named").state()).isEqualTo(ChangeSettlement.State.APPLIED);
        assertThat(ChangeSettlement.of(claims(), "claiming").state()).isEqualTo(ChangeSettlement.State.PENDING);
        assertThat(ChangeSettlement.of(claims(), "not-yet").state()).isEqualTo(ChangeSettlement.State.PENDING);
        assertThat(ChangeSettlement.of(null, "create").state()).isEqualTo(ChangeSettlement.State.PENDING);
        assertThat(ChangeSettlement.of(claims(), "refused"))
                .isEqualTo(new ChangeSettlement(ChangeSettlement.State.REFUSED, "TOO_LARGE", "too big"));
    }

    @Test
    void aRefusedWriteIsAnsweredWithTheStatusItsReasonMapsToAndNeverA503() {
        assertThat(CustomerApi.refused("x", new ChangeSettlement(ChangeSettlement.State.REFUSED, "TOO_LARGE", "big"))
                .status()).isEqualTo(413);
        assertThat(CustomerApi.refused("x", new ChangeSettlement(ChangeSettlement.State.REFUSED, "INVALID_ALIAS", "e"))
                .status()).isEqualTo(400);
        assertThat(CustomerApi.refused("x", new ChangeSettlement(ChangeSettlement.State.REFUSED, "UNKNOWN_CUSTOMER",
                "e")).status()).isEqualTo(404);
        assertThat(CustomerApi.refused("x", new ChangeSettlement(ChangeSettlement.State.REFUSED, "TOO_LARGE", "big"))
                .headers()).containsEntry("x-should-retry", "false");
    }

    @Test
    void aSettlementSurvivesTheInternalJsonBetweenInstances() throws Exception {
        ChangeSettlement refused = new ChangeSettlement(ChangeSettlement.State.REFUSED, "TOO_LARGE", "too big");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();

        assertThat(ChangeSettlement.fromJson(json.valueToTree(refused.toJson()))).isEqualTo(refused);
        assertThat(ChangeSettlement.fromJson(json.valueToTree(ChangeSettlement.PENDING.toJson())))
                .isEqualTo(ChangeSettlement.PENDING);
    }
}
