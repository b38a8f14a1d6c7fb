package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.IngestAliasesSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

class CustomerChangesTest {

    @Test
    void everyChangeGetsItsOwnIdTheCustomerTheTimeAndThePayload() {
        // occurred_at is an Avro timestamp-millis: the record keeps the time truncated to the millisecond.
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        CustomerChange created = CustomerChanges.created("c-1", "Acme", List.of("a@acme.test"));
        CustomerChange aliases = CustomerChanges.ingestAliasesSet("c-1", List.of("ops@acme.test"));

        assertThat(created.getChangeId()).isNotBlank().isNotEqualTo(aliases.getChangeId());
        assertThat(created.getCustomerId()).isEqualTo("c-1");
        assertThat(created.getOccurredAt()).isBetween(before, Instant.now());
        assertThat(created.getPayload()).isEqualTo(
                CustomerCreated.newBuilder().setName("Acme").setIngestAliases(List.of("a@acme.test")).build());
        assertThat(aliases.getPayload()).isEqualTo(
                IngestAliasesSet.newBuilder().setIngestAliases(List.of("ops@acme.test")).build());
    }
}
