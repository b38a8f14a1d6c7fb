package io.meterflow.ingest.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterflow.http.HttpError;
import io.meterflow.http.HttpRequest;
import io.meterflow.http.HttpResponse;
import io.meterflow.http.HttpService;
import io.meterflow.http.Paging;
import io.meterflow.http.PeerClient;
import io.meterflow.ingest.IngestApp;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Bound;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Group;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.NotHostedHere;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Owner;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.WindowValue;
import io.meterflow.ingest.api.UsageQueryJson.GroupsRequest;
import io.meterflow.ingest.api.UsageQueryJson.ListRequest;
import io.meterflow.ingest.api.UsageQueryJson.MetricSelection;
import io.meterflow.ingest.api.UsageQueryJson.Period;
import io.meterflow.ingest.billablemetrics.BillableMetricsQuery;
import io.meterflow.ingest.query.EventStatusQuery;
import io.meterflow.schemas.BillableMetric;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Metronome's usage queries, served by ingest-stream from the usage aggregates ({@link UsageAggregatesQuery}):
 * {@code POST /v1/usage} (many customers and metrics, cut into windows, with an optional {@code group_by} per metric)
 * and {@code POST /v1/usage/groups} (one customer and metric, one row per window and group).
 *
 * <p>A customer's aggregates live on one instance ({@link UsageAggregatesQuery#owner}); when that is another instance
 * the reads are asked of it over {@code POST /internal/v1/usage/read}, as event search forwards per transaction ID,
 * with the same token and the same 503 for an owner that cannot be reached. When no instance is known to host the
 * customer (a rebalance) the answer is 503 with {@code Retry-After: 1}. Without {@code customer_ids}, every instance
 * is asked for its customers ({@code GET /internal/v1/usage/customers}) and the lists are merged, as the pending
 * listing does. Definitions come from this instance's global store, so unknown metrics and group keys are refused
 * (400 naming the field) before any aggregate is read.
 *
 * <p>Pages: {@code next_page} (in the query string, where Metronome's SDKs send it; also read from the body of
 * {@code /v1/usage}) is a cursor naming the last row given, (customer, metric, window) or (window, group), so a page
 * continues after it on any instance, and usage arriving meanwhile does not shift rows between pages. Rows come in
 * the order customer ID, metric ID (UTF-8 byte order), window; and window, group values (nulls first, then UTF-8
 * byte order). Values are written from the exact decimals, never through a double.
 */
public final class UsageQueryApi {

    public static final int DEFAULT_PAGE = 100;
    public static final int MAX_PAGE = 1000;
    /**
     * Values (a row's value and each of its groups) after which a {@code /v1/usage} page ends early, with a cursor: a
     * thousand rows of 200 groups each would be a response of tens of megabytes.
     */
    static final int MAX_PAGE_VALUES = 20_000;
    /** Metronome: with compound group keys "the default and max limit is 100". */
    public static final int MAX_COMPOUND_PAGE = 100;

    static final String READ_PATH = "/internal/v1/usage/read";
    static final String CUSTOMERS_PATH = "/internal/v1/usage/customers";

    /**
     * The aggregates of an instance that does not aggregate ({@code aggregation.enabled=false}): every read is answered
     * 404 (not 5xx, which clients retry: the answer will not change until the deployment does). Request checks (400s)
     * still come first.
     */
    public static final Supplier<UsageAggregatesQuery> AGGREGATION_OFF = () -> {
        throw new HttpError(404, "usage aggregation is off on this deployment (aggregation.enabled=false): there are"
                + " no aggregates to query");
    };

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Comparator<String> UTF8 = EventStatusQuery::compareUtf8;

    private final Supplier<UsageAggregatesQuery> aggregates;
    private final Supplier<BillableMetricsQuery> definitions;
    private final PeerClient peers;
    private final HostInfo self;
    private final Supplier<List<HostInfo>> otherHosts;

