package io.meterflow.image;

import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageKind;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.topics.TopicNames;
import io.meterflow.topics.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Checks, from outside the pipeline, what a consumer of {@code usage-resolved} holds: reads the topic from the
 * beginning, {@code read_committed}, sums ASSIGN minus RETRACT per transaction ID and customer, and compares that with
 * the expected owner of every accepted event.
 *
 * <p>{@code AttributionCheck BOOTSTRAP EXPECTED_FILE [PREFIX]}: the file holds one {@code transaction_id<TAB>customer_id}
 * line per event the sender saw accepted (HTTP 200); only transaction IDs starting with PREFIX count (default: all).
 * Exactly once means each of them nets +1 at its expected customer and 0 everywhere else, and no other transaction
 * ID with the prefix nets anything. Prints the counts, one line per fault (at most 20), and exits 0 only if there is
 * none. Used by deploy/rehearsal/run.sh, run from the image (it uses the in-process registry's derived schema IDs,
 * the default {@code mock://meterflow}; set {@code METERFLOW_SCHEMA_REGISTRY_URL} for a real one).
 */
public final class AttributionCheck {

    private AttributionCheck() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: AttributionCheck BOOTSTRAP EXPECTED_FILE [TRANSACTION_ID_PREFIX]");
            System.exit(2);
        }
        String prefix = args.length == 3 ? args[2] : "";
        Map<String, String> expected = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                String[] parts = line.split("\t");
                expected.put(parts[0], parts[1]);
            }
        }
        String registry = System.getenv().getOrDefault("METERFLOW_SCHEMA_REGISTRY_URL", "mock://meterflow");
        Map<String, Map<String, Integer>> net = read(args[0], registry, prefix);
        System.exit(report(expected, net, prefix, System.out) ? 0 : 1);
    }

    /** Net ASSIGN minus RETRACT per transaction ID (with the prefix) and customer, read_committed, to the end. */
    static Map<String, Map<String, Integer>> read(String bootstrap, String registryUrl, String prefix) {
        Topics topics = Topics.create(TopicNames.defaults(), Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl));
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "attribution-check-" + UUID.randomUUID());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        String topic = topics.names().usageResolved();
        Map<String, Map<String, Integer>> net = new TreeMap<>();
        try (KafkaConsumer<String, ResolvedUsage> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                topics.usageResolved().valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // read_committed end offsets: the last stable offset, so reaching them means every committed record.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within 5 minutes");
                }
                for (ConsumerRecord<String, ResolvedUsage> record : consumer.poll(Duration.ofSeconds(1))) {
                    ResolvedUsage usage = record.value();
                    String transactionId = usage.getTransactionId();
                    if (!transactionId.startsWith(prefix)) {
                        continue;
                    }
                    int delta = usage.getKind() == UsageKind.ASSIGN ? 1 : -1;
                    String customer = record.key().equals(usage.getCustomerId()) ? usage.getCustomerId()
                            : "MISKEYED(" + record.key() + "/" + usage.getCustomerId() + ")";
                    net.computeIfAbsent(transactionId, t -> new HashMap<>()).merge(customer, delta, Integer::sum);
                }
            }
        }
        return net;
    }

    /** Prints the figures and the faults; true if every expected event nets once at its customer and nothing else. */
    static boolean report(Map<String, String> expected, Map<String, Map<String, Integer>> net, String prefix,
            PrintStream out) {
        int exact = 0;
        int missing = 0;
        int wrong = 0;
        int extra = 0;
        int faults = 0;
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Map<String, Integer> got = new HashMap<>(net.getOrDefault(e.getKey(), Map.of()));
            got.values().removeIf(v -> v == 0);
            if (got.equals(Map.of(e.getValue(), 1))) {
                exact++;
                continue;
            }
            if (got.isEmpty()) {
                missing++;
            } else {
                wrong++;
            }
            if (faults++ < 20) {
                out.println("FAULT " + e.getKey() + ": expected +1 at " + e.getValue() + ", nets " + got);
            }
        }
        for (Map.Entry<String, Map<String, Integer>> e : net.entrySet()) {
            if (!expected.containsKey(e.getKey()) && e.getValue().values().stream().anyMatch(v -> v != 0)) {
                // Written although the sender never saw a 200 (a request cut off by a kill): it must still net at
                // most once, because the sender retried it under the same transaction ID.
                boolean once = e.getValue().values().stream().filter(v -> v != 0).toList().equals(List.of(1));
                if (!once) {
                    extra++;
                    if (faults++ < 20) {
                        out.println("FAULT " + e.getKey() + ": not acknowledged, nets " + e.getValue());
                    }
                }
            }
        }
        out.printf("attribution check (prefix '%s'): accepted %d, attributed exactly once at the expected customer "
                + "%d, missing %d, wrong or more than once %d, unacknowledged but not once %d, transaction IDs on "
                + "usage-resolved %d%n", prefix, expected.size(), exact, missing, wrong, extra, net.size());
        return faults == 0;
    }
}
