package io.meterflow.ingest.query;

import io.meterflow.ingest.emit.StoredUsage;
import io.meterflow.ingest.ledger.IdentifierKey;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.ingest.route.TransactionPartitioner;
import io.meterflow.schemas.internal.ingest.IdentifierEntry;
import io.meterflow.schemas.internal.ingest.UsageState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Read-only queries on ingest-stream's state, for the event-search API: a transaction ID is one key lookup in
 * {@value UsageLedger#USAGE_BY_TRANSACTION} on the instance that hosts its partition (the partition Kafka's default
 * partitioner gives the ID). An instance that does not host it answers with the host that does, so the caller can
 * forward the request ({@code application.server} must be set for hosts to be known).
 */
public final class EventStatusQuery {

    private final KafkaStreams streams;
    private final int partitions;

    /**
     * @param streams    the running ingest-stream client
     * @param partitions the partition count of usage-events (for the owning partition when host metadata is not
     *                   available, i.e. without {@code application.server})
     */
    public EventStatusQuery(KafkaStreams streams, int partitions) {
        this.streams = streams;
        this.partitions = partitions;
    }

    /**
     * The answer of this instance for one transaction ID: whether it hosts the ID's partition, the host that does
     * (null unless {@code application.server} is set), and the status if the ID is known.
     */
    public record Lookup(boolean hostedHere, HostInfo activeHost, Optional<EventStatus> status) {
    }

    /** Where the transaction ID's state lives. */
    public KeyQueryMetadata metadata(String transactionId) {
        return streams.queryMetadataForKey(UsageLedger.USAGE_BY_TRANSACTION, transactionId,
                Serdes.String().serializer());
    }

    /**
     * Looks the transaction ID up in this instance's stores if it hosts the ID's partition (as active task); else
     * says which host does.
     */
    public Lookup lookup(String transactionId) {
        KeyQueryMetadata metadata = metadata(transactionId);
        boolean known = metadata != null && !metadata.equals(KeyQueryMetadata.NOT_AVAILABLE);
        HostInfo host = known ? metadata.activeHost() : null;
        int partition = known ? metadata.partition() : TransactionPartitioner.partitionOf(transactionId, partitions);
        ReadOnlyKeyValueStore<String, StoredUsage> store;
        try {
            store = streams.store(StoreQueryParameters.fromNameAndType(UsageLedger.USAGE_BY_TRANSACTION,
                    QueryableStoreTypes.<String, StoredUsage>keyValueStore()).withPartition(partition));
        } catch (InvalidStateStoreException notHere) {
            return new Lookup(false, host, Optional.empty());
        }
        UsageState state;
        try {
            StoredUsage stored = store.get(transactionId);
            state = stored == null ? null : stored.state();
        } catch (InvalidStateStoreException notHere) {
            // The handle is resolved on the first read: a partition hosted elsewhere fails only here.
            return new Lookup(false, host, Optional.empty());
        }
        return new Lookup(true, host,
                state == null ? Optional.empty() : Optional.of(EventStatus.of(transactionId, state)));
    }

    /**
     * Transaction IDs parked under {@code identifier} in the partitions this instance hosts (an identifier's usage is
     * spread over all partitions: ask every instance). A key range read, at most {@code limit} entries.
     */
    public List<String> pendingTransactionIds(String identifier, int limit) {
        ReadOnlyKeyValueStore<Bytes, IdentifierEntry> index = streams.store(StoreQueryParameters.fromNameAndType(
                UsageLedger.USAGE_BY_IDENTIFIER, QueryableStoreTypes.<Bytes, IdentifierEntry>keyValueStore()));
        List<String> pending = new ArrayList<>();
        try (KeyValueIterator<Bytes, IdentifierEntry> it =
                     index.range(IdentifierKey.first(identifier), IdentifierKey.last(identifier))) {
            while (it.hasNext() && pending.size() < limit) {
                KeyValue<Bytes, IdentifierEntry> entry = it.next();
                if (entry.value.getCustomerId() == null) {
                    pending.add(IdentifierKey.transactionId(entry.key));
                }
            }
        }
        return pending;
    }

    /**
     * The parked events of {@code identifier} in the partitions this instance hosts as active tasks, in the order of
     * their transaction IDs' UTF-8 bytes, starting after {@code afterTransactionId} (null: from the first), at most
     * {@code limit} of them. Each partition is a key-range read; an identifier's usage is spread over all partitions,
     * so a complete answer merges every instance's.
     */
    public List<EventStatus> pending(String identifier, String afterTransactionId, int limit) {
        List<EventStatus> pending = new ArrayList<>();
        Bytes from = afterTransactionId == null ? IdentifierKey.first(identifier)
                : IdentifierKey.successor(IdentifierKey.of(identifier, afterTransactionId).get());
        for (int partition = 0; partition < partitions; partition++) {
            ReadOnlyKeyValueStore<Bytes, IdentifierEntry> index;
            ReadOnlyKeyValueStore<String, StoredUsage> states;
            try {
                index = streams.store(StoreQueryParameters.fromNameAndType(UsageLedger.USAGE_BY_IDENTIFIER,
                        QueryableStoreTypes.<Bytes, IdentifierEntry>keyValueStore()).withPartition(partition));
                states = streams.store(StoreQueryParameters.fromNameAndType(UsageLedger.USAGE_BY_TRANSACTION,
                        QueryableStoreTypes.<String, StoredUsage>keyValueStore()).withPartition(partition));
            } catch (InvalidStateStoreException notHere) {
                continue;
            }
            List<EventStatus> partitionPending = new ArrayList<>();
            try (KeyValueIterator<Bytes, IdentifierEntry> it = index.range(from, IdentifierKey.last(identifier))) {
                while (it.hasNext() && partitionPending.size() < limit) {
                    KeyValue<Bytes, IdentifierEntry> entry = it.next();
                    if (entry.value.getCustomerId() != null) {
                        continue;
                    }
                    String transactionId = IdentifierKey.transactionId(entry.key);
                    StoredUsage stored = states.get(transactionId);
                    UsageState state = stored == null ? null : stored.state();
                    if (state != null && state.getStatus().name().equals("PENDING")) {
                        partitionPending.add(EventStatus.of(transactionId, state));
                    }
                }
            } catch (InvalidStateStoreException notHere) {
                // The handles are resolved on the first read: a partition hosted elsewhere fails only here.
                continue;
            }
            pending.addAll(partitionPending);
        }
        pending.sort(java.util.Comparator.comparing(EventStatus::transactionId, EventStatusQuery::compareUtf8));
        return pending.size() > limit ? new ArrayList<>(pending.subList(0, limit)) : pending;
    }

    /** Order of strings by their UTF-8 bytes: the order of RocksDB keys, and of every cursor. */
    public static int compareUtf8(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The partition count of usage-events this query was built for. */
    public int partitions() {
        return partitions;
    }
}
