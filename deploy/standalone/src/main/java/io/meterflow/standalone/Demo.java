package io.meterflow.standalone;

import static io.meterflow.aliassync.CustomerChanges.created;
import static io.meterflow.aliassync.CustomerChanges.ingestAliasesSet;

import io.meterflow.config.StreamsAppConfig;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.UsageKind;
import io.meterflow.topics.Topic;
import io.meterflow.topics.Topics;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The demo: a short story told through the real topics — customers, usage under an ID, an alias, an alias nobody
 * has yet (parked), that alias attached (replayed), an alias moved to another customer (re-attributed), a duplicate,
 * malformed events — and then what the pipeline produced, read back from its output topics and its metrics: never
 * what the demo meant to happen.
 *
 * <p>Every identifier carries a run tag so that demos can be repeated on the same data folder. One alias
 * ({@code hooli-<run>}) is left unattached on purpose: its usage stays parked, to be replayed whenever someone
 * attaches it (the restart test does).
 */
final class Demo {

    private static final Duration SETTLE = Duration.ofSeconds(3);
    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(90);

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String bootstrapServers;
    private final Topics topics;
    private final PipelineFigures figures;
    private final PrintStream out;

    private final Map<String, String> customerNames = new LinkedHashMap<>();
    private final List<ConsumerRecord<String, ResolvedUsage>> resolved = new ArrayList<>();
    private final List<ConsumerRecord<String, Rejection>> rejected = new ArrayList<>();

    Demo(String bootstrapServers, Topics topics, PipelineFigures figures, PrintStream out) {
        this.bootstrapServers = bootstrapServers;
        this.topics = topics;
        this.figures = figures;
        this.out = out;
    }

    /** Plays the demo against the pipeline running in this process. */
    static int run(Standalone standalone, PrintStream out) {
        StreamsAppConfig config = StreamsAppConfig.from(standalone.appSettings(Standalone.INGEST_STREAM), "meterflow-demo");
        Topics topics = Topics.create(config.topicNames(), config.serdeConfig());
        return new Demo(standalone.bootstrapServers(), topics, PipelineFigures.of(standalone.meterRegistry()), out).play();
    }

    /** Plays the demo against a pipeline running elsewhere; its metrics are read from {@code metricsUrl}. */
    static int runAgainst(StandaloneOptions options, String metricsUrl, PrintStream out) {
        StreamsAppConfig config = StreamsAppConfig.from(options.settings(), "meterflow-demo");
        Topics topics = Topics.create(config.topicNames(), config.serdeConfig());
        return new Demo(options.externalKafka(), topics, PipelineFigures.scraping(metricsUrl), out).play();
    }

