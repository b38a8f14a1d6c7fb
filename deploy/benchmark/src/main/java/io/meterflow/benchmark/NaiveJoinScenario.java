package io.meterflow.benchmark;

import io.meterflow.config.Settings;
import io.meterflow.config.StreamsAppConfig;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.runtime.TopicProvisioner.TopicSpec;
import io.meterflow.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The naive peer: usage re-keyed by the identifier it was sent under and joined with a KTable of alias-bindings
 * holding the bindings of the customers as created ({@link PeerTopologies#naiveJoin}). Usage under an alias unknown
 * when it is joined is dropped, duplicates are counted twice and nothing moves later: timed until every record it
 * will join is visible (then 3 s more, untimed, so that an excess would be seen), and the count check is that it
 * dropped exactly the records under the late aliases.
 */
final class NaiveJoinScenario {

    static final String NAME = "naive-join";

    private final ScenarioContext context;

    NaiveJoinScenario(ScenarioContext context) {
        this.context = context;
    }

    ScenarioResult run(int round) throws InterruptedException {
        Workload workload = context.workload;
        Workload.Expected expected = context.expected;
        context.out.printf("%n[round %d] naive join: usage re-keyed by identifier, joined with a KTable of"
                + " alias-bindings%n", round);
        String prefix = context.prefix(NAME, round);
        StreamsAppConfig config = StreamsAppConfig.from(Settings.of(context.scenarioSettings(prefix, prefix + "app")),
                "x");
        Topics topics = Topics.create(config.topicNames(), config.serdeConfig());
        context.ensureTopics(List.of(TopicSpec.log(topics.usageEvents().name()),
                TopicSpec.log(topics.usageResolved().name()), TopicSpec.compacted(topics.aliasBindings().name())));
        // The bindings alias-sync would publish for the customers as created: each customer's ID and its alias.
        int bindings = 0;
        try (KafkaProducer<byte[], byte[]> producer = context.kafka.plain()) {
            Serializer<AliasBinding> serializer = topics.aliasBindings().valueSerde().serializer();
            String topic = topics.aliasBindings().name();
            for (int k = 0; k < workload.customers(); k++) {
                for (boolean own : new boolean[] {true, false}) {
                    String identifier = own ? workload.customerId(k) : workload.alias(k);
                    AliasBinding binding = AliasBinding.newBuilder().setAlias(identifier)
                            .setCustomerId(workload.customerId(k)).setIsCustomerId(own).setArchived(false)
                            .setChangeId("bench").setUpdatedAt(java.time.Instant.now()).build();
                    producer.send(new ProducerRecord<>(topic, identifier.getBytes(StandardCharsets.UTF_8),
                            serializer.serialize(topic, binding)));
                    bindings++;
                }
            }
            producer.flush();
        }
        context.memory.reset();
        try (KafkaStreams streams = new KafkaStreams(PeerTopologies.naiveJoin(topics), config.streamsProperties())) {
            streams.start();
            ScenarioContext.awaitRunning(streams, NAME);
            int expectedBindings = bindings;
            ScenarioContext.await(() -> storeSize(streams) >= expectedBindings, Duration.ofMinutes(1),
                    "the naive join's bindings table");
            streams.pause();
            context.loadUsage(topics, NAME + " " + round);
            long expectedOutputs = expected.records() - expected.lateRecords();
            try (KafkaConsumer<byte[], byte[]> reader =
                         context.kafka.committedReader(List.of(topics.usageResolved().name()))) {
                CpuClock cpu = new CpuClock(config.applicationId());
                long started = System.nanoTime();
                streams.resume();
                long count = 0;
                long lastAt = started;
                long deadline = started + context.processingTimeout().toNanos();
                // Until the expected count, then 3 s more so that an excess would be seen; or 15 s without output.
                while (System.nanoTime() < deadline) {
                    int n = reader.poll(Duration.ofMillis(50)).count();
                    long now = System.nanoTime();
                    if (n > 0) {
                        count += n;
                        lastAt = now;
                        cpu.mark();
                    }
                    if (count >= expectedOutputs && n == 0 && now - lastAt > 3_000_000_000L) {
                        break;
                    }
                    if (now - lastAt > 15_000_000_000L) {
                        break;
                    }
                    context.progress(NAME, count, expectedOutputs, started);
                }
                cpu.finish();
                double seconds = (lastAt - started) / 1e9;
                long dropped = expected.records() - count;
                boolean passed = dropped == expected.lateRecords();
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("dropped", dropped);
                details.put("records_under_unknown_aliases", expected.lateRecords());
                details.put("duplicates_passed_through", expected.duplicates());
                details.put("peak_heap_used_bytes", context.memory.peakUsed());
                cpu.report(expected.records(), details);
                return new ScenarioResult(NAME, round, expected.records(), count, seconds,
                        context.loadRate(NAME + " " + round), passed,
                        "joined " + count + ", dropped " + dropped + " (records under aliases unknown when joined: "
                                + expected.lateRecords() + "); its " + expected.duplicates()
                                + " duplicates were counted twice", details);
            }
        }
    }

    private static long storeSize(KafkaStreams streams) {
        try {
            ReadOnlyKeyValueStore<String, AliasBinding> store = streams.store(StoreQueryParameters.fromNameAndType(
                    PeerTopologies.NAIVE_BINDINGS_STORE, QueryableStoreTypes.keyValueStore()));
            long n = 0;
            try (KeyValueIterator<String, AliasBinding> all = store.all()) {
                while (all.hasNext()) {
                    all.next();
                    n++;
                }
            }
            return n;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
