package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.CustomerChange;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rule 6: archiving keeps the aliases bound, marked archived; set-aliases on an archived customer releases them. */
class ArchiveTest extends AliasSyncTestBase {

    @Test
    void archiveMarksTheCustomerAndKeepsEveryBindingMarkedArchived() {
        app.create("c-1", "a", "b");

        CustomerChange archived = app.archive("c-1");

        assertThat(app.customer("c-1").getArchivedAt()).isEqualTo(archived.getOccurredAt());
        assertThat(app.customer("c-1").getIngestAliases()).containsExactly("a", "b");
        Map<String, AliasBinding> bindings = app.bindings();
        assertThat(bindings).containsOnlyKeys("c-1", "a", "b");
        assertThat(bindings.values()).allSatisfy(b -> {
            assertThat(b.getCustomerId()).isEqualTo("c-1");
            assertThat(b.getArchived()).isTrue();
            assertThat(b.getChangeId()).isEqualTo(archived.getChangeId());
        });
    }

    @Test
    void anArchivedCustomersAliasIsStillRefusedToOthers() {
        app.create("c-1", "a");
        app.archive("c-1");
        app.create("c-2");

        app.setAliases("c-2", "a");

        assertThat(app.owners()).containsEntry("a", "c-1");
        assertThat(app.rejections()).extracting(kv -> kv.value.getReason()).containsExactly("ALIAS_IN_USE");
    }

    @Test
    void settingAliasesOnAnArchivedCustomerReleasesThemForOthers() {
        app.create("c-1", "a", "b");
        app.archive("c-1");

        app.setAliases("c-1", "b");
        app.create("c-2", "a");

        assertThat(app.owners()).containsEntry("a", "c-2").containsEntry("b", "c-1");
        assertThat(app.bindings().get("b").getArchived()).isTrue();
        assertThat(app.bindings().get("a").getArchived()).isFalse();
        assertThat(app.aliasesOf("c-1")).containsExactly("b");
        assertThat(app.rejections()).isEmpty();
    }

    @Test
    void anAliasClaimedByAnArchivedCustomerIsBoundArchived() {
        app.create("c-1");
        app.archive("c-1");

        app.setAliases("c-1", "late");

        assertThat(app.bindings().get("late").getCustomerId()).isEqualTo("c-1");
        assertThat(app.bindings().get("late").getArchived()).isTrue();
    }

    @Test
    void archivingTwiceKeepsTheFirstArchiveTime() {
        app.create("c-1", "a");
        CustomerChange first = app.archive("c-1");
        int bindings = app.bindingRecords().size();

        app.archive("c-1");

        assertThat(app.customer("c-1").getArchivedAt()).isEqualTo(first.getOccurredAt());
        assertThat(app.bindingRecords()).hasSize(bindings);
        assertThat(app.rejections()).isEmpty();
    }
}
