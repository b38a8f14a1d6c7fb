package io.meterflow.ingest.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.http.HttpError;
import io.meterflow.http.Paging;
import io.meterflow.http.HttpRequest;
import io.meterflow.http.HttpResponse;
import io.meterflow.http.HttpService;
import io.meterflow.http.PeerClient;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.ledger.UsageLedger;
import io.meterflow.ingest.query.EventStatus;
import io.meterflow.ingest.query.EventStatusQuery;
import io.meterflow.ingest.validate.UsageValidator;
import io.meterflow.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * ingest-stream's HTTP API: {@code POST /v1/ingest} (Metronome's ingest: a bare array of 1-100 events, all or
 * nothing), {@code POST /v1/events/search} (Metronome's event search plus Meterflow's status), and Meterflow's own
 * {@code GET /v1/meterflow/identifiers/{identifier}/pending} (the parked usage of an identifier, paged). Writes go
 * through Kafka: the API validates with the stream's own rules and publishes to usage-events; it never touches the
 * stores. Reads of state another instance holds are asked of that instance through {@code /internal/v1/...} routes
 * (the hosts come from Kafka Streams' metadata, i.e. {@code kafka.application.server}).
 */
public final class UsageApi implements AutoCloseable {

    /** Most transaction IDs per search request. */
    public static final int MAX_SEARCH_IDS = 100;
    public static final int DEFAULT_PAGE = 25;
    public static final int MAX_PAGE = 100;

    private final IngestApp app;
    private final CustomerNames names;
    private final PeerClient peers;
    private final UsagePublisher publisher;
    private final UsageBatchReader reader;
    private final HostInfo self;

    private UsageApi(IngestApp app, CustomerNames names, Set<String> tokens) {
        this.app = app;
        this.names = names;
        this.peers = new PeerClient(PeerClient.anyToken(tokens), Duration.ofSeconds(10));
        IngestConfig config = app.config();
        Map<String, Object> client = config.streams().clientConfig();
        Topics topics = Topics.create(config.streams().topicNames(), config.streams().serdeConfig());
        this.publisher = new UsagePublisher(client, topics.usageEvents(),
                config.streams().applicationId() + "-http-ingest", config.ingestProducerMaxRequestSize());
        this.reader = new UsageBatchReader(config.validator());
        String server = config.streams().kafkaOverrides().get(StreamsConfig.APPLICATION_SERVER_CONFIG);
        this.self = server == null || server.isBlank() ? null : HostInfo.buildFromEndpoint(server);
    }

    /**
     * Adds the usage routes to {@code http}. Close the returned API (its Kafka producer) when the app stops.
     *
     * @param tokens the service's API tokens (one is used to ask other instances)
     * @param names  customer names for {@code matched_customer.name}
     */
    public static UsageApi install(HttpService http, IngestApp app, Set<String> tokens, CustomerNames names) {
        UsageApi api = new UsageApi(app, names, tokens);
        http.route("POST", "/v1/ingest", api::ingest);
        http.route("POST", "/v1/events/search", api::search);
        http.route("GET", "/v1/meterflow/identifiers/{identifier}/pending", api::pending);
        http.route("POST", "/internal/v1/events/lookup", api::lookupHere);
        http.route("GET", "/internal/v1/identifiers/{identifier}/pending", api::pendingHere);
        return api;
    }

    private HttpResponse ingest(HttpRequest request) {
        publisher.publish(reader.read(request.body(), System.currentTimeMillis()));
        return HttpResponse.ok();
    }

    private HttpResponse search(HttpRequest request) {
        List<String> ids = transactionIds(request.json());
        EventStatusQuery query = query();
        Map<String, Map<String, Object>> found = new HashMap<>();
        Map<HostInfo, List<String>> remote = new LinkedHashMap<>();
        for (String id : ids) {
            EventStatusQuery.Lookup lookup = query.lookup(id);
            if (lookup.hostedHere()) {
                lookup.status().ifPresent(s -> found.put(id, EventJson.item(s, names)));
            } else if (lookup.activeHost() != null && !lookup.activeHost().equals(self)) {
                remote.computeIfAbsent(lookup.activeHost(), h -> new ArrayList<>()).add(id);
            } else {
                throw HttpError.unavailable("the state of transaction " + id
                        + " is not available right now (rebalancing); retry");
            }
        }
        remote.forEach((host, hostIds) -> peers.post(host, "/internal/v1/events/lookup",
                Map.of("transactionIds", hostIds)).ifPresent(items -> items.forEach(item ->
                found.put(item.path("transaction_id").asText(), EventJson.fromInternal(item)))));
        List<Object> answer = new ArrayList<>();
        for (String id : new java.util.LinkedHashSet<>(ids)) {
            if (found.containsKey(id)) {
                answer.add(found.get(id));
            }
        }
        return HttpResponse.json(200, answer);
    }

    /** Another instance asks for the IDs it was told this instance holds. */
    private HttpResponse lookupHere(HttpRequest request) {
        EventStatusQuery query = query();
        List<Object> items = new ArrayList<>();
        for (String id : transactionIds(request.json())) {
            EventStatusQuery.Lookup lookup = query.lookup(id);
            if (!lookup.hostedHere()) {
                throw HttpError.unavailable("transaction " + id + " is no longer hosted here (rebalancing); retry");
            }
            lookup.status().ifPresent(s -> items.add(EventJson.internalItem(s, names)));
        }
        return HttpResponse.json(200, items);
    }

    private HttpResponse pending(HttpRequest request) {
        String identifier = request.pathParam("identifier");
        int limit = Paging.limit(request.queryParam("limit"), DEFAULT_PAGE, MAX_PAGE);
        String after = Paging.after(request.queryParam("next_page"));
        List<Map<String, Object>> items = new ArrayList<>();
        for (EventStatus status : query().pending(identifier, after, limit + 1)) {
            items.add(EventJson.item(status, names));
        }
        for (HostInfo host : otherHosts()) {
            String path = "/internal/v1/identifiers/" + encode(identifier) + "/pending?limit=" + (limit + 1)
                    + (after == null ? "" : "&after=" + encode(after));
            peers.get(host, path).ifPresent(list -> list.forEach(item -> items.add(EventJson.fromInternal(item))));
        }
        items.sort((a, b) -> EventStatusQuery.compareUtf8(text(a.get("transaction_id")),
                text(b.get("transaction_id"))));
        Map<String, Object> page = new LinkedHashMap<>();
        boolean more = items.size() > limit;
        List<Map<String, Object>> data = more ? items.subList(0, limit) : items;
        page.put("data", data);
        page.put("next_page", more ? Paging.nextPage(text(data.get(data.size() - 1).get("transaction_id"))) : null);
        return HttpResponse.json(200, page);
    }

    private HttpResponse pendingHere(HttpRequest request) {
        int limit = Paging.limit(request.queryParam("limit"), DEFAULT_PAGE, MAX_PAGE);
        List<Object> items = new ArrayList<>();
        for (EventStatus status : query().pending(request.pathParam("identifier"), request.queryParam("after"),
                limit)) {
            items.add(EventJson.internalItem(status, names));
        }
        return HttpResponse.json(200, items);
    }

    private List<HostInfo> otherHosts() {
        KafkaStreams streams = app.streams();
        if (self == null || streams == null) {
            return List.of();
        }
        List<HostInfo> hosts = new ArrayList<>();
        for (StreamsMetadata metadata : streams.streamsMetadataForStore(UsageLedger.USAGE_BY_TRANSACTION)) {
            if (!metadata.hostInfo().equals(self)) {
                hosts.add(metadata.hostInfo());
            }
        }
        return hosts;
    }

    private EventStatusQuery query() {
        if (app.state() != KafkaStreams.State.RUNNING && app.state() != KafkaStreams.State.REBALANCING) {
            throw HttpError.unavailable("ingest-stream is " + app.state() + "; retry when it is RUNNING");
        }
        return app.eventStatus();
    }

    private static List<String> transactionIds(JsonNode body) {
        JsonNode ids = body.get("transactionIds");
        if (ids == null || !ids.isArray()) {
            throw HttpError.badRequest("transactionIds must be an array of transaction IDs");
        }
        if (ids.isEmpty() || ids.size() > MAX_SEARCH_IDS) {
            throw HttpError.badRequest("transactionIds must hold 1 to " + MAX_SEARCH_IDS + " IDs");
        }
        List<String> list = new ArrayList<>();
        for (JsonNode id : ids) {
            if (!id.isTextual() || !UsageValidator.isUsableTransactionId(id.asText())) {
                throw HttpError.badRequest("transactionIds must be strings of 1 to " + UsageValidator.MAX_ID_LENGTH
                        + " characters");
            }
            list.add(id.asText());
        }
        return list;
    }

    private static String text(Object value) {
        return value instanceof JsonNode node ? node.asText() : String.valueOf(value);
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() {
        publisher.close();
    }
}
