package io.meterflow.ingest.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.http.HttpConfig;
import io.meterflow.http.HttpError;
import io.meterflow.http.HttpRequest;
import io.meterflow.http.HttpResponse;
import io.meterflow.http.HttpService;
import io.meterflow.http.Paging;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.aggregate.BackfillStatus;
import io.meterflow.ingest.billablemetrics.BillableMetricRules;
import io.meterflow.ingest.billablemetrics.BillableMetricsQuery;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.topics.Topic;
import io.meterflow.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * Metronome's billable metric calls, served by ingest-stream: {@code POST /v1/billable-metrics/create},
 * {@code GET /v1/billable-metrics/{billable_metric_id}}, {@code GET /v1/billable-metrics} (cursor pages, archived
 * metrics only with {@code include_archived}), {@code POST /v1/billable-metrics/archive}, and
 * {@code GET /v1/customers/{customer_id}/billable-metrics}.
 *
 * <p>Reads come from this instance's global store ({@link BillableMetricsQuery}): every instance holds every
 * definition, so nothing is forwarded. Writes go through Kafka, as the customer API's do: a definition is checked
 * ({@link BillableMetricJson}, {@link BillableMetricRules}; 400 naming the field, 413 over
 * {@value BillableMetricRules#MAX_RECORD_BYTES} bytes), published whole to billable-metrics (idempotent producer,
 * keyed by metric ID), and answered once this instance's global store holds it, so a 200 is read-your-writes here;
 * another instance sees it as soon as its global thread has read the record. The wait is bounded by
 * {@value #WRITE_TIMEOUT}; past it the answer is 503 with {@code Retry-After: 1}: the definition was published and
 * will still be applied (a create also says {@code x-should-retry: false}, as a retried create would create a second
 * metric).
 *
 * <p>Meterflow has no plans or contracts: every metric applies to every customer, so a customer's billable metrics
 * are all the metrics (archived ones with {@code include_archived}; {@code on_current_plan} changes nothing). The
 * customer must exist, as for alias-sync's customer calls: 404 otherwise, when the customers can be checked
 * ({@link CustomerNames#exists}).
 *
 * <p>Every answer that shows a metric (the create's, a retrieve, the lists' items) adds Meterflow's
 * {@value #COMPLETE_FROM}: the first UTC hour from which the metric's aggregates hold every event once its backfill has
 * finished ({@link #completeFrom}, the stream's own computation).
 */
public final class BillableMetricApi implements AutoCloseable {

    /** The same key, and meaning, as alias-sync's customer writes. */
    public static final String WRITE_TIMEOUT = HttpConfig.WRITE_TIMEOUT;
    public static final Duration DEFAULT_WRITE_TIMEOUT = HttpConfig.DEFAULT_WRITE_TIMEOUT;
    public static final int DEFAULT_PAGE = 25;
    public static final int MAX_PAGE = 100;
    /** The field of a metric's answers saying from which hour its aggregates are complete. */
    public static final String COMPLETE_FROM = "aggregates_complete_from";

    /** Publishes one record to billable-metrics and returns once Kafka has it; a 503 when it cannot. */
    @FunctionalInterface
    interface Publisher {
        void publish(String id, byte[] value);
    }

    private final Supplier<BillableMetricsQuery> definitions;
    private final Publisher publisher;
    private final Runnable resources;
    private final Topic<String, BillableMetric> topic;
    private final CustomerNames customers;
    private final Duration writeTimeout;
    private final IngestConfig config;

    /**
     * @param definitions the definitions this instance holds; throws a 503 {@link HttpError} when they cannot be
     *                    read now
     * @param resources   releases what the API holds (its producer), when it is closed
     * @param config      the horizons and skew the aggregation's complete-from hour is computed with
     */
    BillableMetricApi(Supplier<BillableMetricsQuery> definitions, Publisher publisher, Runnable resources,
            Topic<String, BillableMetric> topic, CustomerNames customers, Duration writeTimeout, IngestConfig config) {
        this.definitions = definitions;
        this.publisher = publisher;
        this.resources = resources;
        this.topic = topic;
        this.customers = customers;
        this.writeTimeout = writeTimeout;
        this.config = config;
    }

    /**
     * Adds the billable metric routes to {@code http}; close the returned API (its producer) when the app stops.
     *
     * @param customers    tells whether a customer exists, for a customer's billable metrics
     * @param writeTimeout how long a create or archive waits to be applied before answering 503
     */
    public static BillableMetricApi install(HttpService http, IngestApp app, CustomerNames customers,
            Duration writeTimeout) {
        IngestConfig config = app.config();
        Topic<String, BillableMetric> topic = Topics.create(config.streams().topicNames(),
                config.streams().serdeConfig()).billableMetrics();
        KafkaProducer<byte[], byte[]> producer = producer(config);
        return install(http, new BillableMetricApi(() -> query(app), (id, value) -> publish(producer, topic, id, value),
                () -> producer.close(Duration.ofSeconds(5)), topic, customers, writeTimeout, config));
    }

    /** Adds {@code api}'s routes to {@code http}. */
    static BillableMetricApi install(HttpService http, BillableMetricApi api) {
        http.route("POST", "/v1/billable-metrics/create", api::create);
        http.route("POST", "/v1/billable-metrics/archive", api::archive);
        http.route("GET", "/v1/billable-metrics", api::list);
        http.route("GET", "/v1/billable-metrics/{billable_metric_id}", api::retrieve);
        http.route("GET", "/v1/customers/{customer_id}/billable-metrics", api::listForCustomer);
        return api;
    }

    /** An idempotent producer (a retried send is not written twice), as the customer API's. */
    private static KafkaProducer<byte[], byte[]> producer(IngestConfig config) {
        // Records are serialized before sending, to be measured against MAX_RECORD_BYTES first.
        return new KafkaProducer<>(config.streams().apiProducerConfig("http-billable-metrics"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** How long a write waits to be applied before answering 503 ({@value #WRITE_TIMEOUT}). */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    // ---- writes ---------------------------------------------------------------------------------------------------

    private HttpResponse create(HttpRequest request) {
        String id = UUID.randomUUID().toString();
        BillableMetric metric = BillableMetricJson.read(request.json(), id, Instant.now());
        byte[] value = serialize(metric);
        query();
        publisher.publish(id, value);
        await(id, stored -> true, "billable metric " + id + " was published but is not readable here within "
                + writeTimeout.toMillis() + " ms; it will still be created: read GET /v1/billable-metrics/" + id
                + " before creating it again (a retried create would create a second metric)", false);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", id);
        data.put(COMPLETE_FROM, completeFrom(metric).toString());
        return HttpResponse.json(200, Map.of("data", data));
    }

    /**
     * The first UTC hour from which {@code metric}'s aggregates hold every event once its backfill has finished:
     * {@link BackfillStatus#completeFrom}, the stream's computation, from the time the current version of the metric
     * was defined (its {@code updated_at} while active, which is its {@code created_at} unless the record was rewritten
     * on billable-metrics directly; its {@code created_at} once archived, as archiving rebuilds nothing). Windows
     * before it hold only the usage the ledger still held when the metric was set up. Each task computes its own from
     * the moment it set the metric up, within {@code aggregation.backfill.interval} of seeing it, so a task's may be
     * one hour later when the metric was defined that close before an hour boundary.
     */
    Instant completeFrom(BillableMetric metric) {
        Instant version = metric.getArchivedAt() == null ? metric.getUpdatedAt() : metric.getCreatedAt();
        return BackfillStatus.completeFrom(version, config);
    }

    /** {@code metric} in Metronome's shape, with {@value #COMPLETE_FROM}. */
    private Map<String, Object> write(BillableMetric metric) {
        Map<String, Object> json = BillableMetricJson.write(metric);
        json.put(COMPLETE_FROM, completeFrom(metric).toString());
        return json;
    }

    private HttpResponse archive(HttpRequest request) {
        JsonNode body = request.json();
        JsonNode idNode = body.isObject() ? body.get("id") : null;
        if (idNode == null || !idNode.isTextual() || idNode.asText().isEmpty()) {
            throw HttpError.badRequest("id is required: the ID of the billable metric to archive");
        }
        String id = idNode.asText();
        BillableMetric existing = query().get(id).orElseThrow(() -> notFound(id));
        if (existing.getArchivedAt() == null) {
            Instant now = Instant.now();
            BillableMetric archived = BillableMetric.newBuilder(existing).setArchivedAt(now).setUpdatedAt(now).build();
            publisher.publish(id, serialize(archived));
            await(id, stored -> stored.getArchivedAt() != null, "the archive of billable metric " + id
                    + " was published but is not visible here within " + writeTimeout.toMillis()
                    + " ms; it will still be applied", true);
        }
        // Archiving an archived metric changes nothing, and is answered as Metronome answers an archive.
        return HttpResponse.json(200, Map.of("data", Map.of("id", id)));
    }

    /** The record's value, or a 413 before anything is published when the record would be over the limit. */
    private byte[] serialize(BillableMetric metric) {
        byte[] value = topic.valueSerde().serializer().serialize(topic.name(), metric);
        int size = metric.getId().getBytes(StandardCharsets.UTF_8).length + value.length;
        if (size > BillableMetricRules.MAX_RECORD_BYTES) {
            throw new HttpError(413, "the billable metric would be a record of " + size + " bytes (key and value);"
                    + " at most " + BillableMetricRules.MAX_RECORD_BYTES + " bytes are allowed; nothing was published",
                    Map.of("x-should-retry", "false"));
        }
        return value;
    }

    private static void publish(KafkaProducer<byte[], byte[]> producer, Topic<String, BillableMetric> topic,
            String id, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic.name(), id.getBytes(StandardCharsets.UTF_8), value))
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HttpError.unavailable("interrupted before the billable metric was published; nothing was applied");
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            throw HttpError.unavailable("the billable metric could not be published to Kafka (" + e.getMessage()
                    + "); nothing was applied, retry");
        }
    }

    /**
     * Polls this instance's global store until metric {@code id} is there and passes {@code applied}: briefly at
     * first (the global thread applies a record within milliseconds), then every 20 ms, until the write timeout; then
     * a 503 with {@code Retry-After: 1}, and {@code x-should-retry: false} unless {@code retryable}.
     */
    private void await(String id, Predicate<BillableMetric> applied, String timeoutMessage, boolean retryable) {
        long end = System.nanoTime() + writeTimeout.toNanos();
        long sleepMillis = 1;
        while (true) {
            try {
                Optional<BillableMetric> stored = query().get(id);
                if (stored.isPresent() && applied.test(stored.get())) {
                    return;
                }
            } catch (HttpError unavailable) {
                if (unavailable.status() != 503) {
                    throw unavailable;
                }
            }
            if (System.nanoTime() > end) {
                Map<String, String> headers = new HashMap<>(Map.of("Retry-After", "1"));
                if (!retryable) {
                    headers.put("x-should-retry", "false");
                }
                throw new HttpError(503, timeoutMessage, headers);
            }
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw HttpError.unavailable("interrupted while waiting: " + timeoutMessage);
            }
            sleepMillis = Math.min(20, sleepMillis * 2);
        }
    }

    // ---- reads ----------------------------------------------------------------------------------------------------

    private HttpResponse retrieve(HttpRequest request) {
        String id = request.pathParam("billable_metric_id");
        BillableMetric metric = query().get(id).orElseThrow(() -> notFound(id));
        return HttpResponse.json(200, Map.of("data", write(metric)));
    }

    private HttpResponse list(HttpRequest request) {
        return HttpResponse.json(200, page(request));
    }

    private HttpResponse listForCustomer(HttpRequest request) {
        String customerId = request.pathParam("customer_id");
        // Checked like the other parameters, though without plans every metric is on every customer's plan.
        request.flagParam("on_current_plan");
        Map<String, Object> page = page(request);
        if (customers.exists(customerId).filter(exists -> !exists).isPresent()) {
            throw HttpError.notFound("customer " + customerId + " not found");
        }
        return HttpResponse.json(200, page);
    }

    private Map<String, Object> page(HttpRequest request) {
        int limit = Paging.limit(request.queryParam("limit"), DEFAULT_PAGE, MAX_PAGE);
        boolean includeArchived = request.flagParam("include_archived");
        String after = Paging.after(request.queryParam("next_page"));
        List<BillableMetric> metrics = query().page(after, includeArchived, limit + 1);
        boolean more = metrics.size() > limit;
        List<BillableMetric> page = more ? metrics.subList(0, limit) : metrics;
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("data", page.stream().map(this::write).toList());
        answer.put("next_page", more ? Paging.nextPage(page.get(page.size() - 1).getId()) : null);
        return answer;
    }

    private BillableMetricsQuery query() {
        return definitions.get();
    }

    /** The definitions of a RUNNING (or REBALANCING) app, or a 503; the usage queries read them too. */
    static BillableMetricsQuery query(IngestApp app) {
        requireRunning(app);
        try {
            return app.billableMetrics();
        } catch (InvalidStateStoreException e) {
            throw HttpError.unavailable("the billable metrics are not available here right now (" + e.getMessage()
                    + "); retry");
        }
    }

    /** A 503 unless the app is RUNNING or REBALANCING (its state can be read then). */
    static void requireRunning(IngestApp app) {
        KafkaStreams.State state = app.state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
            throw HttpError.unavailable("ingest-stream is " + state + "; retry when it is RUNNING");
        }
    }

    private static HttpError notFound(String id) {
        return HttpError.notFound("billable metric " + id + " not found");
    }

    @Override
    public void close() {
        resources.run();
    }
}