    int play() {
        out.println();
        out.println("Meterflow demo (run " + run + ")");
        double duplicatesBefore = figures.duplicates();
        String acme = UUID.randomUUID().toString();
        String globex = UUID.randomUUID().toString();
        String initech = UUID.randomUUID().toString();
        String acmeAlias = "acme-" + run;
        String opsAlias = "ops-" + run + "@acme.example";
        String globexAlias = "globex-" + run;
        String initechAlias = "initech-" + run;
        String hooliAlias = "hooli-" + run;

        try (KafkaProducer<byte[], byte[]> producer = producer();
             KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(topics.usageResolved().name(), topics.usageRejected().name(),
                    topics.aliasBindings().name()));
            Map<String, AliasBinding> bindings = new HashMap<>();

            step("1. Create Acme (aliases " + acmeAlias + ", " + opsAlias + ") and Globex (alias " + globexAlias + ")");
            send(producer, topics.customerChanges(), acme, created(acme, "Acme Corp", List.of(acmeAlias, opsAlias)));
            send(producer, topics.customerChanges(), globex, created(globex, "Globex", List.of(globexAlias)));
            customerNames.put(acme, "Acme Corp");
            customerNames.put(globex, "Globex");
            awaitUntil(consumer, bindings, () -> bindings.containsKey(acmeAlias) && bindings.containsKey(opsAlias)
                    && bindings.containsKey(globexAlias));

            step("2. Send usage: 20 under Acme's ID, 20 under " + acmeAlias + ", 10 under " + opsAlias
                    + ", 15 under " + initechAlias + " and 5 under " + hooliAlias + " (no customer has those two)");
            List<UsageEvent> usage = new ArrayList<>();
            usage.addAll(events(acme, "direct", 20));
            usage.addAll(events(acmeAlias, "alias", 20));
            usage.addAll(events(opsAlias, "ops", 10));
            usage.addAll(events(initechAlias, "initech", 15));
            usage.addAll(events(hooliAlias, "hooli", 5));
            sendWithProgress(producer, usage);
            int sent = usage.size();
            awaitUntil(consumer, bindings, () -> resolvedCount(r -> r.getKind() == UsageKind.ASSIGN) >= 50);

            step("3. Create Initech with alias " + initechAlias + ": its parked usage is replayed");
            send(producer, topics.customerChanges(), initech, created(initech, "Initech", List.of(initechAlias)));
            customerNames.put(initech, "Initech");
            awaitUntil(consumer, bindings, () -> resolvedCount(r -> r.getCustomerId().equals(initech)) >= 15);

            step("4. Move " + opsAlias + " from Acme to Globex: its usage moves with it");
            send(producer, topics.customerChanges(), acme, ingestAliasesSet(acme, List.of(acmeAlias)));
            awaitUntil(consumer, bindings, () -> !bindings.containsKey(opsAlias));
            send(producer, topics.customerChanges(), globex, ingestAliasesSet(globex, List.of(globexAlias, opsAlias)));
            awaitUntil(consumer, bindings, () -> resolvedCount(r -> r.getKind() == UsageKind.RETRACT) >= 10);

            step("5. Send 3 duplicates of earlier events and 5 malformed events");
            List<UsageEvent> duplicates = usage.subList(0, 3);
            for (UsageEvent event : duplicates) {
                send(producer, topics.usageEvents(), event.getTransactionId(), event);
            }
            producer.send(new ProducerRecord<>(topics.usageEvents().name(), bytes("garbage-" + run),
                    "this is not Avro".getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(topics.usageEvents().name(), bytes("garbage2-" + run), new byte[] {0, 0, 0}));
            UsageEvent noCustomer = event(null, "bad-missing", 0, Instant.now());
            UsageEvent tooOld = event(acme, "bad-old", 0, Instant.now().minus(Duration.ofDays(40)));
            UsageEvent future = event(acme, "bad-future", 0, Instant.now().plus(Duration.ofDays(3)));
            for (UsageEvent bad : List.of(noCustomer, tooOld, future)) {
                send(producer, topics.usageEvents(), bad.getTransactionId(), bad);
            }
            producer.flush();
            sent += duplicates.size() + 5;
            awaitUntil(consumer, bindings, () -> rejected.size() >= 5);
            settle(consumer, bindings);
            report(sent, figures.duplicates() - duplicatesBefore, hooliAlias);
            return 0;
        } catch (DemoTimeout e) {
            out.println();
            out.println("The pipeline did not produce the expected output within " + PHASE_TIMEOUT.toSeconds()
                    + " s (" + e.getMessage() + "). What it produced so far:");
            report(0, figures.duplicates() - duplicatesBefore, hooliAlias);
            return 1;
        }
    }

