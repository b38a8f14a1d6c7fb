package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.Rejection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rule 1: create, re-delivery, duplicate create. */
class CustomerCreationTest extends AliasSyncTestBase {

    @Test
    void createsACustomerWithItsAliasesAndBindsEachOneAndItsOwnId() {
        CustomerChange created = app.create("c-1", "alice@example.com", "org-7");

        Customer customer = app.customer("c-1");
        assertThat(customer.getId()).isEqualTo("c-1");
        assertThat(customer.getName()).isEqualTo("Customer c-1");
        assertThat(customer.getIngestAliases()).containsExactly("alice@example.com", "org-7");
        assertThat(customer.getCreatedAt()).isEqualTo(created.getOccurredAt());
        assertThat(customer.getUpdatedAt()).isEqualTo(created.getOccurredAt());
        assertThat(customer.getArchivedAt()).isNull();
        assertThat(customer.getLastChangeId()).isEqualTo(created.getChangeId());

        Map<String, AliasBinding> bindings = app.bindings();
        assertThat(app.owners()).containsOnly(
                Map.entry("c-1", "c-1"), Map.entry("alice@example.com", "c-1"), Map.entry("org-7", "c-1"));
        assertThat(bindings.get("c-1").getIsCustomerId()).isTrue();
        assertThat(bindings.get("org-7").getIsCustomerId()).isFalse();
        assertThat(bindings.get("org-7").getArchived()).isFalse();
        assertThat(bindings.get("org-7").getChangeId()).isEqualTo(created.getChangeId());
        assertThat(app.rejections()).isEmpty();
    }

    @Test
    void publishesTheCustomerOnceAllItsClaimsAreAnswered() {
        app.create("c-1", "a", "b", "c");

        assertThat(app.customerRecords()).hasSize(1);
        assertThat(app.customerRecords().get(0).value.getIngestAliases()).containsExactly("a", "b", "c");
    }

    @Test
    void keepsEverythingSentAtCreationAsData() {
        CustomerCreated payload = AliasSyncDriver.created("Acme", "acme");
        payload.setCustomFields(Map.of("tier", "gold"));
        payload.setExternalId("ext-1");
        payload.setCustomerConfig(Map.of("salesforce_account_id", "sf-9"));
        payload.setBillingConfig(AliasSyncDriver.billing("stripe_customer_id", "cus_123"));
        app.send(app.change("c-1", "create-1", payload));

        Customer customer = app.customer("c-1");
        assertThat(customer.getCustomFields()).containsExactly(Map.entry("tier", "gold"));
        assertThat(customer.getExternalId()).isEqualTo("ext-1");
        assertThat(customer.getCustomerConfig()).containsExactly(Map.entry("salesforce_account_id", "sf-9"));
        assertThat(customer.getBillingConfig()).isEqualTo(AliasSyncDriver.billing("stripe_customer_id", "cus_123"));
    }

    @Test
    void truncatesTheNameTo160Characters() {
        String name = "n".repeat(159) + "😀" + "tail";
        app.send(app.change("c-1", "create-1", AliasSyncDriver.created(name)));

        String stored = app.customer("c-1").getName();
        assertThat(stored.codePointCount(0, stored.length())).isEqualTo(160);
        assertThat(stored).isEqualTo("n".repeat(159) + "😀");
    }

    @Test
    void ignoresARedeliveredCreate() {
        CustomerChange created = app.create("c-1", "a");
        int customers = app.customerRecords().size();
        int bindings = app.bindingRecords().size();

        app.send(created);

        assertThat(app.customerRecords()).hasSize(customers);
        assertThat(app.bindingRecords()).hasSize(bindings);
        assertThat(app.rejections()).isEmpty();
        assertThat(app.count(AliasSyncMetrics.CHANGES, "type", "created", "outcome", "redelivered")).isEqualTo(1);
    }

    @Test
    void ignoresARedeliveredCreateEvenAfterManyLaterChanges() {
        app.close();
        app = new AliasSyncDriver(stateDir.resolve("small"), Map.of(AliasSyncConfig.REMEMBERED_CHANGE_IDS, "2"));
        CustomerChange created = app.create("c-1", "a");
        for (int i = 0; i < 5; i++) {
            app.setName("c-1", "name " + i);
        }
        int customers = app.customerRecords().size();

        app.send(created);

        assertThat(app.customerRecords()).hasSize(customers);
        assertThat(app.rejections()).isEmpty();
        assertThat(app.customer("c-1").getName()).isEqualTo("name 4");
    }

    @Test
    void refusesASecondCreateForAnExistingCustomer() {
        app.create("c-1", "a");

        CustomerChange second = app.send(app.change("c-1", "create-again", AliasSyncDriver.created("Other", "b")));

        List<Rejection> rejections = app.rejections().stream().map(kv -> kv.value).toList();
        assertThat(rejections).singleElement().satisfies(r -> {
            assertThat(r.getReason()).isEqualTo("DUPLICATE_CUSTOMER");
            assertThat(r.getChangeId()).isEqualTo(second.getChangeId());
            assertThat(r.getSourceTopic()).isEqualTo("customer-changes");
            assertThat(r.getOriginalValue()).isNotNull();
        });
        assertThat(app.rejections().get(0).key).isEqualTo("c-1");
        assertThat(app.customer("c-1").getName()).isEqualTo("Customer c-1");
        assertThat(app.aliasesOf("c-1")).containsExactly("a");
        assertThat(app.owners()).doesNotContainKey("b");
    }
}
