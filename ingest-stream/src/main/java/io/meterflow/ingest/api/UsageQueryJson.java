package io.meterflow.ingest.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meterflow.http.HttpError;
import io.meterflow.http.HttpResponse;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.WindowSize;
import io.meterflow.ingest.validate.Rfc3339;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bodies of Metronome's usage queries ({@code POST /v1/usage}, {@code POST /v1/usage/groups}) read into
 * requests, each field checked with a 400 that names it, and answers written with exact numbers.
 *
 * <p>What a period is: {@code starting_on} (inclusive) and {@code ending_before} (exclusive), RFC 3339, on UTC hour
 * boundaries (UTC day boundaries for DAY windows), {@code starting_on} before {@code ending_before}, at most
 * {@value #MAX_PERIOD_DAYS} days apart, and with HOUR windows at most {@value #MAX_HOUR_WINDOWS} hours apart (one
 * month of hours), which bounds what one customer and metric can cost an answer.
 */
final class UsageQueryJson {

    static final int MAX_PERIOD_DAYS = 400;
    static final int MAX_HOUR_WINDOWS = 744;
    /** Metronome: "all available values will be returned, up to a maximum of 200". */
    static final int MAX_GROUP_VALUES = 200;
    static final int MAX_CUSTOMER_IDS = 100;
    static final int MAX_METRICS = 100;
    static final int MAX_ID_LENGTH = 128;

    /** Writes BigDecimals as they are ({@code 0.3}, never {@code 3E-1}), never through a double. */
    private static final ObjectMapper EXACT = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    private UsageQueryJson() {
    }

    /** The time span and windows of a query. */
    record Period(WindowSize size, Instant start, Instant end) {
    }

    /** A metric as {@code billable_metrics[i]} of {@code POST /v1/usage} names it, with its optional group_by. */
    record MetricSelection(String field, String id, String groupByKey, List<String> groupByValues) {
    }

    /** {@code POST /v1/usage}: customers and metrics null when absent (every one). */
    record ListRequest(Period period, List<String> customerIds, List<MetricSelection> metrics) {
    }

    /**
     * {@code POST /v1/usage/groups}: {@code groupKey} null for no grouping; {@code deprecatedGroupBy} when it came as
     * {@code group_by}; {@code filters} keyed by names of {@code groupKey}.
     */
    record GroupsRequest(String customerId, String metricId, Period period, List<String> groupKey,
            Map<String, List<String>> filters, boolean deprecatedGroupBy) {
    }

    static ListRequest listRequest(JsonNode body) {
        requireObject(body);
        Period period = period(body);
        List<String> customers = null;
        JsonNode ids = body.get("customer_ids");
        if (ids != null && !ids.isNull()) {
            if (!ids.isArray()) {
                throw HttpError.badRequest("customer_ids must be an array of customer IDs (leave it out for every"
                        + " customer)");
            }
            if (ids.isEmpty() || ids.size() > MAX_CUSTOMER_IDS) {
                throw HttpError.badRequest("customer_ids must hold 1 to " + MAX_CUSTOMER_IDS
                        + " customer IDs (leave it out for every customer)");
            }
            customers = new ArrayList<>();
            for (JsonNode id : ids) {
                customers.add(id(id, "customer_ids[" + customers.size() + "]"));
            }
        }
        List<MetricSelection> metrics = null;
        JsonNode selected = body.get("billable_metrics");
        if (selected != null && !selected.isNull()) {
            if (!selected.isArray()) {
                throw HttpError.badRequest("billable_metrics must be an array of {id, group_by?} (leave it out for"
                        + " every metric)");
            }
            if (selected.isEmpty() || selected.size() > MAX_METRICS) {
                throw HttpError.badRequest("billable_metrics must hold 1 to " + MAX_METRICS
                        + " metrics (leave it out for every metric)");
            }
            metrics = new ArrayList<>();
            for (JsonNode item : selected) {
                String field = "billable_metrics[" + metrics.size() + "]";
                if (!item.isObject()) {
                    throw HttpError.badRequest(field + " must be an object {id, group_by?}");
                }
                String id = id(item.get("id"), field + ".id");
                for (MetricSelection earlier : metrics) {
                    if (earlier.id().equals(id)) {
                        throw HttpError.badRequest(field + ".id: billable metric " + id + " is listed twice");
                    }
                }
                JsonNode groupBy = item.get("group_by");
                if (groupBy == null || groupBy.isNull()) {
                    metrics.add(new MetricSelection(field, id, null, null));
                } else {
                    GroupBy read = groupBy(groupBy, field + ".group_by");
                    metrics.add(new MetricSelection(field, id, read.key(), read.values()));
                }
            }
        }
        return new ListRequest(period, customers, metrics);
    }

