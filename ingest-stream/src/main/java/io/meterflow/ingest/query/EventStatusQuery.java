package io.meterflow.ingest.query;

import io.meterflow.ingest.ledger.IdentifierKey;
import io.meterflow.ingest.ledger.UsageLedger;
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

    public EventStatusQuery(KafkaStreams streams) {
        this.streams = streams;
    }

    /** The answer of this instance for one transaction ID. */
    public record Lookup(boolean hostedHere, HostInfo activeHost, Optional<EventStatus> status) {
    }

    /** Where the transaction ID's state lives. */
    public KeyQueryMetadata metadata(String transactionId) {
        return streams.queryMetadataForKey(UsageLedger.USAGE_BY_TRANSACTION, transactionId, Serdes.String().serializer());
    }

    /**
     * Looks the transaction ID up in this instance's stores if it hosts the ID's partition (as active task); else
     * says which host does.
     */
    public Lookup lookup(String transactionId) {
        KeyQueryMetadata metadata = metadata(transactionId);
        if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return new Lookup(false, null, Optional.empty());
        }
        ReadOnlyKeyValueStore<String, UsageState> store;
        try {
            store = streams.store(StoreQueryParameters.fromNameAndType(UsageLedger.USAGE_BY_TRANSACTION,
                    QueryableStoreTypes.<String, UsageState>keyValueStore()).withPartition(metadata.partition()));
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException notHere) {
            return new Lookup(false, metadata.activeHost(), Optional.empty());
        }
        UsageState state = store.get(transactionId);
        return new Lookup(true, metadata.activeHost(),
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
}
