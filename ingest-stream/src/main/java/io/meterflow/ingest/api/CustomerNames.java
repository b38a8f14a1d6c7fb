package io.meterflow.ingest.api;

import java.util.Optional;

/**
 * The name of a customer, for {@code matched_customer.name} in event search. ingest-stream does not hold customers
 * (alias-sync does), so the name comes from whoever wires the API: the standalone launcher reads alias-sync's store
 * in-process; a separate ingest-stream asks alias-sync's API ({@link HttpCustomerNames}); without either, the name is
 * absent and only the ID is given.
 */
@FunctionalInterface
public interface CustomerNames {

    Optional<String> nameOf(String customerId);

    static CustomerNames none() {
        return id -> Optional.empty();
    }
}
