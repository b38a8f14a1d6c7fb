package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.AliasBinding;
import org.apache.kafka.streams.KeyValue;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rule 2: setting ingest aliases is a full replacement, and idempotent. */
class IngestAliasReplacementTest extends AliasSyncTestBase {

    @Test
    void releasesAliasesLeftOutAndClaimsNewOnes() {
        app.create("c-1", "a", "b");
        int before = app.bindingRecords().size();

        app.setAliases("c-1", "b", "c");

        assertThat(app.aliasesOf("c-1")).containsExactly("b", "c");
        assertThat(app.owners()).containsOnlyKeys("c-1", "b", "c");
        List<KeyValue<String, AliasBinding>> written = app.bindingRecords().subList(before, app.bindingRecords().size());
        assertThat(written).extracting(kv -> kv.key).containsExactlyInAnyOrder("a", "c");
        assertThat(written).filteredOn(kv -> kv.key.equals("a")).singleElement()
                .satisfies(kv -> assertThat(kv.value).as("tombstone for the released alias").isNull());
    }

    @Test
    void theSameSetTwiceWritesNoNewBindings() {
        app.create("c-1");
        app.setAliases("c-1", "a", "b");
        int bindings = app.bindingRecords().size();

        app.setAliases("c-1", "a", "b");
        app.setAliases("c-1", "b", "a");

        assertThat(app.bindingRecords()).hasSize(bindings);
        assertThat(app.aliasesOf("c-1")).containsExactly("b", "a");
        assertThat(app.rejections()).isEmpty();
    }

    @Test
    void anEmptySetReleasesEveryAliasButNotTheCustomersOwnId() {
        app.create("c-1", "a", "b");

        app.setAliases("c-1");

        assertThat(app.aliasesOf("c-1")).isEmpty();
        assertThat(app.owners()).containsOnlyKeys("c-1");
    }

    @Test
    void collapsesDuplicatesWithinOneList() {
        app.create("c-1");

        app.setAliases("c-1", "a", "b", "a", "b", "a");

        assertThat(app.aliasesOf("c-1")).containsExactly("a", "b");
        assertThat(app.rejections()).isEmpty();
    }

    @Test
    void aReleasedAliasCanBeClaimedByAnotherCustomer() {
        app.create("c-1", "shared");
        app.create("c-2");
        app.setAliases("c-1");

        app.setAliases("c-2", "shared");

        assertThat(app.owners()).containsEntry("shared", "c-2");
        assertThat(app.aliasesOf("c-2")).containsExactly("shared");
        assertThat(app.aliasesOf("c-1")).isEmpty();
        assertThat(app.rejections()).isEmpty();
    }

    @Test
    void aCustomerMayListItsOwnIdAmongItsAliasesAndReleasingItKeepsTheIdBound() {
        app.create("c-1", "c-1", "a");
        assertThat(app.aliasesOf("c-1")).containsExactly("c-1", "a");

        app.setAliases("c-1", "a");

        assertThat(app.aliasesOf("c-1")).containsExactly("a");
        AliasBinding own = app.bindings().get("c-1");
        assertThat(own.getCustomerId()).isEqualTo("c-1");
        assertThat(own.getIsCustomerId()).isTrue();
    }

    @Test
    void aRedeliveredSetAfterALaterSetChangesNothing() {
        app.create("c-1");
        var first = app.setAliases("c-1", "a");
        app.setAliases("c-1", "b");
        int bindings = app.bindingRecords().size();
        int customers = app.customerRecords().size();

        app.send(first);

        assertThat(app.aliasesOf("c-1")).containsExactly("b");
        assertThat(app.bindingRecords()).hasSize(bindings);
        assertThat(app.customerRecords()).hasSize(customers);
        assertThat(app.count(AliasSyncMetrics.CHANGES, "type", "ingest_aliases_set", "outcome", "redelivered"))
                .isEqualTo(1);
    }

    @Test
    void theStoresHoldWhatTheTopicsSay() {
        app.create("c-1", "a");
        app.setAliases("c-1", "b");

        assertThat(app.customerStore().get("c-1")).isEqualTo(app.customer("c-1"));
        assertThat(app.bindingStore().get("b")).isEqualTo(app.bindings().get("b"));
        assertThat(app.bindingStore().get("a")).isNull();
        assertThat(app.bindingStore().get("c-1")).isEqualTo(app.bindings().get("c-1"));
    }
}
