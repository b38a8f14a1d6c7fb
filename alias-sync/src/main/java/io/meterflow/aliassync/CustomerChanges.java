package io.meterflow.aliassync;

import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.IngestAliasesSet;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Builds customer-changes records the way a provisioning system publishes them: a fresh change ID (alias-sync
 * de-duplicates re-deliveries by it), the time now, and one payload. Used by the HTTP API, the demo and the benchmark.
 */
public final class CustomerChanges {

    private CustomerChanges() {
    }

    /** A change to {@code customerId} with {@code payload} (one of CustomerChange's payload records). */
    public static CustomerChange of(String customerId, Object payload) {
        return CustomerChange.newBuilder()
                .setChangeId(UUID.randomUUID().toString())
                .setCustomerId(customerId)
                .setOccurredAt(Instant.now())
                .setPayload(payload)
                .build();
    }

    public static CustomerChange created(String customerId, String name, List<String> ingestAliases) {
        return of(customerId, CustomerCreated.newBuilder().setName(name).setIngestAliases(ingestAliases).build());
    }

    public static CustomerChange ingestAliasesSet(String customerId, List<String> ingestAliases) {
        return of(customerId, IngestAliasesSet.newBuilder().setIngestAliases(ingestAliases).build());
    }
}
