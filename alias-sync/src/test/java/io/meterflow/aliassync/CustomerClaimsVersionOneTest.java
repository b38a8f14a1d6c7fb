package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.internal.aliassync.AliasAction;
import io.meterflow.schemas.internal.aliassync.AliasCommand;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * State written before the customer-alias store existed: a customer's requested aliases and claims in flight were
 * lists inside its {@link CustomerClaims}. The first change or answer that reads such a customer moves them into the
 * store, and the customer carries on as if nothing happened.
 */
class CustomerClaimsVersionOneTest extends AliasSyncTestBase {

    private static final java.time.Instant T = AliasSyncDriver.T0;

    private void versionOneCustomer() {
        // "a" held, "b" claimed by change v1-2 (its command still on its way), "c" refused by someone else's hold.
        app.customerStore().put("old", Customer.newBuilder().setId("old").setName("Old").setIngestAliases(List.of("a"))
                .setCustomFields(new HashMap<>()).setCustomerConfig(new HashMap<>()).setCreatedAt(T).setUpdatedAt(T)
                .setLastChangeId("v1-2").build());
        app.claimsStore().put("old", CustomerClaims.newBuilder().setCustomerId("old").setCreatedChangeId("v1-1")
                .setRecentChangeIds(new ArrayList<>(List.of("v1-2")))
                .setRequestedAliases(new ArrayList<>(List.of("a", "b", "c")))
                .setPendingClaims(new HashMap<>(Map.of("b", "v1-2")))
                .setUnansweredClaims(new HashMap<>(Map.of("v1-2", 1))).build());
        for (String alias : List.of("old", "a")) {
            app.bindingStore().put(alias, AliasBinding.newBuilder().setAlias(alias).setCustomerId("old")
                    .setIsCustomerId(alias.equals("old")).setChangeId("v1-1").setUpdatedAt(T).build());
        }
    }

    private static AliasCommand claim(String alias, String changeId) {
        return AliasCommand.newBuilder().setAlias(alias).setCustomerId("old").setAction(AliasAction.CLAIM)
                .setChangeId(changeId).setSourcePartition(0).setSourceOffset(0).build();
    }

    @Test
    void anAnswerToAVersionOneClaimIsAppliedAfterMovingTheBookkeepingToTheAliasStore() {
        versionOneCustomer();

        app.pipeCommand(claim("b", "v1-2"));

        assertThat(app.aliasesOf("old")).containsExactly("a", "b");
        CustomerClaims claims = app.claimsStore().get("old");
        assertThat(claims.getRequestedAliases()).isEmpty();
        assertThat(claims.getPendingClaims()).isEmpty();
        assertThat(claims.getClaimsInFlight()).isZero();
        assertThat(claims.getUnansweredClaims()).isEmpty();
    }

    @Test
    void aChangeToAVersionOneCustomerReleasesClaimsAndKeepsWhatItHeld() {
        versionOneCustomer();

        app.setAliases("old", "c", "a");

        // "b" was in flight and is released; "c", refused before, is claimed again and granted (nobody holds it).
        assertThat(app.aliasesOf("old")).containsExactly("c", "a");
        assertThat(app.owners()).containsEntry("c", "old").doesNotContainKey("b");
        assertThat(app.claimsStore().get("old").getClaimsInFlight()).isZero();
    }
}
