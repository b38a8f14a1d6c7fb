package io.meterflow.aliassync.customer;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.schemas.internal.aliassync.RequestedAlias;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AliasHoldingsTest {

    private final CustomerClaims claims = CustomerClaims.newBuilder().setCustomerId("c").setCreatedChangeId("create")
            .setRecentChangeIds(new ArrayList<>()).setRequestedAliases(new ArrayList<>())
            .setPendingClaims(new HashMap<>()).setUnansweredClaims(new HashMap<>()).build();

    private AliasHoldings holdings(RequestedAlias... entries) {
        return new AliasHoldings("c", List.of(entries), claims);
    }

    private static RequestedAlias held(String alias, int position) {
        return new RequestedAlias(alias, position, true, null);
    }

    private static RequestedAlias inFlight(String alias, int position, String changeId) {
        return new RequestedAlias(alias, position, false, changeId);
    }

    private static RequestedAlias refused(String alias, int position) {
        return new RequestedAlias(alias, position, false, null);
    }

    @Test
    void claimsOnlyWhatIsNeitherHeldNorInFlightAndReleasesTheRest() {
        claims.setClaimsInFlight(1);
        AliasHoldings h = holdings(held("a", 0), inFlight("b", 1, "c1"));

        AliasHoldings.Replacement next = h.replace(List.of("b", "c"), "c2");

        assertThat(next.releases()).containsExactly("a");
        assertThat(next.claims()).containsExactly("c");
        assertThat(h.effective()).isEmpty();
        assertThat(h.held()).containsExactly("b", "c");
        assertThat(claims.getClaimsInFlight()).isEqualTo(2);
        assertThat(claims.getUnansweredClaims()).containsExactly(Map.entry("c2", 1));
    }

    @Test
    void releasesAClaimStillInFlightAndCountsItOutOfTheClaimsInFlight() {
        claims.setClaimsInFlight(1);
        AliasHoldings h = holdings(inFlight("a", 0, "c1"));

        assertThat(h.replace(List.of(), "c2").releases()).containsExactly("a");
        assertThat(claims.getClaimsInFlight()).isZero();
        assertThat(h.pendingWrites()).containsEntry("a", null);
    }

    @Test
    void claimsAgainAnAliasRefusedEarlierAndForgetsARefusedAliasLeftOut() {
        AliasHoldings h = holdings(refused("a", 0), refused("b", 1));

        AliasHoldings.Replacement next = h.replace(List.of("a"), "c2");

        assertThat(next.claims()).containsExactly("a");
        assertThat(next.releases()).isEmpty();
        assertThat(h.pendingWrites()).containsEntry("a", inFlight("a", 0, "c2")).containsEntry("b", null);
    }

    @Test
    void theSameSetTwiceClaimsAndWritesNothing() {
        AliasHoldings h = holdings(held("a", 0), held("b", 1));

        AliasHoldings.Replacement next = h.replace(List.of("a", "b"), "c2");

        assertThat(next.claims()).isEmpty();
        assertThat(next.releases()).isEmpty();
        assertThat(h.pendingWrites()).isEmpty();
        assertThat(claims.getUnansweredClaims()).isEmpty();
    }

    @Test
    void keepsTheEffectiveSetInTheOrderLastAskedFor() {
        AliasHoldings h = holdings(held("x", 0), held("y", 1), held("z", 2));

        h.replace(List.of("z", "x", "y"), "c2");

        assertThat(h.effective()).containsExactly("z", "x", "y");
        assertThat(h.pendingWrites().values()).extracting(RequestedAlias::getPosition).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void takesEveryEntryInOnePassWhateverOrderTheStoreGaveThem() {
        AliasHoldings h = new AliasHoldings("c", List.of(held("a", 0), inFlight("b", 1, "c1"), held("c", 2)), claims);

        assertThat(h.held()).containsExactly("a", "b", "c");
        assertThat(h.effective()).containsExactly("a", "c");
    }
}