    static GroupsRequest groupsRequest(JsonNode body) {
        requireObject(body);
        String customerId = id(body.get("customer_id"), "customer_id");
        String metricId = id(body.get("billable_metric_id"), "billable_metric_id");
        JsonNode currentPeriod = body.get("current_period");
        if (currentPeriod != null && !currentPeriod.isNull()) {
            if (!currentPeriod.isBoolean()) {
                throw HttpError.badRequest("current_period must be true or false");
            }
            if (currentPeriod.asBoolean()) {
                throw HttpError.badRequest("current_period is not supported: Meterflow has no contracts; give"
                        + " starting_on and ending_before");
            }
        }
        Period period = period(body);
        JsonNode groupKeyNode = body.get("group_key");
        JsonNode groupByNode = body.get("group_by");
        boolean hasGroupKey = groupKeyNode != null && !groupKeyNode.isNull();
        boolean hasGroupBy = groupByNode != null && !groupByNode.isNull();
        if (hasGroupKey && hasGroupBy) {
            throw HttpError.badRequest("group_by cannot be used together with group_key (group_by is deprecated: use"
                    + " group_key and group_filters)");
        }
        List<String> groupKey = null;
        Map<String, List<String>> filters = new LinkedHashMap<>();
        if (hasGroupKey) {
            if (!groupKeyNode.isArray() || groupKeyNode.isEmpty()) {
                throw HttpError.badRequest("group_key must be a non-empty array of property names, e.g. [\"region\"]");
            }
            groupKey = new ArrayList<>();
            for (JsonNode name : groupKeyNode) {
                String field = "group_key[" + groupKey.size() + "]";
                String key = text(name, field);
                if (groupKey.contains(key)) {
                    throw HttpError.badRequest(field + ": " + key + " is given twice");
                }
                groupKey.add(key);
            }
        } else if (hasGroupBy) {
            GroupBy read = groupBy(groupByNode, "group_by");
            groupKey = List.of(read.key());
            if (read.values() != null) {
                filters.put(read.key(), read.values());
            }
        }
        JsonNode groupFilters = body.get("group_filters");
        if (groupFilters != null && !groupFilters.isNull()) {
            if (!groupFilters.isObject()) {
                throw HttpError.badRequest("group_filters must be an object of property name to an array of values");
            }
            if (hasGroupBy) {
                throw HttpError.badRequest("group_filters cannot be used with the deprecated group_by (give its"
                        + " values in group_by.values, or use group_key)");
            }
            List<String> keys = groupKey;
            groupFilters.fields().forEachRemaining(entry -> {
                String field = "group_filters." + entry.getKey();
                if (keys == null || !keys.contains(entry.getKey())) {
                    throw HttpError.badRequest(field + ": the key must be one of group_key's names"
                            + (keys == null ? " (group_key is not given)" : " " + keys));
                }
                filters.put(entry.getKey(), values(entry.getValue(), field));
            });
        }
        return new GroupsRequest(customerId, metricId, period, groupKey, filters, hasGroupBy);
    }

    private record GroupBy(String key, List<String> values) {
    }

    private static GroupBy groupBy(JsonNode node, String field) {
        if (!node.isObject()) {
            throw HttpError.badRequest(field + " must be an object {key, values?}");
        }
        String key = text(node.get("key"), field + ".key");
        JsonNode values = node.get("values");
        return new GroupBy(key, values == null || values.isNull() ? null : values(values, field + ".values"));
    }

    private static List<String> values(JsonNode node, String field) {
        if (!node.isArray()) {
            throw HttpError.badRequest(field + " must be an array of strings");
        }
        if (node.size() > MAX_GROUP_VALUES) {
            throw HttpError.badRequest(field + " has " + node.size() + " values; at most " + MAX_GROUP_VALUES
                    + " are allowed");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode value : node) {
            String item = field + "[" + values.size() + "]";
            if (!value.isTextual()) {
                throw HttpError.badRequest(item + " must be a string");
            }
            values.add(HttpError.unlessLoneSurrogate(item, value.asText()));
        }
        return values;
    }

