package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.Customer;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rule 8: name and custom fields changes update the customer record. */
class CustomerUpdateTest extends AliasSyncTestBase {

    @Test
    void setsTheNameTruncatedTo160Characters() {
        app.create("c-1", "a");

        CustomerChange rename = app.setName("c-1", "x".repeat(200));

        Customer customer = app.customer("c-1");
        assertThat(customer.getName()).isEqualTo("x".repeat(160));
        assertThat(customer.getUpdatedAt()).isEqualTo(rename.getOccurredAt());
        assertThat(customer.getLastChangeId()).isEqualTo(rename.getChangeId());
        assertThat(customer.getIngestAliases()).containsExactly("a");
    }

    @Test
    void upsertsAndRemovesCustomFields() {
        CustomerCreated created = AliasSyncDriver.created("Acme");
        created.setCustomFields(Map.of("tier", "silver", "region", "eu", "old", "x"));
        app.send(app.change("c-1", "create-1", created));

        app.setCustomFields("c-1", Map.of("tier", "gold", "owner", "bob"), List.of("old", "never-set"));

        assertThat(app.customer("c-1").getCustomFields())
                .containsOnly(Map.entry("tier", "gold"), Map.entry("region", "eu"), Map.entry("owner", "bob"));
    }

    @Test
    void anArchivedCustomerCanStillBeRenamed() {
        app.create("c-1");
        app.archive("c-1");

        app.setName("c-1", "Renamed");

        assertThat(app.customer("c-1").getName()).isEqualTo("Renamed");
        assertThat(app.customer("c-1").getArchivedAt()).isNotNull();
    }

    @Test
    void countsEveryChangeByType() {
        app.create("c-1");
        app.setAliases("c-1", "a");
        app.setName("c-1", "n");
        app.setCustomFields("c-1", Map.of("k", "v"), List.of());
        app.archive("c-1");

        for (String type : List.of("created", "ingest_aliases_set", "name_set", "custom_fields_set", "archived")) {
            assertThat(app.count(AliasSyncMetrics.CHANGES, "type", type, "outcome", "applied")).as(type).isEqualTo(1);
        }
        assertThat(app.count(AliasSyncMetrics.ALIAS_COMMANDS, "action", "claim", "result", "granted")).isEqualTo(1);
        assertThat(app.count(AliasSyncMetrics.ALIAS_COMMANDS, "action", "bind_customer_id", "result", "bound"))
                .isEqualTo(1);
        assertThat(app.count(AliasSyncMetrics.ALIAS_COMMANDS, "action", "archive", "result", "marked_archived"))
                .isEqualTo(2);
    }
}
