package io.meterflow.aliassync.customer;

import io.meterflow.schemas.Customer;
import io.meterflow.schemas.internal.aliassync.ChangeOriginal;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.topics.Topics;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The customer stage's state: three stores keyed by customer (partitioned like {@code customer-changes}), shared by
 * {@link CustomerChangeProcessor} and {@link ClaimOutcomeProcessor} and always changed in the same transaction.
 */
public final class CustomerStores {

    /** Queryable: customer ID to its current {@link Customer} record, exactly as published on {@code customers}. */
    public static final String CUSTOMER_STORE = "customer-store";
    /** Customer ID to its alias bookkeeping ({@link CustomerClaims}): requested set, claims in flight, change IDs. */
    public static final String CUSTOMER_CLAIMS_STORE = "customer-claims-store";
    /** Change (customer ID + change ID) to its original bytes while some of its claims are unanswered. */
    public static final String CHANGE_ORIGINAL_STORE = "change-original-store";

    final KeyValueStore<String, Customer> customers;
    final KeyValueStore<String, CustomerClaims> claims;
    final KeyValueStore<String, ChangeOriginal> originals;

    private CustomerStores(ProcessorContext<?, ?> context) {
        this.customers = context.getStateStore(CUSTOMER_STORE);
        this.claims = context.getStateStore(CUSTOMER_CLAIMS_STORE);
        this.originals = context.getStateStore(CHANGE_ORIGINAL_STORE);
    }

    static CustomerStores of(ProcessorContext<?, ?> context) {
        return new CustomerStores(context);
    }

    /** Builders for the three stores: persistent, logged, cached (a burst of outcomes for one customer coalesces). */
    public static List<StoreBuilder<?>> builders(Topics topics) {
        return List.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CUSTOMER_STORE),
                        Serdes.String(), topics.valueSerde(Customer.class)).withCachingEnabled(),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CUSTOMER_CLAIMS_STORE),
                        Serdes.String(), topics.valueSerde(CustomerClaims.class)).withCachingEnabled(),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CHANGE_ORIGINAL_STORE),
                        Serdes.String(), topics.valueSerde(ChangeOriginal.class)).withCachingEnabled());
    }

    /** Key of a change in the original store; length-prefixed so that no two (customer, change) pairs collide. */
    static String originalKey(String customerId, String changeId) {
        return customerId.length() + ":" + customerId + changeId;
    }
}
