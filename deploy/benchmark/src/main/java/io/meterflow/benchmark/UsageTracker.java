package io.meterflow.benchmark;

import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageKind;
import io.meterflow.topics.Topics;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/** Follows usage-resolved for the throughput records: net ASSIGN − RETRACT per transaction ID. */
final class UsageTracker {

    private final Workload workload;
    private final Workload.Expected expected;
    private final Deserializer<ResolvedUsage> reader;
    private final byte[] net;
    private final BitSet movedAtTarget = new BitSet();
    private final Map<String, Long> resolutions = new LinkedHashMap<>();
    private final Map<Resolution, Long> assigns = new EnumMap<>(Resolution.class);
    private long netOne;
    private long records;
    private long unexpected;

    UsageTracker(Topics topics, Workload workload, Workload.Expected expected) {
        this.workload = workload;
        this.expected = expected;
        this.reader = topics.usageResolved().valueSerde().deserializer();
        this.net = new byte[Math.toIntExact(expected.records())];
    }

    int accept(Iterable<ConsumerRecord<byte[], byte[]>> batch) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            n++;
            accept(reader.deserialize(record.topic(), record.value()));
        }
        return n;
    }

    void accept(ResolvedUsage usage) {
        long i = workload.indexOf(usage.getTransactionId());
        if (i < 0) {
            return; // latency and replay records are counted by their phases
        }
        records++;
        if (i >= net.length || Workload.isDuplicate(i)) {
            unexpected++;
            return;
        }
        int idx = (int) i;
        boolean assign = usage.getKind() == UsageKind.ASSIGN;
        resolutions.merge(assign ? "ASSIGN " + usage.getResolution() : "RETRACT", 1L, Long::sum);
        if (net[idx] == 1) {
            netOne--;
        }
        net[idx] += assign ? 1 : -1;
        if (net[idx] == 1) {
            netOne++;
        }
        if (assign && workload.underMovingAlias(i) && usage.getCustomerId().equals(workload.finalCustomer(i))) {
            movedAtTarget.set(idx);
        }
    }

    boolean complete() {
        return netOne == expected.unique() && movedAtTarget.cardinality() == expected.movingUnique();
    }

    long netOne() {
        return netOne;
    }

    long netOther() {
        long other = 0;
        for (int i = 0; i < net.length; i++) {
            if (!Workload.isDuplicate(i) && net[i] != 1) {
                other++;
            }
        }
        return other;
    }

    long movedAtTarget() {
        return movedAtTarget.cardinality();
    }

    long records() {
        return records;
    }

    long unexpected() {
        return unexpected;
    }

    Map<String, Long> resolutions() {
        return resolutions;
    }
}
