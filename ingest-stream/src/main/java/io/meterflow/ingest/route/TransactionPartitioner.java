package io.meterflow.ingest.route;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition that owns a transaction ID: the one Kafka's default partitioner picks for the ID as a UTF-8 string
 * key (murmur2, as the producer, Kafka Streams' repartitioning and interactive-query metadata all compute it). A
 * producer that keys usage by transaction ID therefore lands every record in its owning partition, and no record
 * pays a hop.
 */
public final class TransactionPartitioner {

    private TransactionPartitioner() {
    }

    public static int partitionOf(String transactionId, int partitions) {
        return Utils.toPositive(Utils.murmur2(transactionId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
