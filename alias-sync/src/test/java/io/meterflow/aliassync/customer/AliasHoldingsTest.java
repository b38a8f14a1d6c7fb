package io.meterflow.aliassync.customer;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class AliasHoldingsTest {

    private final CustomerClaims claims = CustomerClaims.newBuilder().setCustomerId("c").setCreatedChangeId("create")
            .setRecentChangeIds(new ArrayList<>()).setRequestedAliases(new ArrayList<>())
            .setPendingClaims(new HashMap<>()).setUnansweredClaims(new HashMap<>()).build();

    private AliasHoldings holdings(List<String> effective) {
        return new AliasHoldings(effective, claims);
    }

    @Test
    void claimsOnlyWhatIsNeitherHeldNorInFlightAndReleasesTheRest() {
        AliasHoldings h = holdings(List.of());
        h.replace(List.of("a", "b"), "c1");
        h.answer("a", "c1", true);

        AliasHoldings.Replacement next = h.replace(List.of("b", "c"), "c2");

        assertThat(next.releases()).containsExactly("a");
        assertThat(next.claims()).containsExactly("c");
        assertThat(h.effective()).isEmpty();
        assertThat(h.held()).containsExactly("b", "c");
    }

    @Test
    void releasesAClaimStillInFlightAndIgnoresItsLateGrant() {
        AliasHoldings h = holdings(List.of());
        h.replace(List.of("a"), "c1");

        assertThat(h.replace(List.of(), "c2").releases()).containsExactly("a");
        assertThat(h.answer("a", "c1", true)).isFalse();
        assertThat(h.effective()).isEmpty();
        assertThat(h.allAnswered("c1")).isTrue();
    }

    @Test
    void onlyTheLatestClaimOfAnAliasCounts() {
        AliasHoldings h = holdings(List.of());
        h.replace(List.of("a"), "c1");
        h.replace(List.of(), "c2");
        h.replace(List.of("a"), "c3");

        assertThat(h.answer("a", "c1", true)).isFalse();
        assertThat(h.effective()).isEmpty();
        assertThat(h.hasPendingClaims()).isTrue();
        assertThat(h.answer("a", "c3", false)).isTrue();
        assertThat(h.effective()).isEmpty();
        assertThat(h.hasPendingClaims()).isFalse();
    }

    @Test
    void countsUnansweredClaimsPerChange() {
        AliasHoldings h = holdings(List.of());
        h.replace(List.of("a", "b"), "c1");

        h.answer("a", "c1", true);
        assertThat(h.allAnswered("c1")).isFalse();
        h.answer("b", "c1", false);
        assertThat(h.allAnswered("c1")).isTrue();
        assertThat(h.effective()).containsExactly("a");
    }

    @Test
    void keepsTheEffectiveSetInRequestOrderWhateverOrderGrantsArriveIn() {
        AliasHoldings h = holdings(List.of());
        h.replace(List.of("x", "y", "z"), "c1");

        h.answer("z", "c1", true);
        h.answer("x", "c1", true);
        h.answer("y", "c1", true);

        assertThat(h.effective()).containsExactly("x", "y", "z");
    }

    @Test
    void roundTripsThroughTheStoredRecord() {
        AliasHoldings h = holdings(List.of());
        h.replace(List.of("a", "b"), "c1");
        h.answer("a", "c1", true);
        h.writeTo(claims);

        AliasHoldings reloaded = new AliasHoldings(h.effective(), claims);

        assertThat(reloaded.effective()).containsExactly("a");
        assertThat(reloaded.held()).containsExactly("a", "b");
        assertThat(reloaded.answer("b", "c1", true)).isTrue();
        assertThat(reloaded.allAnswered("c1")).isTrue();
    }

    @Test
    void revokeRemovesOnlyAHeldAlias() {
        AliasHoldings h = holdings(List.of());
        h.replace(List.of("a"), "c1");
        h.answer("a", "c1", true);

        assertThat(h.revoke("a")).isTrue();
        assertThat(h.revoke("a")).isFalse();
        assertThat(h.effective()).isEmpty();
    }
}
