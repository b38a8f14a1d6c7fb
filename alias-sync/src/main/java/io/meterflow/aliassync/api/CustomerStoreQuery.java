package io.meterflow.aliassync.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.AliasSyncTopology;
import io.meterflow.aliassync.customer.CustomerStores;
import io.meterflow.http.HttpError;
import io.meterflow.http.PeerClient;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads alias-sync's state for the API wherever it is: a key's partition is found with Kafka Streams' key metadata;
 * if this instance hosts it (active task), the store is read here, else the owner is asked through its internal
 * routes. Listing merges every instance's share, ordered by the customer IDs' UTF-8 bytes (the stores' key order),
 * so a cursor that names the last ID is continued correctly by any instance.
 */
public final class CustomerStoreQuery {

    static final Comparator<String> UTF8 = (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8),
            b.getBytes(StandardCharsets.UTF_8));

    private final AliasSyncApp app;
    private final PeerClient peers;
    private final HostInfo self;

    CustomerStoreQuery(AliasSyncApp app, PeerClient peers, HostInfo self) {
        this.app = app;
        this.peers = peers;
        this.self = self;
    }

    /** The customer and its change bookkeeping, from whichever instance holds it. */
    public Optional<CustomerJson.Held> customer(String id) {
        HostInfo owner = owner(AliasSyncTopology.CUSTOMER_STORE, id);
        if (owner == null) {
            return localCustomer(id);
        }
        return peers.get(owner, "/internal/v1/customers/" + encode(id)).map(CustomerJson::fromInternal);
    }

    /** The name of a customer, if it exists (for event search in the same process). */
    public Optional<String> name(String id) {
        return customer(id).map(h -> (String) h.detail().get("name"));
    }

    /** What {@code identifier} resolves to now, from whichever instance holds it. */
    public Optional<Map<String, Object>> binding(String identifier) {
        HostInfo owner = owner(AliasSyncTopology.ALIAS_BINDING_STORE, identifier);
        if (owner == null) {
            AliasBinding binding = local(AliasSyncTopology.ALIAS_BINDING_STORE, identifier);
            return Optional.ofNullable(binding).map(CustomerJson::binding);
        }
        return peers.get(owner, "/internal/v1/bindings/" + encode(identifier))
                .map(node -> CustomerJson.binding(toBinding(node)));
    }

    /**
     * What each of {@code identifiers} resolves to now; unbound ones are absent. One request per other instance that
     * holds some of them and one store handle per local partition, instead of a lookup (and perhaps a request) per
     * identifier: a customer's 2000 aliases are checked in a few milliseconds.
     */
    public Map<String, Map<String, Object>> bindings(Collection<String> identifiers) {
        Map<String, Map<String, Object>> found = new HashMap<>();
        Map<Integer, List<String>> local = new HashMap<>();
        Map<HostInfo, List<String>> remote = new LinkedHashMap<>();
        if (self == null) {
            local.put(null, new ArrayList<>(identifiers));
        } else {
            KafkaStreams streams = streams();
            for (String identifier : identifiers) {
                KeyQueryMetadata metadata = streams.queryMetadataForKey(AliasSyncTopology.ALIAS_BINDING_STORE,
                        identifier, Serdes.String().serializer());
                if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
                    throw HttpError.unavailable("alias-sync is rebalancing; retry");
                }
                if (metadata.activeHost().equals(self)) {
                    local.computeIfAbsent(metadata.partition(), p -> new ArrayList<>()).add(identifier);
                } else {
                    remote.computeIfAbsent(metadata.activeHost(), h -> new ArrayList<>()).add(identifier);
                }
            }
        }
        for (Map.Entry<Integer, List<String>> partition : local.entrySet()) {
            found.putAll(localBindings(partition.getKey(), partition.getValue()));
        }
        for (Map.Entry<HostInfo, List<String>> host : remote.entrySet()) {
            peers.post(host.getKey(), "/internal/v1/bindings", Map.of("identifiers", host.getValue()))
                    .ifPresent(node -> node.fields().forEachRemaining(
                            f -> found.put(f.getKey(), CustomerJson.binding(toBinding(f.getValue())))));
        }
        return found;
    }

    /** {@link #bindings} of identifiers held here, in {@code partition} (null: any partition of this instance). */
    Map<String, Map<String, Object>> localBindings(Integer partition, Collection<String> identifiers) {
        Map<String, Map<String, Object>> found = new HashMap<>();
        try {
            StoreQueryParameters<ReadOnlyKeyValueStore<String, AliasBinding>> params = StoreQueryParameters
                    .fromNameAndType(AliasSyncTopology.ALIAS_BINDING_STORE, QueryableStoreTypes.keyValueStore());
            ReadOnlyKeyValueStore<String, AliasBinding> store = streams()
                    .store(partition == null ? params : params.withPartition(partition));
            for (String identifier : identifiers) {
                AliasBinding binding = store.get(identifier);
                if (binding != null) {
                    found.put(identifier, CustomerJson.binding(binding));
                }
            }
        } catch (InvalidStateStoreException e) {
            throw HttpError.unavailable("alias-sync's bindings are not available here right now (" + e.getMessage()
                    + "); retry");
        }
        return found;
    }

    /**
     * Where change {@code changeId} to customer {@code customerId} stands, from whichever instance holds the customer:
     * only the customer's small bookkeeping is read (a write polls this until its change is settled).
     */
    ChangeSettlement settlement(String customerId, String changeId) {
        HostInfo owner = owner(AliasSyncTopology.CUSTOMER_STORE, customerId);
        if (owner == null) {
            return localSettlement(customerId, changeId);
        }
        return peers.get(owner, "/internal/v1/customers/" + encode(customerId) + "/changes/" + encode(changeId))
                .map(ChangeSettlement::fromJson).orElse(ChangeSettlement.PENDING);
    }

    ChangeSettlement localSettlement(String customerId, String changeId) {
        return ChangeSettlement.of(local(CustomerStores.CUSTOMER_CLAIMS_STORE, customerId), changeId);
    }

    private static AliasBinding toBinding(JsonNode node) {
        return new AliasBinding(node.path("identifier").asText(), node.path("customer_id").asText(),
                node.path("is_customer_id").asBoolean(), node.path("archived").asBoolean(), "",
                java.time.Instant.parse(node.path("updated_at").asText()));
    }

    /**
     * Up to {@code limit} customers with IDs after {@code after} (null: from the first) whose archived state is
     * {@code archived}, in ID order, from every instance.
     */
    public List<CustomerJson.Held> page(String after, boolean archived, int limit) {
        List<CustomerJson.Held> all = new ArrayList<>(localPage(after, archived, limit));
        for (HostInfo host : otherHosts()) {
            String path = "/internal/v1/customers?limit=" + limit + "&only_archived=" + archived
                    + (after == null ? "" : "&after=" + encode(after));
            peers.get(host, path).ifPresent(list -> list.forEach(n -> all.add(CustomerJson.fromInternal(n))));
        }
        all.sort(Comparator.comparing(CustomerJson.Held::id, UTF8));
        return all.size() > limit ? new ArrayList<>(all.subList(0, limit)) : all;
    }

    /** {@link #page} over the partitions this instance hosts. */
    public List<CustomerJson.Held> localPage(String after, boolean archived, int limit) {
        List<CustomerJson.Held> found = new ArrayList<>();
        KafkaStreams streams = streams();
        int partitions = partitionCount(streams);
        for (int p = 0; p < partitions; p++) {
            ReadOnlyKeyValueStore<String, Customer> customers;
            ReadOnlyKeyValueStore<String, CustomerClaims> claims;
            try {
                customers = streams.store(StoreQueryParameters.fromNameAndType(AliasSyncTopology.CUSTOMER_STORE,
                        QueryableStoreTypes.<String, Customer>keyValueStore()).withPartition(p));
                claims = streams.store(StoreQueryParameters.fromNameAndType(CustomerStores.CUSTOMER_CLAIMS_STORE,
                        QueryableStoreTypes.<String, CustomerClaims>keyValueStore()).withPartition(p));
            } catch (InvalidStateStoreException notHere) {
                continue;
            }
            // A partition store handle is resolved when it is read: a partition not hosted here fails only then.
            List<CustomerJson.Held> partition = new ArrayList<>();
            try (KeyValueIterator<String, Customer> it = after == null ? customers.all() : customers.range(after, null)) {
                while (it.hasNext() && partition.size() < limit) {
                    KeyValue<String, Customer> kv = it.next();
                    if (after != null && kv.key.equals(after)) {
                        continue;
                    }
                    if ((kv.value.getArchivedAt() != null) == archived) {
                        partition.add(CustomerJson.held(kv.value, claims.get(kv.key)));
                    }
                }
            } catch (InvalidStateStoreException notHere) {
                continue;
            }
            found.addAll(partition);
        }
        found.sort(Comparator.comparing(CustomerJson.Held::id, UTF8));
        return found.size() > limit ? new ArrayList<>(found.subList(0, limit)) : found;
    }

    /** The local customer for another instance (404 if unknown). */
    Optional<CustomerJson.Held> localCustomer(String id) {
        // The two stores are read one after the other, not atomically: reading the bookkeeping first guarantees that
        // the customer read next is at least as new, so a change seen as settled is also seen in the customer.
        CustomerClaims claims = local(CustomerStores.CUSTOMER_CLAIMS_STORE, id);
        Customer customer = local(AliasSyncTopology.CUSTOMER_STORE, id);
        if (customer == null) {
            return Optional.empty();
        }
        return Optional.of(CustomerJson.held(customer, claims));
    }

    Optional<Map<String, Object>> localBinding(String identifier) {
        AliasBinding binding = local(AliasSyncTopology.ALIAS_BINDING_STORE, identifier);
        return Optional.ofNullable(binding).map(CustomerJson::binding);
    }

    /** The host of {@code key}'s active task if it is another instance; null if it is this one (or unknown). */
    private HostInfo owner(String store, String key) {
        if (self == null) {
            return null;
        }
        KeyQueryMetadata metadata = streams().queryMetadataForKey(store, key, Serdes.String().serializer());
        if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            throw HttpError.unavailable("alias-sync is rebalancing; retry");
        }
        return metadata.activeHost().equals(self) ? null : metadata.activeHost();
    }

    private <V> V local(String store, String key) {
        KafkaStreams streams = streams();
        try {
            StoreQueryParameters<ReadOnlyKeyValueStore<String, V>> params = StoreQueryParameters.fromNameAndType(
                    store, QueryableStoreTypes.<String, V>keyValueStore());
            if (self != null) {
                KeyQueryMetadata metadata = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
                if (metadata != null && metadata.partition() >= 0) {
                    params = params.withPartition(metadata.partition());
                }
            }
            return streams.store(params).get(key);
        } catch (InvalidStateStoreException e) {
            throw HttpError.unavailable("alias-sync's state for this key is not available here right now ("
                    + e.getMessage() + "); retry");
        }
    }

    private List<HostInfo> otherHosts() {
        if (self == null) {
            return List.of();
        }
        Map<HostInfo, Boolean> hosts = new LinkedHashMap<>();
        for (StreamsMetadata metadata : streams().streamsMetadataForStore(AliasSyncTopology.CUSTOMER_STORE)) {
            if (!metadata.hostInfo().equals(self)) {
                hosts.put(metadata.hostInfo(), true);
            }
        }
        return new ArrayList<>(hosts.keySet());
    }

    private static int partitionCount(KafkaStreams streams) {
        int max = 0;
        for (var thread : streams.metadataForLocalThreads()) {
            for (var task : thread.activeTasks()) {
                for (var tp : task.topicPartitions()) {
                    max = Math.max(max, tp.partition() + 1);
                }
            }
        }
        return max;
    }

    private KafkaStreams streams() {
        KafkaStreams streams = app.streams();
        KafkaStreams.State state = app.state();
        if (streams == null || !(state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING)) {
            throw HttpError.unavailable("alias-sync is " + state + "; retry when it is RUNNING");
        }
        return streams;
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