    /**
     * @param aggregates  this instance's aggregates; throws a 503 {@link HttpError} when they cannot be read now
     * @param definitions the billable metric definitions; throws a 503 {@link HttpError} when they cannot be read now
     * @param self        this instance's {@code application.server} (null when not set)
     * @param otherHosts  the other instances of the app, to ask for their customers
     */
    UsageQueryApi(Supplier<UsageAggregatesQuery> aggregates, Supplier<BillableMetricsQuery> definitions,
            PeerClient peers, HostInfo self, Supplier<List<HostInfo>> otherHosts) {
        this.aggregates = aggregates;
        this.definitions = definitions;
        this.peers = peers;
        this.self = self;
        this.otherHosts = otherHosts;
    }

    /**
     * Adds the usage query routes to {@code http}.
     *
     * @param tokens     the service's API tokens (one is used to ask other instances)
     * @param aggregates the app's aggregates, asked for at each request once the app is RUNNING or REBALANCING
     */
    public static UsageQueryApi install(HttpService http, IngestApp app, Set<String> tokens,
            Supplier<UsageAggregatesQuery> aggregates) {
        String server = app.config().streams().kafkaOverrides().get(StreamsConfig.APPLICATION_SERVER_CONFIG);
        HostInfo self = server == null || server.isBlank() ? null : HostInfo.buildFromEndpoint(server);
        return install(http, new UsageQueryApi(() -> {
            BillableMetricApi.requireRunning(app);
            try {
                return aggregates.get();
            } catch (InvalidStateStoreException e) {
                throw new HttpError(503, "the usage aggregates are not available here right now (" + e.getMessage()
                        + "); retry", Map.of("Retry-After", "1"));
            }
        }, () -> BillableMetricApi.query(app), new PeerClient(PeerClient.anyToken(tokens), Duration.ofSeconds(10)),
                self, () -> otherHosts(app, self)));
    }

    /** Adds {@code api}'s routes to {@code http}. */
    static UsageQueryApi install(HttpService http, UsageQueryApi api) {
        http.route("POST", "/v1/usage", api::list);
        http.route("POST", "/v1/usage/groups", api::listWithGroups);
        http.route("POST", READ_PATH, api::readHere);
        http.route("GET", CUSTOMERS_PATH, api::customersHere);
        return api;
    }

    private static List<HostInfo> otherHosts(IngestApp app, HostInfo self) {
        KafkaStreams streams = app.streams();
        if (self == null || streams == null) {
            return List.of();
        }
        List<HostInfo> hosts = new ArrayList<>();
        for (StreamsMetadata metadata : streams.metadataForAllStreamsClients()) {
            if (!metadata.hostInfo().equals(self)) {
                hosts.add(metadata.hostInfo());
            }
        }
        return hosts;
    }

    // ---- POST /v1/usage -------------------------------------------------------------------------------------------

    /** A metric of a {@code /v1/usage} answer, with the group key of one name it is grouped by (or null). */
    private record Selected(BillableMetric metric, String groupByKey, List<String> groupByValues) {
        String id() {
            return metric.getId();
        }
    }

    /**
     * One read of a customer's usage: {@code groupKey} null for the ungrouped total; {@code bound} the rows of a grouped
     * read that the answer needs.
     */
    record Read(BillableMetric metric, List<String> groupKey, Map<String, List<String>> filter, Bound bound) {
    }

