package io.meterflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.config.StreamsAppConfig;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageKind;
import io.meterflow.topics.Topics;
import io.meterflow.config.Settings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as a user runs it: the packaged jar in a child process. It becomes ready, the demo (a second child,
 * driving the running launcher) prints figures that match the topics, and after a stop and a start on the same data
 * folder the state is still there: a parked event from before the restart is replayed when its alias is attached.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class StandaloneIT {

    private static final Pattern READY = Pattern.compile("Meterflow ready: http=(\\S+) kafka=(\\S+) data=(.+)");
    private static final Pattern RUN = Pattern.compile("Meterflow demo \\(run (\\w+)\\)");
    private static final Pattern FIGURE = Pattern.compile("^ {2}(\\S.*?)\\s{2,}(-?\\d+)$");

    @TempDir
    Path dataDir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (Process process : processes) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void demoFiguresMatchTheTopicsAndStateSurvivesARestart() throws Exception {
        Launched first = launch("run", "--data-dir", dataDir.toString(), "--http-port", "0", "--kafka-port", "0");
        assertThat(first.dataDir()).isEqualTo(dataDir.toAbsolutePath().normalize().toString());

        Process demo = start("demo", "--bootstrap-servers", first.kafka(), "--http-url", first.http());
        List<String> demoOutput = readAll(demo, Duration.ofMinutes(4));
        assertThat(demo.exitValue()).as(String.join("\n", demoOutput)).isZero();
        String run = demoOutput.stream().map(RUN::matcher).filter(Matcher::find).map(m -> m.group(1))
                .findFirst().orElseThrow(() -> new AssertionError("no run id in " + demoOutput));
        Map<String, Long> printed = figures(demoOutput);

        Topics topics = topics();
        List<ResolvedUsage> resolved = read(first.kafka(), topics.usageResolved().name(),
                topics.usageResolved().valueSerde().deserializer()::deserialize, r -> r.getTransactionId().startsWith(run));
        List<Rejection> rejected = read(first.kafka(), topics.usageRejected().name(),
                topics.usageRejected().valueSerde().deserializer()::deserialize, r -> isFromRun(r, run));

        // What the demo printed is what the topics hold ...
        assertThat(printed.get("attributed (DIRECT)")).isEqualTo(count(resolved, UsageKind.ASSIGN, "DIRECT"));
        assertThat(printed.get("attributed (ALIAS)")).isEqualTo(count(resolved, UsageKind.ASSIGN, "ALIAS"));
        assertThat(printed.get("replayed (REPLAYED)")).isEqualTo(count(resolved, UsageKind.ASSIGN, "REPLAYED"));
        assertThat(printed.get("moved: re-assigned")).isEqualTo(count(resolved, UsageKind.ASSIGN, "REASSIGNED"));
        assertThat(printed.get("moved: retracted")).isEqualTo(resolved.stream().filter(r -> r.getKind() == UsageKind.RETRACT).count());
        long printedRejections = printed.entrySet().stream().filter(e -> e.getKey().startsWith("rejected ")).mapToLong(Map.Entry::getValue).sum();
        assertThat(printedRejections).isEqualTo(rejected.size());
        // ... and it is the story the demo tells: 65 events attributed when they arrived or replayed (20 by ID,
        // 30 by alias, 15 under an alias attached later; an event can be replayed instead of attributed live when it
        // overtakes its binding, so only the sum and the floor of replays are fixed), 10 moved, 5 bad, 3 duplicates.
        long live = printed.get("attributed (DIRECT)") + printed.get("attributed (ALIAS)");
        assertThat(live + printed.get("replayed (REPLAYED)")).isEqualTo(65);
        assertThat(printed.get("replayed (REPLAYED)")).isGreaterThanOrEqualTo(15);
        assertThat(printed).containsEntry("moved: retracted", 10L).containsEntry("moved: re-assigned", 10L)
                .containsEntry("duplicates dropped", 3L);
        assertThat(printedRejections).isEqualTo(5);
        assertThat(customerRows(demoOutput)).containsEntry("Acme Corp", List.of(50L, 10L, 40L))
                .containsEntry("Globex", List.of(10L, 0L, 10L)).containsEntry("Initech", List.of(15L, 0L, 15L));

        stop(first.process());

        String token = "standalone-it-token-" + UUID.randomUUID();
        Launched second = launch("run", "--data-dir", dataDir.toString(), "--http-port", "0", "--kafka-port", "0",
                "--api-token", token);
        String hooli = UUID.randomUUID().toString();
        try (KafkaProducer<String, CustomerChange> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, second.kafka()), new StringSerializer(),
                topics.customerChanges().valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topics.customerChanges().name(), hooli, CustomerChange.newBuilder()
                    .setChangeId(UUID.randomUUID().toString()).setCustomerId(hooli).setOccurredAt(Instant.now())
                    .setPayload(CustomerCreated.newBuilder().setName("Hooli").setIngestAliases(List.of("hooli-" + run)).build())
                    .build())).get();
        }
        List<ResolvedUsage> replayed = awaitRecords(second.kafka(), topics, 5,
                r -> r.getCustomerId().equals(hooli) && r.getTransactionId().startsWith(run + "-hooli-"));
        assertThat(replayed).hasSize(5).allSatisfy(r -> {
            assertThat(r.getKind()).isEqualTo(UsageKind.ASSIGN);
            assertThat(r.getResolution().name()).isEqualTo("REPLAYED");
            assertThat(r.getIdentifier()).isEqualTo("hooli-" + run);
        });
        // The launcher serves both APIs on its one port: the customer from alias-sync, the search from ingest-stream
        // with the customer's name composed in-process.
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> customer = client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(second.http() + "/v1/customers/" + hooli)).header("Authorization", "Bearer " + token)
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(customer.statusCode()).as(customer.body()).isEqualTo(200);
        assertThat(customer.body()).contains("\"name\":\"Hooli\"", "hooli-" + run);
        java.net.http.HttpResponse<String> search = client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(second.http() + "/v1/events/search")).header("Authorization", "Bearer " + token)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"transactionIds\":[\""
                        + replayed.get(0).getTransactionId() + "\"]}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
        assertThat(search.body()).contains("\"status\":\"attributed\"", "\"name\":\"Hooli\"");
        stop(second.process());
    }

    private static boolean isFromRun(Rejection rejection, String run) {
        if (rejection.getTransactionId() != null) {
            return rejection.getTransactionId().startsWith(run);
        }
        return rejection.getOriginalKey() != null
                && StandardCharsets.UTF_8.decode(rejection.getOriginalKey().duplicate()).toString().contains(run);
    }

    private static long count(List<ResolvedUsage> records, UsageKind kind, String resolution) {
        return records.stream().filter(r -> r.getKind() == kind && r.getResolution().name().equals(resolution)).count();
    }

    /** The per-customer table: name → [assign, retract, net]. */
    private static Map<String, List<Long>> customerRows(List<String> output) {
        Pattern row = Pattern.compile("^ {2}(\\S.*?)\\s+(\\d+)\\s+(\\d+)\\s+(-?\\d+)\\s+(-?\\d+)$");
        Map<String, List<Long>> rows = new HashMap<>();
        for (String line : output) {
            if (line.startsWith("Outcomes")) {
                break;
            }
            Matcher m = row.matcher(line);
            if (m.matches()) {
                rows.put(m.group(1).strip(), List.of(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                        Long.parseLong(m.group(4))));
            }
        }
        return rows;
    }

    private static Map<String, Long> figures(List<String> output) {
        Map<String, Long> figures = new HashMap<>();
        boolean inOutcomes = false;
        for (String line : output) {
            if (line.startsWith("Outcomes")) {
                inOutcomes = true;
                continue;
            }
            Matcher m = FIGURE.matcher(line);
            if (inOutcomes && m.matches()) {
                figures.put(m.group(1).strip(), Long.parseLong(m.group(2)));
            }
        }
        assertThat(figures).as("outcome figures in the demo's output").isNotEmpty();
        return figures;
    }

    private static Topics topics() {
        StreamsAppConfig config = StreamsAppConfig.from(Settings.of(Map.of()), "standalone-it");
        return Topics.create(config.topicNames(), config.serdeConfig());
    }

    private interface Reader<V> {
        V read(String topic, byte[] bytes);
    }

    /** Everything committed on {@code topic} so far: reads every partition up to its end (the last stable offset). */
    private static <V> List<V> read(String bootstrap, String topic, Reader<V> reader, Predicate<V> filter) {
        List<V> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                assertThat(System.nanoTime()).as("read %s to its end within 60 s", topic).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    V value = reader.read(topic, record.value());
                    if (value != null && filter.test(value)) {
                        out.add(value);
                    }
                }
            }
        }
        return out;
    }

    private static List<ResolvedUsage> awaitRecords(String bootstrap, Topics topics, int expected, Predicate<ResolvedUsage> filter) {
        List<ResolvedUsage> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            consumer.subscribe(List.of(topics.usageResolved().name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    ResolvedUsage usage = topics.usageResolved().valueSerde().deserializer().deserialize(record.topic(), record.value());
                    if (filter.test(usage)) {
                        out.add(usage);
                    }
                }
            }
            // Anything beyond the expected records would be a duplicate replay: give it a moment to show up.
            consumer.poll(Duration.ofSeconds(2)).forEach(record -> {
                ResolvedUsage usage = topics.usageResolved().valueSerde().deserializer().deserialize(record.topic(), record.value());
                if (filter.test(usage)) {
                    out.add(usage);
                }
            });
        }
        return out;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "standalone-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    // ---- child processes ------------------------------------------------------------------------------------------

    private record Launched(Process process, String http, String kafka, String dataDir) {
    }

    private Launched launch(String... args) throws Exception {
        Process process = start(args);
        List<String> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Matcher> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    seen.add(line);
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        ready.complete(m);
                    }
                }
                ready.completeExceptionally(new AssertionError("launcher exited before ready: " + seen));
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
        }, "launcher-stdout");
        reader.setDaemon(true);
        reader.start();
        Matcher m = ready.get(4, TimeUnit.MINUTES);
        return new Launched(process, m.group(1), m.group(2), m.group(3).strip());
    }

    private Process start(String... args) throws IOException {
        String jar = System.getProperty("meterflow.standalone.jar");
        assertThat(jar).as("system property meterflow.standalone.jar (set by the Failsafe configuration)").isNotNull();
        assertThat(Path.of(jar)).exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(dataDir.getParent(), "launcher-", ".log");
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        processes.add(process);
        return process;
    }

    private static List<String> readAll(Process process, Duration timeout) throws Exception {
        CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                return reader.lines().toList();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        List<String> out = lines.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("launcher stops on SIGTERM").isTrue();
    }
}
