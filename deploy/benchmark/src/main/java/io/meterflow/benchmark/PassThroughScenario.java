package io.meterflow.benchmark;

import io.meterflow.config.Settings;
import io.meterflow.config.StreamsAppConfig;
import io.meterflow.runtime.TopicProvisioner.TopicSpec;
import io.meterflow.topics.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The limit: usage-events deserialized with the same Confluent-framed Avro serde Meterflow uses and copied to an
 * output topic, nothing else ({@link PeerTopologies#passThrough}). Timed from {@code resume()} until a read_committed
 * consumer of the copy has seen every input record; the count check is output records = input records.
 */
final class PassThroughScenario {

    static final String NAME = "pass-through";

    private final ScenarioContext context;

    PassThroughScenario(ScenarioContext context) {
        this.context = context;
    }

    ScenarioResult run(int round) throws InterruptedException {
        Workload.Expected expected = context.expected;
        context.out.printf("%n[round %d] pass-through: usage-events copied to an output topic%n", round);
        String prefix = context.prefix(NAME, round);
        StreamsAppConfig config = StreamsAppConfig.from(Settings.of(context.scenarioSettings(prefix, prefix + "app")),
                "x");
        Topics topics = Topics.create(config.topicNames(), config.serdeConfig());
        String output = topics.usageEvents().name() + "-copy";
        context.ensureTopics(List.of(TopicSpec.log(topics.usageEvents().name()), TopicSpec.log(output)));
        context.memory.reset();
        try (KafkaStreams streams = new KafkaStreams(PeerTopologies.passThrough(topics, output),
                config.streamsProperties())) {
            streams.start();
            ScenarioContext.awaitRunning(streams, NAME);
            streams.pause();
            context.loadUsage(topics, NAME + " " + round);
            try (KafkaConsumer<byte[], byte[]> reader = context.kafka.committedReader(List.of(output))) {
                CpuClock cpu = new CpuClock(config.applicationId());
                long started = System.nanoTime();
                streams.resume();
                long count = 0;
                long lastAt = started;
                long deadline = started + context.processingTimeout().toNanos();
                while (count < expected.records() && System.nanoTime() < deadline) {
                    int n = reader.poll(Duration.ofMillis(50)).count();
                    if (n > 0) {
                        count += n;
                        lastAt = System.nanoTime();
                        cpu.mark();
                    }
                    context.progress(NAME, count, expected.records(), started);
                }
                cpu.finish();
                double seconds = (lastAt - started) / 1e9;
                boolean passed = count == expected.records();
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("peak_heap_used_bytes", context.memory.peakUsed());
                cpu.report(expected.records(), details);
                return new ScenarioResult(NAME, round, expected.records(), count, seconds,
                        context.loadRate(NAME + " " + round), passed,
                        "copied " + count + " of " + expected.records() + " records", details);
            }
        }
    }
}