    private HttpResponse list(HttpRequest request) {
        JsonNode body = request.json();
        ListRequest query = UsageQueryJson.listRequest(body);
        int limit = Paging.limit(request.queryParam("limit"), DEFAULT_PAGE, MAX_PAGE);
        String nextPage = request.queryParam("next_page");
        if (nextPage == null && body.path("next_page").isTextual()) {
            nextPage = body.path("next_page").asText();
        }
        ListCursor cursor = ListCursor.read(Paging.after(nextPage));
        List<Selected> metrics = select(query.metrics(), definitions.get());
        Period period = query.period();
        long windowsPerMetric = windows(period);

        List<Map<String, Object>> rows = new ArrayList<>();
        List<ListCursor> keys = new ArrayList<>();
        long values = 0;
        java.util.Iterator<String> customers = query.customerIds() == null ? new AllCustomers(cursor, limit + 1)
                : listed(query.customerIds(), cursor);
        while (rows.size() <= limit && customers.hasNext()) {
            String customer = customers.next();
            int from = 0;
            if (cursor != null && customer.equals(cursor.customer())) {
                while (from < metrics.size() && UTF8.compare(metrics.get(from).id(), cursor.metric()) < 0) {
                    from++;
                }
            }
            while (from < metrics.size() && rows.size() <= limit) {
                // Every metric gives a row per window: ask for as many metrics as the page still has room for.
                long room = limit + 1 - rows.size();
                int count = (int) Math.min(metrics.size() - from, Math.max(1, (room + windowsPerMetric - 1)
                        / windowsPerMetric));
                List<Selected> batch = metrics.subList(from, from + count);
                from += count;
                List<Read> reads = new ArrayList<>();
                for (Selected metric : batch) {
                    reads.add(new Read(metric.metric(), null, Map.of(), Bound.all()));
                    if (metric.groupByKey() != null) {
                        // A row lists at most MAX_GROUP_VALUES values (the events without one are a group too), in
                        // the windows after the cursor's, as many as a page of MAX_PAGE_VALUES values can show.
                        Instant after = cursor != null && customer.equals(cursor.customer())
                                && metric.id().equals(cursor.metric()) ? cursor.start() : null;
                        reads.add(new Read(metric.metric(), List.of(metric.groupByKey()),
                                metric.groupByValues() == null ? Map.of()
                                        : Map.of(metric.groupByKey(), metric.groupByValues()),
                                Bound.firstGroups(UsageQueryJson.MAX_GROUP_VALUES + 1, after, MAX_PAGE_VALUES)));
                    }
                }
                List<List<WindowValue>> answers = read(customer, reads, period);
                int next = 0;
                for (Selected metric : batch) {
                    List<WindowValue> totals = answers.get(next++);
                    Map<Instant, Map<String, BigDecimal>> groups = null;
                    List<String> groupValues = null;
                    if (metric.groupByKey() != null) {
                        groups = new HashMap<>();
                        Set<String> seen = new TreeSet<>(UTF8);
                        for (WindowValue window : answers.get(next++)) {
                            String value = window.group() == null ? null : window.group().values().get(0);
                            if (value != null) {
                                groups.computeIfAbsent(window.start(), s -> new HashMap<>()).put(value,
                                        window.value());
                                seen.add(value);
                            }
                        }
                        groupValues = metric.groupByValues() != null
                                ? new ArrayList<>(new LinkedHashSet<>(metric.groupByValues()))
                                : seen.stream().limit(UsageQueryJson.MAX_GROUP_VALUES).toList();
                    }
                    for (WindowValue window : totals) {
                        if (window.group() != null || (cursor != null && customer.equals(cursor.customer())
                                && metric.id().equals(cursor.metric()) && !window.start().isAfter(cursor.start()))) {
                            continue;
                        }
                        if (rows.size() > limit) {
                            break;
                        }
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("customer_id", customer);
                        row.put("billable_metric_id", metric.id());
                        row.put("billable_metric_name", metric.metric().getName());
                        row.put("start_timestamp", window.start().toString());
                        row.put("end_timestamp", window.end().toString());
                        row.put("value", window.value());
                        if (groups != null) {
                            Map<String, BigDecimal> inWindow = groups.getOrDefault(window.start(), Map.of());
                            Map<String, Object> byValue = new LinkedHashMap<>();
                            for (String value : groupValues) {
                                byValue.put(value, inWindow.get(value));
                            }
                            row.put("groups", byValue);
                        }
                        rows.add(row);
                        keys.add(new ListCursor(customer, metric.id(), window.start()));
                        values += 1 + (groupValues == null ? 0 : groupValues.size());
                        if (values > MAX_PAGE_VALUES && rows.size() > 1) {
                            limit = rows.size() - 1; // this row opens the next page
                        }
                    }
                }
            }
        }
        boolean more = rows.size() > limit;
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("data", more ? rows.subList(0, limit) : rows);
        page.put("next_page", more ? Paging.nextPage(keys.get(limit - 1).write()) : null);
        return UsageQueryJson.exact(page);
    }

