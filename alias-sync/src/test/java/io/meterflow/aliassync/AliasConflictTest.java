package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.Rejection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Rules 3, 4 and 5 (first half): an alias belongs to at most one customer, and never to another customer's ID. */
class AliasConflictTest extends AliasSyncTestBase {

    @Test
    void refusesAnAliasHeldByAnotherCustomerAndAppliesTheRestOfTheChange() {
        app.create("owner", "taken");
        app.create("claimer", "mine");

        CustomerChange change = app.setAliases("claimer", "mine", "taken", "new");

        assertThat(app.owners()).containsEntry("taken", "owner").containsEntry("new", "claimer");
        assertThat(app.aliasesOf("owner")).containsExactly("taken");
        assertThat(app.aliasesOf("claimer")).containsExactly("mine", "new");
        assertThat(app.rejections()).singleElement().satisfies(kv -> {
            assertThat(kv.key).isEqualTo("claimer");
            Rejection r = kv.value;
            assertThat(r.getReason()).isEqualTo("ALIAS_IN_USE");
            assertThat(r.getSubject()).isEqualTo("taken");
            assertThat(r.getChangeId()).isEqualTo(change.getChangeId());
            assertThat(r.getDetail()).contains("held by customer owner");
            assertThat(r.getSourceTopic()).isEqualTo("customer-changes");
            assertThat(r.getOriginalKey()).isEqualTo(ByteBuffer.wrap("claimer".getBytes(StandardCharsets.UTF_8)));
            assertThat(r.getOriginalValue()).isEqualTo(ByteBuffer.wrap(app.topics.customerChanges().valueSerde()
                    .serializer().serialize("customer-changes", change)));
        });
        assertThat(app.count(AliasSyncMetrics.REFUSALS, "reason", "ALIAS_IN_USE")).isEqualTo(1);
    }

    @Test
    void aCreateWhoseAliasIsTakenCreatesTheCustomerWithoutIt() {
        app.create("owner", "taken");

        app.create("late", "taken", "free");

        assertThat(app.aliasesOf("late")).containsExactly("free");
        assertThat(app.owners()).containsEntry("taken", "owner").containsEntry("late", "late");
        assertThat(app.rejections()).extracting(kv -> kv.value.getReason()).containsExactly("ALIAS_IN_USE");
    }

    @Test
    void aRefusedAliasIsClaimedAgainWhenAskedForAgainAfterItWasFreed() {
        app.create("owner", "taken");
        app.create("claimer");
        app.setAliases("claimer", "taken");
        app.setAliases("owner");

        app.setAliases("claimer", "taken");

        assertThat(app.owners()).containsEntry("taken", "claimer");
        assertThat(app.aliasesOf("claimer")).containsExactly("taken");
    }

    @Test
    void aRefusedClaimDoesNotReleaseTheAliasFromItsOwnerWhenTheClaimerDropsIt() {
        app.create("owner", "taken");
        app.create("claimer", "taken");

        app.setAliases("claimer");

        assertThat(app.owners()).containsEntry("taken", "owner");
        assertThat(app.aliasesOf("owner")).containsExactly("taken");
    }

    @Test
    void whenTwoCustomersRaceForAFreeAliasTheFirstClaimWins() {
        app.create("first");
        app.create("second");

        app.setAliases("first", "prize");
        app.setAliases("second", "prize");

        assertThat(app.owners()).containsEntry("prize", "first");
        assertThat(app.aliasesOf("first")).containsExactly("prize");
        assertThat(app.aliasesOf("second")).isEmpty();
        assertThat(app.rejections()).singleElement()
                .satisfies(kv -> assertThat(kv.key).isEqualTo("second"));
    }

    @Test
    void whenTheRaceArrivesInTheOtherOrderTheOtherCustomerWins() {
        app.create("first");
        app.create("second");

        app.setAliases("second", "prize");
        app.setAliases("first", "prize");

        assertThat(app.owners()).containsEntry("prize", "second");
        assertThat(app.aliasesOf("second")).containsExactly("prize");
        assertThat(app.aliasesOf("first")).isEmpty();
        assertThat(app.rejections()).singleElement()
                .satisfies(kv -> assertThat(kv.key).isEqualTo("first"));
    }

    @Test
    void refusesAnAliasEqualToAnotherCustomersId() {
        app.create("c-1");
        app.create("c-2");

        app.setAliases("c-2", "c-1", "ok");

        assertThat(app.owners()).containsEntry("c-1", "c-1").containsEntry("ok", "c-2");
        assertThat(app.bindings().get("c-1").getIsCustomerId()).isTrue();
        assertThat(app.aliasesOf("c-2")).containsExactly("ok");
        assertThat(app.rejections()).singleElement().satisfies(kv -> {
            assertThat(kv.value.getReason()).isEqualTo("ALIAS_IN_USE");
            assertThat(kv.value.getSubject()).isEqualTo("c-1");
            assertThat(kv.value.getDetail()).contains("is the ID of customer c-1");
        });
    }

    @Test
    void aNewCustomersIdTakesItsBindingOverFromAnAliasAndTheHolderIsTold() {
        app.create("early", "future-id");

        CustomerChange created = app.create("future-id");

        assertThat(app.bindings().get("future-id").getCustomerId()).isEqualTo("future-id");
        assertThat(app.bindings().get("future-id").getIsCustomerId()).isTrue();
        assertThat(app.aliasesOf("early")).isEmpty();
        assertThat(app.rejections()).singleElement().satisfies(kv -> {
            assertThat(kv.key).isEqualTo("early");
            assertThat(kv.value.getReason()).isEqualTo("ALIAS_REVOKED");
            assertThat(kv.value.getSubject()).isEqualTo("future-id");
            assertThat(kv.value.getChangeId()).isEqualTo(created.getChangeId());
        });
    }
}
