package io.meterflow.aliassync.customer;

import io.meterflow.aliassync.ownership.AliasPartitions;
import io.meterflow.schemas.internal.aliassync.AliasAction;
import io.meterflow.schemas.internal.aliassync.AliasCommandBatch;
import io.meterflow.schemas.internal.aliassync.AliasCommandItem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The alias commands one customer change issues, sent as {@link AliasCommandBatch}es: one per partition of the
 * alias-commands topic its aliases hash to (split after {@value #MAX_BATCH} commands), each in the order the change
 * issued its commands. A change of 2000 aliases is a handful of records through Kafka instead of 2000, and the
 * ownership stage answers each batch with one record. Commands for one alias still reach its partition in order:
 * within a change through the order inside a batch, across changes because each change is sent whole before the
 * next is read.
 */
final class AliasCommands {

    /**
     * Commands per batch at most. A command takes at most 515 bytes (an alias of 128 four-byte characters and the
     * action), so a batch stays under 135 KB, and the batch of answers to it (each answer up to 1,031 bytes with the
     * holder's ID) under 270 KB: far from the record limit whatever the aliases.
     */
    static final int MAX_BATCH = 256;

    private final String customerId;
    private final String changeId;
    private final boolean archived;
    private final int sourcePartition;
    private final long sourceOffset;
    private final List<AliasCommandItem> commands = new ArrayList<>();

    AliasCommands(String customerId, String changeId, boolean archived, int sourcePartition, long sourceOffset) {
        this.customerId = customerId;
        this.changeId = changeId;
        this.archived = archived;
        this.sourcePartition = sourcePartition;
        this.sourceOffset = sourceOffset;
    }

    void add(String alias, AliasAction action) {
        commands.add(new AliasCommandItem(alias, action));
    }

    boolean isEmpty() {
        return commands.isEmpty();
    }

    /**
     * Forwards the commands to {@code sink}, grouped by the partition of each alias, and asks Kafka Streams to commit
     * once this record is processed rather than at the next commit interval: the ownership stage reads committed
     * commands only, and the customer (and an API call waiting for it) waits for its answers.
     */
    void send(ProcessorContext<String, SpecificRecord> context, String sink, long timestamp, AliasPartitions partitions) {
        int next = 0;
        if (partitions.count() == 0 && !commands.isEmpty()) {
            // The sink learns the partition count from the first record it sends; a command alone is routed by its
            // alias whatever the count.
            forward(context, sink, timestamp, List.of(commands.get(next++)));
        }
        int count = partitions.count();
        if (count == 0) {
            for (; next < commands.size(); next++) {
                forward(context, sink, timestamp, List.of(commands.get(next)));
            }
            return;
        }
        Map<Integer, List<AliasCommandItem>> byPartition = new LinkedHashMap<>();
        for (; next < commands.size(); next++) {
            AliasCommandItem command = commands.get(next);
            List<AliasCommandItem> batch = byPartition.computeIfAbsent(
                    AliasPartitions.partition(command.getAlias(), count), p -> new ArrayList<>());
            batch.add(command);
            if (batch.size() == MAX_BATCH) {
                forward(context, sink, timestamp, new ArrayList<>(batch));
                batch.clear();
            }
        }
        for (List<AliasCommandItem> batch : byPartition.values()) {
            if (!batch.isEmpty()) {
                forward(context, sink, timestamp, batch);
            }
        }
        if (!commands.isEmpty()) {
            context.commit();
        }
    }

    private void forward(ProcessorContext<String, SpecificRecord> context, String sink, long timestamp,
            List<AliasCommandItem> batch) {
        AliasCommandBatch value = AliasCommandBatch.newBuilder()
                .setCustomerId(customerId)
                .setChangeId(changeId)
                .setArchived(archived)
                .setSourcePartition(sourcePartition)
                .setSourceOffset(sourceOffset)
                .setCommands(batch)
                .setAlias(null)
                .setAction(null)
                .build();
        context.forward(new Record<>(batch.get(0).getAlias(), value, timestamp), sink);
    }
}