    /** The metrics a {@code /v1/usage} request names (every active one when it names none), in ID order. */
    private static List<Selected> select(List<MetricSelection> selections, BillableMetricsQuery definitions) {
        List<Selected> selected = new ArrayList<>();
        if (selections == null) {
            String after = null;
            while (true) {
                List<BillableMetric> page = definitions.page(after, false, 100);
                page.forEach(metric -> selected.add(new Selected(metric, null, null)));
                if (page.size() < 100) {
                    break;
                }
                after = page.get(page.size() - 1).getId();
            }
        } else {
            for (MetricSelection selection : selections) {
                BillableMetric metric = definitions.get(selection.id()).orElseThrow(() -> HttpError.badRequest(
                        selection.field() + ".id: billable metric " + selection.id() + " not found"));
                if (selection.groupByKey() != null
                        && !metric.getGroupKeys().contains(List.of(selection.groupByKey()))) {
                    throw HttpError.badRequest(selection.field() + ".group_by.key: " + selection.groupByKey()
                            + " is not a group key of one name of billable metric " + metric.getId() + " (its group"
                            + " keys: " + metric.getGroupKeys() + ")");
                }
                selected.add(new Selected(metric, selection.groupByKey(), selection.groupByValues()));
            }
        }
        selected.sort(Comparator.comparing(Selected::id, UTF8));
        return selected;
    }

    private static long windows(Period period) {
        long hours = Duration.between(period.start(), period.end()).toHours();
        return switch (period.size()) {
            case HOUR -> hours;
            case DAY -> hours / 24;
            case NONE -> 1;
        };
    }

    /** The customers a request lists, in ID order, from the cursor's customer on. */
    private static java.util.Iterator<String> listed(List<String> ids, ListCursor cursor) {
        TreeSet<String> sorted = new TreeSet<>(UTF8);
        sorted.addAll(ids);
        return (cursor == null ? sorted : sorted.tailSet(cursor.customer(), true)).iterator();
    }

    /**
     * Every customer that has aggregates on any instance, in ID order, from the cursor's customer on: fetched in
     * batches from every instance and merged.
     */
    private final class AllCustomers implements java.util.Iterator<String> {
        private final int batch;
        private final List<String> buffer = new ArrayList<>();
        private String after;
        private boolean exhausted;

        AllCustomers(ListCursor cursor, int batch) {
            this.batch = batch;
            if (cursor != null) {
                // The cursor's customer first: the page stopped in the middle of its rows.
                buffer.add(cursor.customer());
                after = cursor.customer();
            }
        }

        @Override
        public boolean hasNext() {
            if (buffer.isEmpty() && !exhausted) {
                List<String> next = customers(after, batch);
                buffer.addAll(next);
                exhausted = next.size() < batch;
                if (!next.isEmpty()) {
                    after = next.get(next.size() - 1);
                }
            }
            return !buffer.isEmpty();
        }

