package io.meterflow.aliassync.customer;

import io.meterflow.schemas.Customer;
import io.meterflow.schemas.internal.aliassync.ChangeOriginal;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.schemas.internal.aliassync.RequestedAlias;
import io.meterflow.topics.Topics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The customer stage's state: four stores keyed by customer (partitioned like {@code customer-changes}), shared by
 * {@link CustomerChangeProcessor} and {@link ClaimOutcomeProcessor} and always changed in the same transaction.
 *
 * <p>A customer's aliases live in two forms: its {@link Customer} record holds the effective set as a list (what
 * {@code customers} publishes), and {@value #CUSTOMER_ALIAS_STORE} holds one small {@link RequestedAlias} per alias
 * asked for. Answering a claim touches only the latter (and the small {@link CustomerClaims}); the list is rebuilt
 * when a change's claims are all answered. Rewriting the list on every answer made a create of n aliases cost
 * O(n²): seconds of CPU for Metronome's 2000.
 */
public final class CustomerStores {

    /** Queryable: customer ID to its current {@link Customer} record, exactly as published on {@code customers}. */
    public static final String CUSTOMER_STORE = "customer-store";
    /** Customer ID to its change bookkeeping ({@link CustomerClaims}): change IDs, claims in flight, refusals. */
    public static final String CUSTOMER_CLAIMS_STORE = "customer-claims-store";
    /** Change (customer ID + change ID) to its original bytes while some of its claims are unanswered. */
    public static final String CHANGE_ORIGINAL_STORE = "change-original-store";
    /** Customer ID + alias to the {@link RequestedAlias}: every alias of the set the customer last asked for. */
    public static final String CUSTOMER_ALIAS_STORE = "customer-alias-store";

    private static final StringSerializer KEYS = new StringSerializer();

    final KeyValueStore<String, Customer> customers;
    final KeyValueStore<String, CustomerClaims> claims;
    final KeyValueStore<String, ChangeOriginal> originals;
    final KeyValueStore<String, RequestedAlias> aliases;

    private CustomerStores(ProcessorContext<?, ?> context) {
        this.customers = context.getStateStore(CUSTOMER_STORE);
        this.claims = context.getStateStore(CUSTOMER_CLAIMS_STORE);
        this.originals = context.getStateStore(CHANGE_ORIGINAL_STORE);
        this.aliases = context.getStateStore(CUSTOMER_ALIAS_STORE);
    }

    static CustomerStores of(ProcessorContext<?, ?> context) {
        return new CustomerStores(context);
    }

    /** Builders for the four stores: persistent, logged, cached (a burst of outcomes for one customer coalesces). */
    public static List<StoreBuilder<?>> builders(Topics topics) {
        return List.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CUSTOMER_STORE),
                        Serdes.String(), topics.valueSerde(Customer.class)).withCachingEnabled(),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CUSTOMER_CLAIMS_STORE),
                        Serdes.String(), topics.valueSerde(CustomerClaims.class)).withCachingEnabled(),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CHANGE_ORIGINAL_STORE),
                        Serdes.String(), topics.valueSerde(ChangeOriginal.class)).withCachingEnabled(),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CUSTOMER_ALIAS_STORE),
                        Serdes.String(), topics.valueSerde(RequestedAlias.class)).withCachingEnabled());
    }

    /**
     * The start of every key this stage keeps for one customer besides its ID: length-prefixed, so that no customer's
     * prefix is the beginning of another's keys, and a prefix scan finds exactly one customer's entries.
     */
    static String customerPrefix(String customerId) {
        return customerId.length() + ":" + customerId;
    }

    /** Key of a change in the original store. */
    static String originalKey(String customerId, String changeId) {
        return customerPrefix(customerId) + changeId;
    }

    /** Key of an alias in the customer-alias store. */
    static String aliasKey(String customerId, String alias) {
        return customerPrefix(customerId) + alias;
    }

    /** Every alias the customer last asked for, in the order it asked for them: one prefix scan. */
    List<RequestedAlias> requestedAliases(String customerId) {
        List<RequestedAlias> all = new ArrayList<>();
        try (KeyValueIterator<String, RequestedAlias> it = aliases.prefixScan(customerPrefix(customerId), KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, RequestedAlias> next = it.next();
                all.add(next.value);
            }
        }
        all.sort(Comparator.comparingInt(RequestedAlias::getPosition));
        return all;
    }
}
