package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageAggregate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of ingest-stream share the work; one runs in a child JVM and is killed without any shutdown
 * (SIGKILL) while usage, replays and moves are in flight, then restarted on the same state directory. A consumer
 * reading usage-resolved read_committed must see each transaction ID's net attribution exactly once, for the right
 * customer, with nothing missing.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ExactlyOnceCrashIT {

    static final int EVENTS = 4000;
    static final String CALLS = "eos-calls";
    static final String A = "c0a8e3b2-0000-4000-8000-00000000000a";
    static final String B = "c0a8e3b2-0000-4000-8000-00000000000b";
    static final String C = "c0a8e3b2-0000-4000-8000-00000000000c";
    static final String P = "c0a8e3b2-0000-4000-8000-00000000000d";
    /** identifier → the customer its usage must finally count for. */
    static final Map<String, String> FINAL_OWNER = Map.of("key-a", A, C, C, "key-parked", P, "key-moved", B);
    static final List<String> IDENTIFIERS = List.of("key-a", C, "key-parked", "key-moved");

    @TempDir
    Path tmp;

    @Test
    void eachTransactionsNetAttributionAppearsOnceAcrossAHardKilledInstance(KafkaCluster kafka) throws Exception {
        Process child = null;
        Path logs = Path.of("target", "crash-test-logs"); // the child's output, kept for a failure's post-mortem
        try (IntegrationSupport it = new IntegrationSupport(kafka);
             IngestApp survivor = new IngestApp(it.config(tmp.resolve("state-survivor")), new SimpleMeterRegistry())) {
            Map<String, String> childSettings = it.settings(tmp.resolve("state-crashing"));
            survivor.start(); // creates the topics (4 partitions) before the child looks for them
            IntegrationSupport.awaitRunning(survivor);
            it.define(AggregationSupport.metric(CALLS, io.meterflow.schemas.AggregationType.COUNT, null, List.of())
                    .build());
            IntegrationSupport.Reader<ResolvedUsage> resolved = it.resolvedReader();
            child = launch(childSettings, logs.resolve("child-1.log"));
            awaitMembers(kafka, it.applicationId, 2);

            it.bind("key-a", A, false);
            it.bind(C, C, true);
            it.bind("key-moved", A, false);
            it.flush();

            int sent = 0;
            for (; sent < EVENTS / 2; sent++) {
                send(it, sent);
            }
            it.flush();
            IntegrationSupport.await("usage flowing through both instances", Duration.ofSeconds(45),
                    () -> resolved.poll(Duration.ofMillis(100)).size() >= EVENTS / 8);

            it.release("key-moved");
            it.bind("key-moved", B, false);
            it.bind("key-parked", P, false);
            for (; sent < EVENTS * 3 / 4; sent++) {
                send(it, sent);
            }
            it.flush();

            child.destroyForcibly(); // SIGKILL: no commit, no close, no checkpoint
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            for (; sent < EVENTS; sent++) {
                send(it, sent);
            }
            it.flush();
            child = launch(childSettings, logs.resolve("child-2.log"));

            NetAttribution net = new NetAttribution();
            int[] seen = {0};
            IntegrationSupport.await("every transaction's net attribution", Duration.ofSeconds(75), () -> {
                List<ConsumerRecord<String, ResolvedUsage>> all = resolved.poll(Duration.ofMillis(200));
                for (; seen[0] < all.size(); seen[0]++) {
                    net.add(all.get(seen[0]).key(), all.get(seen[0]).value());
                }
                return mismatches(net).isEmpty();
            });
            // Stable: nothing more arrives that would double-count or undo an attribution.
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < until) {
                List<ConsumerRecord<String, ResolvedUsage>> all = resolved.poll(Duration.ofMillis(200));
                for (; seen[0] < all.size(); seen[0]++) {
                    net.add(all.get(seen[0]).key(), all.get(seen[0]).value());
                }
            }
            assertThat(mismatches(net)).isEmpty();
            assertThat(net.all()).hasSize(EVENTS);
            assertThat(child.isAlive()).as("restarted instance still running").isTrue();
            resolved.close();

            // The aggregation across the crash: the last value of each hour on usage-aggregates, summed per customer,
            // is each customer's net attributed usage — no event folded twice, none lost.
            try (IntegrationSupport.Reader<UsageAggregate> aggregates = it.reader(it.names.usageAggregates(),
                    it.topics.usageAggregates().valueSerde().deserializer())) {
                Map<String, Long> expected = new HashMap<>();
                FINAL_OWNER.values().forEach(customer -> expected.put(customer, (long) EVENTS / IDENTIFIERS.size()));
                // Quiet for 3 s: the aggregation has caught up (a running total passes through the right value).
                long[] quiet = {0, System.nanoTime()};
                IntegrationSupport.await("the aggregates of every customer, settled", Duration.ofSeconds(60), () -> {
                    int size = aggregates.poll(Duration.ofMillis(200)).size();
                    if (size != quiet[0]) {
                        quiet[0] = size;
                        quiet[1] = System.nanoTime();
                    }
                    return System.nanoTime() - quiet[1] > Duration.ofSeconds(3).toNanos()
                            && totals(aggregates.records).equals(expected);
                });
                assertThat(totals(aggregates.poll(Duration.ofMillis(500)))).isEqualTo(expected);
            }
        } finally {
            if (child != null && child.isAlive()) {
                child.destroy();
                if (!child.waitFor(20, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            }
        }
    }

    /** Per customer, the sum over hours of the last published COUNT total. */
    private static Map<String, Long> totals(List<ConsumerRecord<String, UsageAggregate>> records) {
        Map<List<Object>, UsageAggregate> last = new HashMap<>();
        for (ConsumerRecord<String, UsageAggregate> r : records) {
            UsageAggregate a = r.value();
            if (a != null && a.getGroup().isEmpty() && a.getBillableMetricId().equals(CALLS)) {
                last.put(List.of(a.getCustomerId(), a.getWindowStart()), a);
            }
        }
        Map<String, Long> totals = new HashMap<>();
        last.values().forEach(a -> totals.merge(a.getCustomerId(), Long.parseLong(a.getValue()), Long::sum));
        totals.values().removeIf(v -> v == 0);
        return totals;
    }

    private static String identifierOf(int i) {
        return IDENTIFIERS.get(i % IDENTIFIERS.size());
    }

    private static void send(IntegrationSupport it, int i) {
        String txn = "eos-" + i;
        String identifier = identifierOf(i);
        // Half keyed by transaction ID, half by identifier (rerouted through the repartition topic).
        it.sendUsage((i / IDENTIFIERS.size()) % 2 == 0 ? txn : identifier, it.event(txn, identifier));
    }

    private static List<String> mismatches(NetAttribution net) {
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            String expected = FINAL_OWNER.get(identifierOf(i));
            String actual = net.customerOf("eos-" + i);
            if (!expected.equals(actual)) {
                wrong.add("eos-" + i + ": " + actual);
            }
        }
        return wrong;
    }

    /** Starts an instance in its own JVM, as IngestMain runs in production. */
    private static Process launch(Map<String, String> settings, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(IngestMain.class.getName());
        settings.forEach((key, value) -> {
            command.add("--set");
            command.add(key + "=" + value);
        });
        Files.createDirectories(log.getParent());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitMembers(KafkaCluster kafka, String group, int members) throws InterruptedException {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", kafka.bootstrapServers());
        try (Admin admin = Admin.create(config)) {
            IntegrationSupport.await(members + " instances in the group", Duration.ofSeconds(60), () -> {
                try {
                    ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                            .describedGroups().get(group).get(10, TimeUnit.SECONDS);
                    return description.members().size() == members
                            && description.groupState() == org.apache.kafka.common.GroupState.STABLE;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }
}
