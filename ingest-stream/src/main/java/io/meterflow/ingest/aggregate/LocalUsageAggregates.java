package io.meterflow.ingest.aggregate;

import io.meterflow.ingest.query.EventStatusQuery;
import io.meterflow.ingest.route.TransactionPartitioner;
import io.meterflow.schemas.BillableMetric;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@link UsageAggregatesQuery} on this instance's Kafka Streams stores. A customer's aggregates are in the task of the
 * usage-resolved partition its ID falls in: ingest-stream writes usage-resolved keyed by customer ID with a string
 * serializer and the default partitioner, and the aggregation stores belong to the sub-topology that reads it, so
 * {@code queryMetadataForKey(aggregates, customerId, StringSerializer)} names that partition and its host. Without
 * {@code application.server} Kafka Streams has no metadata; the partition is then computed as the default
 * partitioner does (murmur2 of the ID's UTF-8 bytes), and only whether it is hosted here is known.
 */
public final class LocalUsageAggregates implements UsageAggregatesQuery {

    private final KafkaStreams streams;
    private final int partitions;
    /** Shared by every read of this instance (see {@link HostedAggregates#UNIONS_AT_ONCE}). */
    private final Semaphore unions = new Semaphore(HostedAggregates.UNIONS_AT_ONCE, true);

    /**
     * @param streams    the running ingest-stream client
     * @param partitions the partition count of usage-resolved (the aggregation's tasks)
     */
    public LocalUsageAggregates(KafkaStreams streams, int partitions) {
        this.streams = streams;
        this.partitions = partitions;
    }

    private KeyQueryMetadata metadata(String customerId) {
        return streams.queryMetadataForKey(AggregateLedger.AGGREGATES, customerId, Serdes.String().serializer());
    }

    @Override
    public Owner owner(String customerId) {
        KeyQueryMetadata metadata = metadata(customerId);
        boolean known = metadata != null && !metadata.equals(KeyQueryMetadata.NOT_AVAILABLE);
        HostInfo host = known && metadata.activeHost() != null && !HostInfo.unavailable().equals(metadata.activeHost())
                ? metadata.activeHost() : null;
        return new Owner(hosted(partition(customerId, metadata)) != null, host);
    }

    /**
     * The customer's usage-resolved partition: from the metadata when Kafka Streams has it (with
     * {@code application.server}), else as the default partitioner computes it for the customer ID's UTF-8 bytes.
     */
    private int partition(String customerId, KeyQueryMetadata metadata) {
        return metadata != null && !metadata.equals(KeyQueryMetadata.NOT_AVAILABLE) ? metadata.partition()
                : TransactionPartitioner.partitionOf(customerId, partitions);
    }

    /** This instance's stores of one partition (active task only), or null when it does not host it. */
    private HostedAggregates hosted(int partition) {
        try {
            HostedAggregates hosted = new HostedAggregates(
                    store(AggregateLedger.AGGREGATES, partition), store(AggregateLedger.VALUES, partition),
                    store(AggregateLedger.PROGRESS, partition), unions, HostedAggregates.UNION_PASS_BYTES);
            hosted.backfill(""); // the handles are resolved on the first read: a partition hosted elsewhere fails here
            return hosted;
        } catch (InvalidStateStoreException notHere) {
            return null;
        }
    }

    private <K, V> ReadOnlyKeyValueStore<K, V> store(String name, int partition) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<K, V>keyValueStore())
                .withPartition(partition));
    }

    private HostedAggregates hostedFor(String customerId) {
        HostedAggregates hosted = hosted(partition(customerId, metadata(customerId)));
        if (hosted == null) {
            throw new NotHostedHere(customerId);
        }
        return hosted;
    }

    @Override
    public List<WindowValue> usage(String customerId, BillableMetric metric, List<String> groupKey,
            Map<String, List<String>> groupFilter, WindowSize size, Instant start, Instant end, Bound bound) {
        try {
            return hostedFor(customerId).usage(customerId, metric, groupKey, groupFilter, size, start, end, bound);
        } catch (InvalidStateStoreException moved) {
            throw new NotHostedHere(customerId);
        }
    }

    @Override
    public List<String> customers(String after, int limit) {
        TreeSet<String> all = new TreeSet<>(EventStatusQuery::compareUtf8);
        for (int partition = 0; partition < partitions; partition++) {
            HostedAggregates hosted = hosted(partition);
            if (hosted == null) {
                continue;
            }
            try {
                all.addAll(hosted.customers(after, limit));
            } catch (InvalidStateStoreException moved) {
                // no longer hosted here
            }
        }
        List<String> page = new ArrayList<>(limit);
        for (String customer : all) {
            if (page.size() == limit) {
                break;
            }
            page.add(customer);
        }
        return page;
    }

    /**
     * How complete {@code metricId}'s aggregates of {@code customerId} are (the progress of the customer's task); null
     * when the task has not set the metric up yet (it does within {@code aggregation.backfill.interval} of seeing it).
     *
     * @throws NotHostedHere when the customer's partition is not hosted here as active task
     */
    public BackfillStatus backfill(String customerId, String metricId) {
        try {
            return hostedFor(customerId).backfill(metricId);
        } catch (InvalidStateStoreException moved) {
            throw new NotHostedHere(customerId);
        }
    }
}