        @Override
        public String next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return buffer.remove(0);
        }
    }

    /** Up to {@code limit} customers after {@code after}, from this instance and every other one. */
    private List<String> customers(String after, int limit) {
        TreeSet<String> merged = new TreeSet<>(UTF8);
        merged.addAll(aggregates.get().customers(after, limit));
        for (HostInfo host : otherHosts.get()) {
            String path = CUSTOMERS_PATH + "?limit=" + limit + (after == null ? "" : "&after=" + encode(after));
            peers.get(host, path).ifPresent(list -> list.forEach(id -> merged.add(id.asText())));
        }
        return merged.stream().limit(limit).toList();
    }

    private HttpResponse customersHere(HttpRequest request) {
        int limit = Paging.limit(request.queryParam("limit"), DEFAULT_PAGE, MAX_PAGE + 1);
        return HttpResponse.json(200, aggregates.get().customers(request.queryParam("after"), limit));
    }

    /** Where a {@code /v1/usage} page stopped: its last row. */
    record ListCursor(String customer, String metric, Instant start) {
        String write() {
            return JSON.createArrayNode().add("u").add(customer).add(metric).add(start.toString()).toString();
        }

        static ListCursor read(String text) {
            if (text == null) {
                return null;
            }
            try {
                JsonNode key = JSON.readTree(text);
                if (key.isArray() && key.size() == 4 && key.get(0).asText().equals("u") && key.get(1).isTextual()
                        && key.get(2).isTextual() && key.get(3).isTextual()) {
                    return new ListCursor(key.get(1).asText(), key.get(2).asText(), Instant.parse(key.get(3).asText()));
                }
            } catch (JsonProcessingException | java.time.format.DateTimeParseException e) {
                // answered below
            }
            throw HttpError.badRequest("next_page is not a cursor this API gave out");
        }
    }

    // ---- POST /v1/usage/groups ------------------------------------------------------------------------------------

    private HttpResponse listWithGroups(HttpRequest request) {
        GroupsRequest query = UsageQueryJson.groupsRequest(request.json());
        BillableMetric metric = definitions.get().get(query.metricId()).orElseThrow(() -> HttpError.badRequest(
                "billable_metric_id: billable metric " + query.metricId() + " not found"));
        List<String> groupKey = query.groupKey();
        if (groupKey != null && metric.getGroupKeys().stream().noneMatch(
                key -> key.size() == groupKey.size() && new HashSet<>(key).equals(new HashSet<>(groupKey)))) {
            throw HttpError.badRequest((query.deprecatedGroupBy() ? "group_by.key: " + groupKey.get(0)
                    + " is not a group key of one name" : "group_key: " + groupKey + " is not one of the group keys")
                    + " of billable metric " + metric.getId() + " (its group keys: " + metric.getGroupKeys()
                    + "; a compound key is given whole)");
        }
        boolean compound = groupKey != null && groupKey.size() > 1;
        int limit = Paging.limit(request.queryParam("limit"), DEFAULT_PAGE, compound ? MAX_COMPOUND_PAGE : MAX_PAGE);
        GroupsCursor cursor = GroupsCursor.read(Paging.after(request.queryParam("next_page")));

        Bound bound = cursor == null ? Bound.rowsAfter(limit + 1, null, null)
                : Bound.rowsAfter(limit + 1, cursor.start(), cursor.values());
        List<WindowValue> windows = new ArrayList<>(read(query.customerId(), List.of(new Read(metric, groupKey,
                query.filters(), bound)), query.period()).get(0));
        windows.sort(Comparator.comparing(WindowValue::start).thenComparing(w -> values(w.group()),
                UsageQueryApi::compareValues));
        List<Map<String, Object>> rows = new ArrayList<>();
        List<GroupsCursor> keys = new ArrayList<>();
        for (WindowValue window : windows) {
            if (rows.size() > limit) {
                break;
            }
            GroupsCursor key = new GroupsCursor(window.start(), values(window.group()));
            if (cursor != null && key.compareTo(cursor) <= 0) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("starting_on", window.start().toString());
            row.put("ending_before", window.end().toString());
            Group group = window.group();
            boolean single = group != null && group.keys().size() == 1;
            row.put("group_key", single ? group.keys().get(0) : null);
            row.put("group_value", single ? group.values().get(0) : null);
            if (group != null) {
                Map<String, String> byKey = new LinkedHashMap<>();
                for (int i = 0; i < group.keys().size(); i++) {
                    byKey.put(group.keys().get(i), group.values().get(i));
                }
                row.put("group", byKey);
            }
            row.put("value", window.value());
            rows.add(row);
            keys.add(key);
        }
        boolean more = rows.size() > limit;
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("data", more ? rows.subList(0, limit) : rows);
        page.put("next_page", more ? Paging.nextPage(keys.get(limit - 1).write()) : null);
        return UsageQueryJson.exact(page);
    }

    private static List<String> values(Group group) {
        return group == null ? List.of() : group.values();
    }

    /** Group values in order: element by element, a null (the event lacked the property) first, then UTF-8 order. */
    static int compareValues(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            String x = a.get(i);
            String y = b.get(i);
            int c = x == null ? (y == null ? 0 : -1) : y == null ? 1 : UTF8.compare(x, y);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** Where a {@code /v1/usage/groups} page stopped: its last row's window and group values. */
    record GroupsCursor(Instant start, List<String> values) implements Comparable<GroupsCursor> {
        String write() {
            com.fasterxml.jackson.databind.node.ArrayNode key = JSON.createArrayNode().add("g").add(start.toString());
            com.fasterxml.jackson.databind.node.ArrayNode group = key.addArray();
            values.forEach(group::add);
            return key.toString();
        }

        static GroupsCursor read(String text) {
            if (text == null) {
                return null;
            }
            try {
                JsonNode key = JSON.readTree(text);
                if (key.isArray() && key.size() == 3 && key.get(0).asText().equals("g") && key.get(1).isTextual()
                        && key.get(2).isArray()) {
                    List<String> values = new ArrayList<>();
                    key.get(2).forEach(v -> values.add(v.isNull() ? null : v.asText()));
                    return new GroupsCursor(Instant.parse(key.get(1).asText()), values);
                }
            } catch (JsonProcessingException | java.time.format.DateTimeParseException e) {
                // answered below
            }
            throw HttpError.badRequest("next_page is not a cursor this API gave out");
        }

        @Override
        public int compareTo(GroupsCursor other) {
            int c = start.compareTo(other.start);
            return c != 0 ? c : compareValues(values, other.values);
        }
    }

    // ---- reads, here or on the owner ------------------------------------------------------------------------------

    /** The customer's windows for each read, in order: from this instance, or asked of the instance that hosts it. */
    List<List<WindowValue>> read(String customerId, List<Read> reads, Period period) {
        UsageAggregatesQuery query = aggregates.get();
        Owner owner = query.owner(customerId);
        if (owner.hostedHere()) {
            try {
                return readHere(query, customerId, reads, period);
            } catch (NotHostedHere e) {
                throw rebalancing(customerId);
            }
        }
        if (owner.host() != null && !owner.host().equals(self)) {
            JsonNode answer = peers.post(owner.host(), READ_PATH, internalRead(customerId, reads, period))
                    .orElseThrow(() -> HttpError.unavailable("instance " + owner.host().host() + ":"
                            + owner.host().port() + " does not serve " + READ_PATH + "; retry"));
            return fromInternal(answer);
        }
        throw rebalancing(customerId);
    }

    private static List<List<WindowValue>> readHere(UsageAggregatesQuery query, String customerId, List<Read> reads,
            Period period) {
        List<List<WindowValue>> answers = new ArrayList<>();
        for (Read read : reads) {
            answers.add(query.usage(customerId, read.metric(), read.groupKey(), read.filter(), period.size(),
                    period.start(), period.end(), read.bound()));
        }
        return answers;
    }

    private static HttpError rebalancing(String customerId) {
        return new HttpError(503, "the usage of customer " + customerId + " is not available right now (its partition"
                + " is moving between instances); retry", Map.of("Retry-After", "1"));
    }

    /** Another instance asks for the reads of a customer it was told this instance hosts. */
    private HttpResponse readHere(HttpRequest request) {
        JsonNode body = request.json();
        String customerId = body.path("customer_id").asText();
        Period period;
        try {
            period = new Period(UsageQueryJson.windowSize(body.get("window_size")),
                    Instant.parse(body.path("starting_on").asText()), Instant.parse(body.path("ending_before").asText()));
        } catch (java.time.format.DateTimeParseException e) {
            throw HttpError.badRequest("starting_on and ending_before must be instants");
        }
        BillableMetricsQuery metrics = definitions.get();
        List<Read> reads = new ArrayList<>();
        for (JsonNode read : body.path("reads")) {
            String id = read.path("billable_metric_id").asText();
            BillableMetric metric = metrics.get(id).orElseThrow(() -> new HttpError(503, "billable metric " + id
                    + " is not known to this instance yet; retry", Map.of("Retry-After", "1")));
            List<String> groupKey = null;
            if (read.path("group_key").isArray()) {
                groupKey = new ArrayList<>();
                for (JsonNode name : read.path("group_key")) {
                    groupKey.add(name.asText());
                }
            }
            Map<String, List<String>> filter = new LinkedHashMap<>();
            read.path("group_filters").fields().forEachRemaining(f -> {
                List<String> values = new ArrayList<>();
                f.getValue().forEach(v -> values.add(v.asText()));
                filter.put(f.getKey(), values);
            });
            reads.add(new Read(metric, groupKey, filter, bound(read.path("bound"))));
        }
        UsageAggregatesQuery query = aggregates.get();
        if (!query.owner(customerId).hostedHere()) {
            throw new HttpError(503, "the usage of customer " + customerId + " is no longer hosted here"
                    + " (rebalancing); retry", Map.of("Retry-After", "1"));
        }
        List<List<Map<String, Object>>> answers = new ArrayList<>();
        try {
            for (List<WindowValue> windows : readHere(query, customerId, reads, period)) {
                List<Map<String, Object>> items = new ArrayList<>();
                for (WindowValue window : windows) {
                    Map<String, Object> item = new LinkedHashMap<>();
                    item.put("start", window.start().toString());
                    item.put("end", window.end().toString());
                    item.put("group_keys", window.group() == null ? null : window.group().keys());
                    item.put("group_values", window.group() == null ? null : window.group().values());
                    // As text: a JSON number could be read back through a double.
                    item.put("value", window.value() == null ? null : window.value().toPlainString());
                    items.add(item);
                }
                answers.add(items);
            }
        } catch (NotHostedHere e) {
            throw rebalancing(customerId);
        }
        return HttpResponse.json(200, answers);
    }

    private static Map<String, Object> internalRead(String customerId, List<Read> reads, Period period) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (Read read : reads) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("billable_metric_id", read.metric().getId());
            item.put("group_key", read.groupKey());
            item.put("group_filters", read.filter());
            Bound bound = read.bound();
            Map<String, Object> limits = new LinkedHashMap<>();
            limits.put("limit", bound.limit());
            limits.put("rows", bound.rows());
            limits.put("after_start", bound.afterStart() == null ? null : bound.afterStart().toString());
            limits.put("after_group", bound.afterGroup());
            limits.put("values", bound.values());
            item.put("bound", limits);
            items.add(item);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("customer_id", customerId);
        body.put("window_size", period.size().name());
        body.put("starting_on", period.start().toString());
        body.put("ending_before", period.end().toString());
        body.put("reads", items);
        return body;
    }

    /** A read's bound as {@link #internalRead} writes it; absent (an instance of an older version asks): every group. */
    private static Bound bound(JsonNode bound) {
        if (!bound.isObject()) {
            return Bound.all();
        }
        try {
            int limit = bound.path("limit").asInt();
            Instant after = bound.path("after_start").isTextual() ? Instant.parse(bound.path("after_start").asText())
                    : null;
            if (!bound.path("rows").asBoolean()) {
                return Bound.firstGroups(limit, after, bound.path("values").asInt());
            }
            if (after == null) {
                return Bound.rowsAfter(limit, null, null);
            }
            List<String> group = new ArrayList<>();
            bound.path("after_group").forEach(v -> group.add(v.isNull() ? null : v.asText()));
            return Bound.rowsAfter(limit, after, group);
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            throw HttpError.badRequest("bound: " + e.getMessage());
        }
    }

    private static List<List<WindowValue>> fromInternal(JsonNode answer) {
        List<List<WindowValue>> answers = new ArrayList<>();
        for (JsonNode windows : answer) {
            List<WindowValue> list = new ArrayList<>();
            for (JsonNode w : windows) {
                Group group = null;
                if (w.path("group_keys").isArray()) {
                    List<String> keys = new ArrayList<>();
                    List<String> values = new ArrayList<>();
                    w.path("group_keys").forEach(k -> keys.add(k.asText()));
                    w.path("group_values").forEach(v -> values.add(v.isNull() ? null : v.asText()));
                    group = new Group(keys, values);
                }
                JsonNode value = w.path("value");
                list.add(new WindowValue(Instant.parse(w.path("start").asText()), Instant.parse(w.path("end").asText()),
                        group, value.isTextual() ? new BigDecimal(value.asText()) : null));
            }
            answers.add(list);
        }
        return answers;
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
