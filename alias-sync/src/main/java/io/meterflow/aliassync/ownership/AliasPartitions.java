package io.meterflow.aliassync.ownership;

import io.meterflow.schemas.internal.aliassync.AliasCommandBatch;
import io.meterflow.schemas.internal.aliassync.AliasCommandItem;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * The partitioner of the alias-commands sink, and what the customer stage knows of that topic's partitions. An
 * {@link AliasCommandBatch} is keyed by its first alias and goes where Kafka's default partitioner would send that
 * key; the customer stage groups a change's commands by the partition each alias hashes to, so every command of a
 * batch is decided by the task that owns its alias (and its binding), exactly as if it had come alone.
 *
 * <p>A processor cannot ask how many partitions a topic has, but the sink tells its partitioner on every record: the
 * count is learnt from the first record sent (until then {@link #count()} is 0 and the customer stage sends a
 * command on its own, which any count routes right). A batch whose aliases do not all hash to one partition under
 * the topic's actual count (only if the internal topic's partitions were changed while the app ran, which breaks
 * the binding store's partitioning anyway) stops the stream thread instead of deciding an alias in the wrong place.
 * Shared by every task and thread of the topology.
 */
public final class AliasPartitions implements StreamPartitioner<String, AliasCommandBatch> {

    private volatile int count;

    /** A count known in advance (tests that stand in for the sink); 0 leaves it to be learnt. */
    public AliasPartitions(int count) {
        this.count = count;
    }

    public AliasPartitions() {
        this(0);
    }

    /** Partitions of the alias-commands topic as last seen by the sink; 0 before its first record. */
    public int count() {
        return count;
    }

    /** The partition Kafka's default partitioner gives {@code alias} (a UTF-8 string key) among {@code partitions}. */
    public static int partition(String alias, int partitions) {
        return Utils.toPositive(Utils.murmur2(alias.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, AliasCommandBatch value, int numPartitions) {
        count = numPartitions;
        int partition = partition(key, numPartitions);
        for (AliasCommandItem command : value.getCommands()) {
            if (partition(command.getAlias(), numPartitions) != partition) {
                throw new IllegalStateException("A batch of alias commands keyed " + key + " holds alias "
                        + command.getAlias() + " of another partition of " + topic + " (" + numPartitions
                        + " partitions): was the topic's partition count changed while alias-sync ran?");
            }
        }
        return Optional.of(Set.of(partition));
    }
}
