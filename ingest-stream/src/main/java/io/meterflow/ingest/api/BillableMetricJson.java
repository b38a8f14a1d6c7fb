package io.meterflow.ingest.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.http.HttpError;
import io.meterflow.ingest.billablemetrics.BillableMetricRules;
import io.meterflow.json.JsonValues;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.EventTypeFilter;
import io.meterflow.schemas.PropertyFilter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Billable metrics as Metronome's API writes them: the body of {@code POST /v1/billable-metrics/create} read into a
 * {@link BillableMetric}, and a metric written back in the shape of Metronome's {@code GET} answers (optional fields
 * left out when not set, as Metronome does: no {@code archived_at} while active, no {@code aggregation_key} on a
 * COUNT without one).
 *
 * <p>Reading checks the JSON types and refuses SQL metrics, each with a 400 naming the field; the rules of a
 * definition are {@link BillableMetricRules}'s, checked by {@link #read} too, so the API and ingest-stream apply the
 * same ones. Fields Meterflow does not know are ignored, as a Metronome client may send fields of a newer API.
 */
public final class BillableMetricJson {

    private BillableMetricJson() {
    }

    /**
     * The metric a create request defines, with {@code id} and {@code now} as its creation time.
     *
     * @throws HttpError 400 naming the field, for a body that is not a valid definition or defines a SQL metric
     */
    public static BillableMetric read(JsonNode body, String id, Instant now) {
        if (!body.isObject()) {
            throw HttpError.badRequest("request body must be a JSON object");
        }
        JsonNode sql = body.get("sql");
        if (sql != null && !sql.isNull()) {
            throw HttpError.badRequest("sql: SQL billable metrics are not supported by Meterflow; define the metric"
                    + " with aggregation_type, aggregation_key, event_type_filter, property_filters and group_keys");
        }
        JsonNode name = body.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw HttpError.badRequest("name is required (a non-empty string)");
        }
        BillableMetric metric = BillableMetric.newBuilder()
                .setId(id)
                .setName(HttpError.unlessLoneSurrogate("name", name.asText()))
                .setAggregationType(aggregationType(body.get("aggregation_type")))
                .setAggregationKey(optionalString(body.get("aggregation_key"), "aggregation_key"))
                .setEventTypeFilter(eventTypeFilter(body.get("event_type_filter")))
                .setPropertyFilters(propertyFilters(body.get("property_filters")))
                .setGroupKeys(groupKeys(body.get("group_keys")))
                .setCustomFields(customFields(body.get("custom_fields")))
                .setArchivedAt(null)
                .setCreatedAt(now)
                .setUpdatedAt(now)
                .build();
        Optional<String> violation = BillableMetricRules.violation(metric);
        if (violation.isPresent()) {
            throw HttpError.badRequest(violation.get());
        }
        return metric;
    }

    /** {@code metric} in Metronome's shape (the {@code data} of a retrieve, an item of a list). */
    public static Map<String, Object> write(BillableMetric metric) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", metric.getId());
        json.put("name", metric.getName());
        json.put("aggregation_type", metric.getAggregationType().name());
        if (metric.getAggregationKey() != null) {
            json.put("aggregation_key", metric.getAggregationKey());
        }
        EventTypeFilter eventTypes = metric.getEventTypeFilter();
        if (eventTypes != null) {
            Map<String, Object> filter = new LinkedHashMap<>();
            putIfSet(filter, "in_values", eventTypes.getInValues());
            putIfSet(filter, "not_in_values", eventTypes.getNotInValues());
            json.put("event_type_filter", filter);
        }
        List<Map<String, Object>> filters = new ArrayList<>();
        for (PropertyFilter propertyFilter : metric.getPropertyFilters()) {
            Map<String, Object> filter = new LinkedHashMap<>();
            filter.put("name", propertyFilter.getName());
            putIfSet(filter, "exists", propertyFilter.getExists());
            putIfSet(filter, "in_values", propertyFilter.getInValues());
            putIfSet(filter, "not_in_values", propertyFilter.getNotInValues());
            filters.add(filter);
        }
        json.put("property_filters", filters);
        json.put("group_keys", metric.getGroupKeys());
        json.put("custom_fields", metric.getCustomFields());
        if (metric.getArchivedAt() != null) {
            json.put("archived_at", metric.getArchivedAt().toString());
        }
        return json;
    }

    private static void putIfSet(Map<String, Object> json, String field, Object value) {
        if (value != null) {
            json.put(field, value);
        }
    }

    private static AggregationType aggregationType(JsonNode node) {
        if (node == null || node.isNull()) {
            throw HttpError.badRequest("aggregation_type is required: one of " + BillableMetricRules.aggregationTypes()
                    + " (SQL metrics are not supported)");
        }
        if (node.isTextual()) {
            // Metronome's older examples write the types in lower case ("count"); its SDKs in upper case.
            String type = node.asText().toUpperCase(Locale.ROOT);
            for (AggregationType candidate : AggregationType.values()) {
                if (candidate.name().equals(type)) {
                    return candidate;
                }
            }
        }
        throw HttpError.badRequest("aggregation_type must be one of " + BillableMetricRules.aggregationTypes()
                + "; got " + shorten(node.toString()));
    }

    private static EventTypeFilter eventTypeFilter(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw HttpError.badRequest("event_type_filter must be an object with in_values and/or not_in_values");
        }
        return new EventTypeFilter(strings(node.get("in_values"), "event_type_filter.in_values"),
                strings(node.get("not_in_values"), "event_type_filter.not_in_values"));
    }

    private static List<PropertyFilter> propertyFilters(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw HttpError.badRequest("property_filters must be an array of objects");
        }
        // Checked before each item is read, so that a huge array is refused without reading it all.
        if (node.size() > BillableMetricRules.MAX_PROPERTY_FILTERS) {
            throw HttpError.badRequest("property_filters has " + node.size() + " filters; at most "
                    + BillableMetricRules.MAX_PROPERTY_FILTERS + " are allowed");
        }
        List<PropertyFilter> filters = new ArrayList<>();
        for (JsonNode item : node) {
            String field = "property_filters[" + filters.size() + "]";
            if (!item.isObject()) {
                throw HttpError.badRequest(field + " must be an object with a name");
            }
            JsonNode name = item.get("name");
            if (name == null || !name.isTextual()) {
                throw HttpError.badRequest(field + ".name is required (a non-empty string)");
            }
            JsonNode exists = item.get("exists");
            if (exists != null && !exists.isNull() && !exists.isBoolean()) {
                throw HttpError.badRequest(field + ".exists must be true, false or null");
            }
            filters.add(new PropertyFilter(HttpError.unlessLoneSurrogate(field + ".name", name.asText()),
                    exists == null || exists.isNull() ? null : exists.asBoolean(),
                    strings(item.get("in_values"), field + ".in_values"),
                    strings(item.get("not_in_values"), field + ".not_in_values")));
        }
        return filters;
    }

    private static List<List<String>> groupKeys(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw HttpError.badRequest("group_keys must be an array of arrays of property names, e.g. [[\"region\"]]");
        }
        if (node.size() > BillableMetricRules.MAX_GROUP_KEYS) {
            throw HttpError.badRequest("group_keys has " + node.size() + " group keys; at most "
                    + BillableMetricRules.MAX_GROUP_KEYS + " are allowed");
        }
        List<List<String>> groups = new ArrayList<>();
        for (JsonNode group : node) {
            String field = "group_keys[" + groups.size() + "]";
            if (!group.isArray()) {
                throw HttpError.badRequest(field + " must be an array of property names, e.g. [\"region\"]");
            }
            groups.add(strings(group, field));
        }
        return groups;
    }

    private static Map<String, String> customFields(JsonNode node) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return fields;
        }
        if (!node.isObject()) {
            throw HttpError.badRequest("custom_fields must be an object of strings");
        }
        if (node.size() > BillableMetricRules.MAX_CUSTOM_FIELDS) {
            throw HttpError.badRequest("custom_fields has " + node.size() + " fields; at most "
                    + BillableMetricRules.MAX_CUSTOM_FIELDS + " are allowed");
        }
        node.fields().forEachRemaining(f -> {
            String field = "custom_fields." + shorten(f.getKey());
            if (!f.getValue().isTextual()) {
                throw HttpError.badRequest(field + " must be a string");
            }
            fields.put(HttpError.unlessLoneSurrogate(field + " (the key)", f.getKey()),
                    HttpError.unlessLoneSurrogate(field, f.getValue().asText()));
        });
        return fields;
    }

    /** An array of strings, or null when absent; its length and the strings' are the rules' to check. */
    private static List<String> strings(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw HttpError.badRequest(field + " must be an array of strings");
        }
        if (node.size() > BillableMetricRules.MAX_VALUES) {
            throw HttpError.badRequest(field + " has " + node.size() + " values; at most "
                    + BillableMetricRules.MAX_VALUES + " are allowed");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode value : node) {
            if (!value.isTextual()) {
                throw HttpError.badRequest(field + "[" + values.size() + "] must be a string");
            }
            values.add(HttpError.unlessLoneSurrogate(field + "[" + values.size() + "]", value.asText()));
        }
        return values;
    }

    private static String optionalString(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw HttpError.badRequest(field + " must be a string");
        }
        return HttpError.unlessLoneSurrogate(field, node.asText());
    }

    /** Text quoted in a message, cut to 64 characters and without lone surrogates (the answer is UTF-8). */
    private static String shorten(String text) {
        StringBuilder printable = new StringBuilder(text.length() <= 64 ? text : text.substring(0, 64) + "\u2026");
        for (int at = JsonValues.loneSurrogate(printable); at >= 0; at = JsonValues.loneSurrogate(printable)) {
            printable.setCharAt(at, '\uFFFD');
        }
        return printable.toString();
    }
}