    /** The period of a body; starting_on and ending_before are always required (current_period is refused first). */
    private static Period period(JsonNode body) {
        WindowSize size = windowSize(body.get("window_size"));
        Instant start = timestamp(body.get("starting_on"), "starting_on", size);
        Instant end = timestamp(body.get("ending_before"), "ending_before", size);
        if (!start.isBefore(end)) {
            throw HttpError.badRequest("ending_before must be after starting_on (" + start + ")");
        }
        Duration span = Duration.between(start, end);
        if (span.compareTo(Duration.ofDays(MAX_PERIOD_DAYS)) > 0) {
            throw HttpError.badRequest("ending_before must be at most " + MAX_PERIOD_DAYS + " days after starting_on");
        }
        if (size == WindowSize.HOUR && span.toHours() > MAX_HOUR_WINDOWS) {
            throw HttpError.badRequest("ending_before: with window_size HOUR the period may span at most "
                    + MAX_HOUR_WINDOWS + " hours (31 days); use DAY windows, or several queries");
        }
        return new Period(size, start, end);
    }

    static WindowSize windowSize(JsonNode node) {
        if (node == null || node.isNull()) {
            throw HttpError.badRequest("window_size is required: HOUR, DAY or NONE");
        }
        if (node.isTextual()) {
            // The SDKs' types say HOUR / DAY / NONE; Metronome's documentation writes hour / day / none.
            String size = node.asText().toUpperCase(Locale.ROOT);
            for (WindowSize candidate : WindowSize.values()) {
                if (candidate.name().equals(size)) {
                    return candidate;
                }
            }
        }
        throw HttpError.badRequest("window_size must be HOUR, DAY or NONE (in either case); got "
                + shorten(node.toString()));
    }

    private static Instant timestamp(JsonNode node, String field, WindowSize size) {
        if (node == null || node.isNull()) {
            throw HttpError.badRequest(field + " is required: an RFC 3339 time on a UTC hour boundary, e.g."
                    + " 2026-11-01T00:00:00Z");
        }
        String text = node.isTextual() ? node.asText() : "";
        long millis = Rfc3339.parseEpochMillis(text);
        if (millis == Rfc3339.INVALID) {
            throw HttpError.badRequest(field + " must be an RFC 3339 time such as 2026-11-01T00:00:00Z; got "
                    + shorten(node.toString()));
        }
        // Rfc3339 keeps milliseconds; a finer fraction that is not zero is off any boundary too.
        boolean exact = millis % 1000 == 0 && !text.matches("(?s).*\\.\\d*[1-9].*");
        Instant instant = Instant.ofEpochMilli(millis);
        if (!exact || millis % 3_600_000 != 0) {
            throw HttpError.badRequest(field + " must be on a UTC hour boundary (e.g. " + instant.truncatedTo(
                    java.time.temporal.ChronoUnit.HOURS) + "); got " + shorten(text));
        }
        if (size == WindowSize.DAY && millis % 86_400_000 != 0) {
            throw HttpError.badRequest(field + " must be on a UTC day boundary with window_size DAY (e.g. "
                    + instant.truncatedTo(java.time.temporal.ChronoUnit.DAYS) + "); got " + shorten(text));
        }
        return instant;
    }

    private static String id(JsonNode node, String field) {
        String id = text(node, field);
        if (id.length() > MAX_ID_LENGTH) {
            throw HttpError.badRequest(field + " must be at most " + MAX_ID_LENGTH + " characters");
        }
        return id;
    }

    private static String text(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            throw HttpError.badRequest(field + " is required (a non-empty string)");
        }
        if (!node.isTextual() || node.asText().isEmpty()) {
            throw HttpError.badRequest(field + " must be a non-empty string");
        }
        return HttpError.unlessLoneSurrogate(field, node.asText());
    }

    private static void requireObject(JsonNode body) {
        if (!body.isObject()) {
            throw HttpError.badRequest("request body must be a JSON object");
        }
    }

    /** A 200 with {@code value} as JSON, BigDecimals written exactly as they are. */
    static HttpResponse exact(Object value) {
        try {
            return HttpResponse.rawJson(200, EXACT.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("answer is not serialisable as JSON", e);
        }
    }

    /** Text quoted in a message, cut to 64 characters. */
    static String shorten(String text) {
        String cut = text.length() <= 64 ? text : text.substring(0, 64) + "\u2026";
        StringBuilder printable = new StringBuilder(cut);
        for (int at = io.meterflow.json.JsonValues.loneSurrogate(printable); at >= 0;
                at = io.meterflow.json.JsonValues.loneSurrogate(printable)) {
            printable.setCharAt(at, '\uFFFD');
        }
        return printable.toString();
    }
}