    private void report(int sent, double duplicates, String parkedAlias) {
        out.println();
        out.println("Attributed usage per customer (from usage-resolved: ASSIGN minus RETRACT)");
        out.printf("  %-12s %8s %8s %8s %10s%n", "customer", "assign", "retract", "net", "tokens");
        Map<String, long[]> perCustomer = new TreeMap<>();
        for (ConsumerRecord<String, ResolvedUsage> record : resolved) {
            ResolvedUsage usage = record.value();
            long[] row = perCustomer.computeIfAbsent(usage.getCustomerId(), c -> new long[3]);
            long tokens = tokens(usage);
            if (usage.getKind() == UsageKind.ASSIGN) {
                row[0]++;
                row[2] += tokens;
            } else {
                row[1]++;
                row[2] -= tokens;
            }
        }
        perCustomer.forEach((customer, row) -> out.printf("  %-12s %8d %8d %8d %10d%n",
                customerNames.getOrDefault(customer, customer.substring(0, 8)), row[0], row[1], row[0] - row[1], row[2]));

        Map<String, Long> outcomes = new LinkedHashMap<>();
        outcomes.put("attributed (DIRECT)", resolvedCount(r -> r.getKind() == UsageKind.ASSIGN && r.getResolution().name().equals("DIRECT")));
        outcomes.put("attributed (ALIAS)", resolvedCount(r -> r.getKind() == UsageKind.ASSIGN && r.getResolution().name().equals("ALIAS")));
        outcomes.put("replayed (REPLAYED)", resolvedCount(r -> r.getKind() == UsageKind.ASSIGN && r.getResolution().name().equals("REPLAYED")));
        outcomes.put("moved: retracted", resolvedCount(r -> r.getKind() == UsageKind.RETRACT));
        outcomes.put("moved: re-assigned", resolvedCount(r -> r.getKind() == UsageKind.ASSIGN && r.getResolution().name().equals("REASSIGNED")));
        Map<String, Long> reasons = new TreeMap<>();
        rejected.forEach(r -> reasons.merge(r.value().getReason(), 1L, Long::sum));
        reasons.forEach((reason, count) -> outcomes.put("rejected " + reason, count));
        outcomes.put("duplicates dropped", Math.round(duplicates));
        outcomes.put("parked now (all runs)", Math.round(figures.pending()));
        out.println();
        out.println("Outcomes (from usage-resolved, usage-rejected and the ingest-stream metrics)");
        outcomes.forEach((name, count) -> out.printf("  %-40s %6d%n", name, count));
        if (sent > 0) {
            out.printf("  %-40s %6d%n", "events sent by the demo", sent);
        }
        out.println();
        out.println("Usage under " + parkedAlias + " stays parked until a customer claims that alias; it is then replayed.");
        out.println();
    }

    private static long tokens(ResolvedUsage usage) {
        JsonValue value = usage.getProperties().get("tokens");
        return value != null && value.getValue() instanceof JsonNumber n ? Long.parseLong(n.getText()) : 0;
    }

    private long resolvedCount(Predicate<ResolvedUsage> filter) {
        return resolved.stream().map(ConsumerRecord::value).filter(filter).count();
    }

    private void step(String text) {
        out.println(text);
    }

