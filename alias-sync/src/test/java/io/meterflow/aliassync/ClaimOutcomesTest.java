package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.internal.aliassync.ClaimDecision;
import io.meterflow.schemas.internal.aliassync.ClaimOutcome;
import org.junit.jupiter.api.Test;

/**
 * Every answer of the ownership stage that reaches the customer stage is counted once by what became of it
 * ({@code meterflow.claim.outcomes{decision,result}}), including the ones that change nothing or are dropped.
 */
class ClaimOutcomesTest extends AliasSyncTestBase {

    private double outcomes(String decision, String result) {
        return app.count(AliasSyncMetrics.CLAIM_OUTCOMES, "decision", decision, "result", result);
    }

    private static ClaimOutcome granted(String customerId, String alias, String changeId) {
        return ClaimOutcome.newBuilder().setCustomerId(customerId).setAlias(alias).setDecision(ClaimDecision.GRANTED)
                .setChangeId(changeId).setSourcePartition(0).setSourceOffset(0).build();
    }

    @Test
    void countsGrantsRefusalsAndRevocationsThatAreAppliedAsApplied() {
        app.create("acme", "ops", "billing");
        app.create("globex", "ops");
        app.create("billing");

        assertThat(outcomes("granted", "applied")).isEqualTo(2);
        assertThat(outcomes("refused", "applied")).isEqualTo(1);
        assertThat(outcomes("revoked", "applied")).isEqualTo(1);
        assertThat(app.aliasesOf("acme")).containsExactly("ops");
    }

    @Test
    void anAnswerRepeatedAfterItsClaimWasSettledIsCountedStaleAndChangesNothing() {
        String create = app.create("acme", "ops").getChangeId();
        app.setAliases("acme");
        int customerRecords = app.customerRecords().size();

        app.pipeOutcome(granted("acme", "ops", create));

        assertThat(outcomes("granted", "stale")).isEqualTo(1);
        assertThat(app.aliasesOf("acme")).isEmpty();
        assertThat(app.customerRecords()).hasSize(customerRecords);
    }

    @Test
    void aRevocationOfAnAliasTheCustomerNoLongerHoldsIsCountedStale() {
        String create = app.create("acme", "ops").getChangeId();
        app.setAliases("acme");

        app.pipeOutcome(ClaimOutcome.newBuilder(granted("acme", "ops", create)).setDecision(ClaimDecision.REVOKED)
                .setHolderCustomerId("ops").setHolderIsCustomerId(true).build());

        assertThat(outcomes("revoked", "stale")).isEqualTo(1);
        assertThat(app.rejections()).isEmpty();
    }

    @Test
    void anAnswerForACustomerAliasSyncDoesNotKnowIsDroppedAndCounted() {
        app.pipeOutcome(granted("nobody", "ops", "change-1"));

        assertThat(outcomes("granted", "unknown_customer")).isEqualTo(1);
        assertThat(app.customerRecords()).isEmpty();
        assertThat(app.claimsStore().get("nobody")).isNull();
    }

    @Test
    void anAnswerForACustomerWhoseRecordIsMissingIsKeptInItsBookkeepingOnlyAndCounted() {
        String create = app.create("acme", "ops").getChangeId();
        int customerRecords = app.customerRecords().size();
        app.customerStore().delete("acme");

        app.pipeOutcome(granted("acme", "ops", create));

        assertThat(outcomes("granted", "customer_missing")).isEqualTo(1);
        assertThat(app.customerRecords()).hasSize(customerRecords);
    }
}
