package io.meterflow.ingest.api;

import java.util.Optional;
import java.util.function.Function;

/**
 * What ingest-stream's API knows of customers: the name of one, for {@code matched_customer.name} in event search, and
 * whether one exists, for {@code GET /v1/customers/{customer_id}/billable-metrics}. ingest-stream does not hold
 * customers (alias-sync does), so this comes from whoever wires the API: the standalone launcher reads alias-sync's
 * store in-process ({@link #of}); a separate ingest-stream asks alias-sync's API ({@link HttpCustomerNames}); without
 * either ({@link #none()}), names are absent and customers are not checked.
 */
@FunctionalInterface
public interface CustomerNames {

    /** The customer's name; empty when unknown or when it cannot be read now (search then gives only the ID). */
    Optional<String> nameOf(String customerId);

    /**
     * Whether the customer exists (active or archived); empty when nothing here can tell (no source of customers).
     *
     * @throws io.meterflow.http.HttpError 503 when the source cannot answer now (rebalancing, unreachable)
     */
    default Optional<Boolean> exists(String customerId) {
        return Optional.empty();
    }

    static CustomerNames none() {
        return id -> Optional.empty();
    }

    /**
     * Customers read from {@code lookup}: a customer's name, empty for an unknown customer; it throws when it cannot
     * tell now, which search turns into a missing name and {@link #exists} passes on.
     */
    static CustomerNames of(Function<String, Optional<String>> lookup) {
        return new CustomerNames() {
            @Override
            public Optional<String> nameOf(String customerId) {
                try {
                    return lookup.apply(customerId);
                } catch (RuntimeException unavailable) {
                    return Optional.empty();
                }
            }

            @Override
            public Optional<Boolean> exists(String customerId) {
                return Optional.of(lookup.apply(customerId).isPresent());
            }
        };
    }
}