    // ---- Kafka plumbing -------------------------------------------------------------------------------------------

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "meterflow-demo-" + run,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    }

    private <V> void send(KafkaProducer<byte[], byte[]> producer, Topic<String, V> topic, String key, V value) {
        Serializer<V> serializer = topic.valueSerde().serializer();
        producer.send(new ProducerRecord<>(topic.name(), bytes(key), serializer.serialize(topic.name(), value)));
        producer.flush();
    }

    private void sendWithProgress(KafkaProducer<byte[], byte[]> producer, List<UsageEvent> events) {
        Serializer<UsageEvent> serializer = topics.usageEvents().valueSerde().serializer();
        int width = 30;
        for (int i = 0; i < events.size(); i++) {
            UsageEvent event = events.get(i);
            producer.send(new ProducerRecord<>(topics.usageEvents().name(), bytes(event.getTransactionId()),
                    serializer.serialize(topics.usageEvents().name(), event)));
            int done = (i + 1) * width / events.size();
            out.print("\r   [" + "#".repeat(done) + " ".repeat(width - done) + "] " + (i + 1) + "/" + events.size() + " events");
            out.flush();
            // Paced so the bar is visible; the pipeline itself is not waited for here.
            sleep(15);
        }
        producer.flush();
        out.println();
    }

    /** Polls the outputs until {@code done} holds (our run's records only), or fails after the phase timeout. */
    private void awaitUntil(KafkaConsumer<byte[], byte[]> consumer, Map<String, AliasBinding> bindings,
                            java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + PHASE_TIMEOUT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new DemoTimeout("still waiting after resolved=" + resolved.size() + ", rejected=" + rejected.size());
            }
            poll(consumer, bindings, Duration.ofMillis(200));
        }
    }

    /** Keeps reading until nothing new has arrived for a few seconds, so late records are counted too. */
    private void settle(KafkaConsumer<byte[], byte[]> consumer, Map<String, AliasBinding> bindings) {
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < SETTLE.toNanos()) {
            if (poll(consumer, bindings, Duration.ofMillis(250)) > 0) {
                quietSince = System.nanoTime();
            }
        }
    }

    private int poll(KafkaConsumer<byte[], byte[]> consumer, Map<String, AliasBinding> bindings, Duration timeout) {
        Deserializer<ResolvedUsage> usageReader = topics.usageResolved().valueSerde().deserializer();
        Deserializer<Rejection> rejectionReader = topics.usageRejected().valueSerde().deserializer();
        Deserializer<AliasBinding> bindingReader = topics.aliasBindings().valueSerde().deserializer();
        int mine = 0;
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
            if (record.topic().equals(topics.usageResolved().name())) {
                ResolvedUsage usage = usageReader.deserialize(record.topic(), record.value());
                if (usage.getTransactionId().startsWith(run)) {
                    resolved.add(copy(record, key, usage));
                    mine++;
                }
            } else if (record.topic().equals(topics.usageRejected().name())) {
                Rejection rejection = rejectionReader.deserialize(record.topic(), record.value());
                if (isMine(rejection, key)) {
                    rejected.add(copy(record, key, rejection));
                    mine++;
                }
            } else if (key != null && key.contains(run)) {
                AliasBinding binding = bindingReader.deserialize(record.topic(), record.value());
                if (binding == null) {
                    bindings.remove(key);
                } else {
                    bindings.put(key, binding);
                }
            }
        }
        return mine;
    }

    private boolean isMine(Rejection rejection, String key) {
        if (rejection.getTransactionId() != null) {
            return rejection.getTransactionId().startsWith(run);
        }
        return key != null && key.contains(run) || rejection.getOriginalKey() != null
                && StandardCharsets.UTF_8.decode(rejection.getOriginalKey().duplicate()).toString().contains(run);
    }

    private static <V> ConsumerRecord<String, V> copy(ConsumerRecord<byte[], byte[]> record, String key, V value) {
        return new ConsumerRecord<>(record.topic(), record.partition(), record.offset(), key, value);
    }

    // ---- the story's records --------------------------------------------------------------------------------------

    private List<UsageEvent> events(String identifier, String label, int count) {
        List<UsageEvent> events = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            events.add(event(identifier, label + "-" + i, 100 + i, Instant.now().minus(Duration.ofMinutes(count - i))));
        }
        return events;
    }

    private UsageEvent event(String identifier, String label, int tokens, Instant at) {
        Map<String, JsonValue> properties = new LinkedHashMap<>();
        properties.put("tokens", new JsonValue(new JsonNumber(Integer.toString(tokens))));
        properties.put("model", new JsonValue("demo-1"));
        return UsageEvent.newBuilder()
                .setTransactionId(run + "-" + label)
                .setCustomerId(identifier)
                .setEventType("api_call")
                .setTimestamp(at.toString())
                .setProperties(properties)
                .build();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class DemoTimeout extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DemoTimeout(String message) {
            super(message);
        }
    }
}
