package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.config.StreamsAppConfig;
import io.meterflow.ingest.emit.RecordBudget;
import io.meterflow.ingest.route.TransactionPartitioner;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.kafka.common.record.internal.AbstractRecords;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The size budget by construction: the largest accepted events, in the shapes that make each derived record largest
 * (512-byte IDs, identifiers and customer IDs; a long event type and timestamp; a key as large as the value; a
 * replay longer than one chunk; a move; an expiry; a rejection; a duplicate), and every record ingest-stream writes
 * because of them — outputs, repartition topics and changelogs — measured as the producer measures it against
 * {@code max.request.size} (Kafka's own estimate, record batch included): at most
 * {@code validation.max.event.bytes} + {@link RecordBudget#OVERHEAD_BYTES}, which fits {@code record.max.bytes}.
 */
class RecordBudgetTest {

    static final int PARTITIONS = 4;
    /** 128 characters of 4 bytes each but the last: 509 bytes, the most an ID may take in practice. */
    static final String LONGEST = "\uD83D\uDE00".repeat(127);

    @TempDir
    Path stateDir;

    static String id(String last) {
        return LONGEST + last;
    }

    /** A transaction ID of 128 characters owned by {@code partition}. */
    static String transactionOwnedBy(int partition, String prefix) {
        return IntStream.range(0, 10_000).mapToObj(i -> "\uD83D\uDE00".repeat(120) + prefix + i)
                .map(t -> t + "x".repeat(128 - t.codePointCount(0, t.length())))
                .filter(t -> TransactionPartitioner.partitionOf(t, PARTITIONS) == partition)
                .findFirst().orElseThrow();
    }

    /** An event whose usage-events record, with a key of {@code keyBytes}, is exactly {@code recordBytes}. */
    static byte[] valueOf(IngestHarness h, String transactionId, String identifier, String timestamp, int keyBytes,
            int recordBytes) {
        // The probe's pad has a length of the same encoded size (3 bytes) as the final one.
        UsageEvent probe = event(transactionId, identifier, timestamp, 100_000);
        int base = serialize(h, probe).length - 100_000;
        byte[] value = serialize(h, event(transactionId, identifier, timestamp, recordBytes - keyBytes - base));
        assertThat(value.length + keyBytes).isEqualTo(recordBytes);
        return value;
    }

    static UsageEvent event(String transactionId, String identifier, String timestamp, int pad) {
        Map<String, JsonValue> properties = new LinkedHashMap<>();
        properties.put(id("-name"), new JsonValue(id("-value")));
        properties.put("pad", new JsonValue("p".repeat(pad)));
        return UsageEvent.newBuilder().setTransactionId(transactionId).setCustomerId(identifier)
                .setEventType("e".repeat(10_000)).setTimestamp(timestamp).setProperties(properties).build();
    }

    static byte[] serialize(IngestHarness h, UsageEvent event) {
        return h.topics.usageEvents().valueSerde().serializer().serialize("usage-events", event);
    }

    /** A valid RFC 3339 timestamp an hour before {@code h}'s clock, with a 5,000-digit fraction. */
    static String longTimestamp(IngestHarness h, Duration ago) {
        return h.now().minus(ago).toString().replace("Z", "." + "1".repeat(5000) + "Z");
    }

    /** The largest record (Kafka's estimate, as checked against max.request.size) written to each topic. */
    static Map<String, Integer> largestRecordByTopic(IngestHarness h) {
        Map<String, Integer> largest = new TreeMap<>();
        for (String topic : h.driver.producedTopicNames()) {
            for (TestRecord<byte[], byte[]> record : h.driver.createOutputTopic(topic,
                    new ByteArrayDeserializer(), new ByteArrayDeserializer()).readRecordsToList()) {
                largest.merge(topic, AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE,
                        CompressionType.NONE, record.key(), record.value(), record.headers().toArray()), Math::max);
            }
        }
        return largest;
    }

    @Test
    void aValidEventThatFitsUsageEventsButWouldGrowPastTheRecordLimitIsRejectedTooLarge() {
        // Issue 12, finding 1: such an event was accepted, and its usage-by-transaction changelog record (the event
        // plus its state) was over max.request.size, which stopped the stream thread on every restart.
        try (IngestHarness h = new IngestHarness(stateDir)) {
            String recent = longTimestamp(h, Duration.ofHours(1));
            h.usageRaw.pipeInput(null, valueOf(h, "near-the-limit", "nobody", recent, 0, 1_048_500), h.now());

            assertThat(h.rejected.readValue().getReason()).isEqualTo("TOO_LARGE");
            assertThat(h.status("near-the-limit")).isNull();
            assertThat(largestRecordByTopic(h).values()).allSatisfy(size -> assertThat(size)
                    .isLessThanOrEqualTo(StreamsAppConfig.DEFAULT_RECORD_MAX_BYTES));
        }
    }

    @Test
    void everyRecordTheLargestEventsCauseFitsTheEventLimitPlusTheOverhead() {
        Map<String, String> settings = Map.of("topic.partitions", String.valueOf(PARTITIONS),
                "replay.chunk.size", "1", "pending.horizon", "2h");
        try (IngestHarness h = new IngestHarness(stateDir, settings)) {
            int limit = h.config.maxEventBytes();
            String bound = id("b");
            String parked = id("p");
            String expiring = id("x");
            String customer1 = id("1");
            String customer2 = id("2");
            h.bind(bound, customer1);
            String recent = longTimestamp(h, Duration.ofHours(1));

            // Parked twice under one identifier, then replayed in two chunks (a stored replay job), then moved.
            String t1 = transactionOwnedBy(0, "a");
            String t2 = transactionOwnedBy(0, "b");
            h.usageRaw.pipeInput(null, valueOf(h, t1, parked, recent, 0, limit), h.now());
            h.usageRaw.pipeInput(null, valueOf(h, t2, parked, recent, 0, limit), h.now());
            // Rerouted with a key as large as its value: the hop carries both.
            String t3 = transactionOwnedBy(3, "c");
            byte[] key = new byte[limit / 2];
            Arrays.fill(key, (byte) 'k');
            h.usageRaw.pipeInput(key, valueOf(h, t3, bound, recent, key.length, limit), h.now());
            // A duplicate, a rejection recorded for search, and a record over the limit.
            h.usageRaw.pipeInput(null, valueOf(h, t1, parked, recent, 0, limit), h.now());
            String old = longTimestamp(h, Duration.ofDays(40));
            h.usageRaw.pipeInput(null, valueOf(h, transactionOwnedBy(0, "d"), parked, old, 0, limit), h.now());
            byte[] garbage = new byte[1_048_480];
            new Random(7).nextBytes(garbage);
            h.usageRaw.pipeInput(key, garbage, h.now());

            h.bind(parked, customer1);
            h.advance(Duration.ofSeconds(1));
            h.release(parked);
            h.bind(parked, customer2);
            h.advance(Duration.ofSeconds(1));
            h.usageRaw.pipeInput(null, valueOf(h, transactionOwnedBy(0, "e"), expiring, recent, 0, limit), h.now());
            h.advance(Duration.ofHours(3));
            // Bindings no usage can match: ignored, or applied as a release.
            h.bind("i".repeat(129), customer1);
            h.bind(id("c"), "c".repeat(129));

            Map<String, Integer> largest = largestRecordByTopic(h);
            largest.forEach((topic, size) -> System.out.printf("%-55s largest %8d = limit %+d%n", topic, size,
                    size - limit));

            String app = h.config.streams().applicationId();
            assertThat(largest).containsKeys("usage-resolved", "usage-rejected", "usage-expired",
                    app + "-usage-rerouted-repartition", app + "-bindings-fanout-repartition",
                    app + "-usage-by-transaction-changelog", app + "-usage-by-identifier-changelog",
                    app + "-pending-by-time-changelog", app + "-ingest-bookkeeping-changelog",
                    app + "-bindings-replica-changelog", app + "-replay-jobs-changelog");
            assertThat(largest.values()).allSatisfy(size -> assertThat(size)
                    .isLessThanOrEqualTo(RecordBudget.largestRecord(limit))
                    .isLessThanOrEqualTo(StreamsAppConfig.DEFAULT_RECORD_MAX_BYTES));
            // The event itself is copied whole where it must be: the budget is not met by dropping it.
            assertThat(largest.get("usage-resolved")).isGreaterThan(limit - key.length);
            assertThat(largest.get(app + "-usage-by-transaction-changelog")).isGreaterThan(limit);
            assertThat(largest.get("usage-expired")).isGreaterThan(limit);
            assertThat(largest.get(app + "-usage-rerouted-repartition")).isGreaterThan(limit);
        }
    }
}
