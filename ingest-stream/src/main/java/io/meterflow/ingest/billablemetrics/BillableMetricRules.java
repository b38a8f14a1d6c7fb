package io.meterflow.ingest.billablemetrics;

import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.EventTypeFilter;
import io.meterflow.schemas.PropertyFilter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What makes a billable metric definition valid: Metronome's rules (a key for every aggregation but COUNT, the key and
 * every group key among the property filters' names, no empty value list) and Meterflow's limits, which keep a
 * definition small (every one is held by every ingest-stream instance, and will be matched against every event). The
 * API refuses a definition that breaks one with a 400; ingest-stream skips such a record on billable-metrics (anyone
 * who can write to the topic could write one), so the rules hold for every definition it holds.
 *
 * <p>Each violation names the field it is about, as the API answers it ({@code property_filters[1].in_values}).
 */
public final class BillableMetricRules {

    /** Most characters of a metric's name (a customer's name is cut to the same length). */
    public static final int MAX_NAME_LENGTH = 160;
    /** Most characters of a property name (aggregation key, filter name, group key) and of a custom field key. */
    public static final int MAX_KEY_LENGTH = 128;
    /** Most characters of a value in a filter's list (an event type or a property value) and of a custom field. */
    public static final int MAX_VALUE_LENGTH = 1024;
    /** Most values in one {@code in_values} or {@code not_in_values} list. */
    public static final int MAX_VALUES = 100;
    public static final int MAX_PROPERTY_FILTERS = 50;
    public static final int MAX_GROUP_KEYS = 20;
    /** Most property names in one group key. */
    public static final int MAX_GROUP_KEY_SIZE = 10;
    public static final int MAX_CUSTOM_FIELDS = 50;
    /**
     * The largest billable-metrics record (UTF-8 key plus framed Avro value) the API publishes; larger definitions
     * are answered 413. Far below any topic's limit, and small enough that holding every metric in every instance
     * stays cheap; the per-field limits above allow more than this, so this is the bound that holds.
     */
    public static final int MAX_RECORD_BYTES = 64 * 1024;

    private BillableMetricRules() {
    }

    /** The first rule {@code metric} breaks, as a message naming the field; empty when it is valid. */
    public static Optional<String> violation(BillableMetric metric) {
        String name = metric.getName();
        if (name == null || name.isBlank()) {
            return Optional.of("name is required (a non-empty string)");
        }
        if (length(name) > MAX_NAME_LENGTH) {
            return Optional.of("name has " + length(name) + " characters; at most " + MAX_NAME_LENGTH
                    + " are allowed");
        }
        if (metric.getAggregationType() == null) {
            return Optional.of("aggregation_type is required: one of " + aggregationTypes());
        }
        Optional<String> filters = eventTypeFilter(metric.getEventTypeFilter());
        if (filters.isEmpty()) {
            filters = propertyFilters(metric.getPropertyFilters());
        }
        if (filters.isPresent()) {
            return filters;
        }
        Optional<String> key = aggregationKey(metric);
        if (key.isPresent()) {
            return key;
        }
        Optional<String> groups = groupKeys(metric.getGroupKeys(), filterNames(metric.getPropertyFilters()));
        return groups.isPresent() ? groups : customFields(metric.getCustomFields());
    }

    /** The aggregation types, as the API spells them. */
    public static String aggregationTypes() {
        StringBuilder all = new StringBuilder();
        for (AggregationType type : AggregationType.values()) {
            all.append(all.length() == 0 ? "" : ", ").append(type.name());
        }
        return all.toString();
    }

    /** Whether {@code type} aggregates a property's value, and so needs an aggregation key (all but COUNT). */
    public static boolean needsKey(AggregationType type) {
        return type != AggregationType.COUNT;
    }

    private static Optional<String> aggregationKey(BillableMetric metric) {
        String key = metric.getAggregationKey();
        AggregationType type = metric.getAggregationType();
        if (key == null || key.isEmpty()) {
            return needsKey(type)
                    ? Optional.of("aggregation_key is required for " + type + " metrics: the event property to aggregate")
                    : Optional.empty();
        }
        Optional<String> tooLong = keyLength("aggregation_key", key);
        if (tooLong.isPresent()) {
            return tooLong;
        }
        PropertyFilter filter = null;
        for (PropertyFilter candidate : metric.getPropertyFilters()) {
            if (candidate.getName().equals(key)) {
                filter = candidate;
            }
        }
        if (filter == null) {
            return Optional.of("aggregation_key " + quote(key) + " must be one of the property filter names"
                    + " (Metronome's rule: add a property filter named " + quote(key) + ", e.g. with exists: true)");
        }
        if (Boolean.FALSE.equals(filter.getExists())) {
            return Optional.of("aggregation_key " + quote(key) + " has a property filter with exists: false, so no"
                    + " matching event would have a value to aggregate");
        }
        return Optional.empty();
    }

    private static Optional<String> eventTypeFilter(EventTypeFilter filter) {
        if (filter == null) {
            return Optional.empty();
        }
        Optional<String> in = values("event_type_filter.in_values", filter.getInValues());
        return in.isPresent() ? in : values("event_type_filter.not_in_values", filter.getNotInValues());
    }

    private static Optional<String> propertyFilters(List<PropertyFilter> filters) {
        if (filters.size() > MAX_PROPERTY_FILTERS) {
            return Optional.of("property_filters has " + filters.size() + " filters; at most " + MAX_PROPERTY_FILTERS
                    + " are allowed");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < filters.size(); i++) {
            PropertyFilter filter = filters.get(i);
            String field = "property_filters[" + i + "]";
            if (filter.getName() == null || filter.getName().isEmpty()) {
                return Optional.of(field + ".name is required (a non-empty string)");
            }
            Optional<String> problem = keyLength(field + ".name", filter.getName());
            if (problem.isPresent()) {
                return problem;
            }
            if (!names.add(filter.getName())) {
                return Optional.of(field + ".name " + quote(filter.getName())
                        + " is the name of an earlier filter; give each property one filter");
            }
            problem = values(field + ".in_values", filter.getInValues());
            if (problem.isEmpty()) {
                problem = values(field + ".not_in_values", filter.getNotInValues());
            }
            if (problem.isPresent()) {
                return problem;
            }
            if (Boolean.FALSE.equals(filter.getExists())
                    && (filter.getInValues() != null || filter.getNotInValues() != null)) {
                return Optional.of(field + " has exists: false and a list of values: a property that must be absent"
                        + " has no value to compare");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> groupKeys(List<List<String>> groups, Set<String> filterNames) {
        if (groups.size() > MAX_GROUP_KEYS) {
            return Optional.of("group_keys has " + groups.size() + " group keys; at most " + MAX_GROUP_KEYS
                    + " are allowed");
        }
        Set<Set<String>> seen = new HashSet<>();
        for (int i = 0; i < groups.size(); i++) {
            List<String> group = groups.get(i);
            String field = "group_keys[" + i + "]";
            if (group.isEmpty()) {
                return Optional.of(field + " is empty; a group key lists 1 to " + MAX_GROUP_KEY_SIZE
                        + " property names");
            }
            if (group.size() > MAX_GROUP_KEY_SIZE) {
                return Optional.of(field + " has " + group.size() + " property names; at most " + MAX_GROUP_KEY_SIZE
                        + " are allowed");
            }
            Set<String> names = new HashSet<>();
            for (int j = 0; j < group.size(); j++) {
                String key = group.get(j);
                String keyField = field + "[" + j + "]";
                if (key == null || key.isEmpty()) {
                    return Optional.of(keyField + " is empty; a group key lists property names");
                }
                Optional<String> tooLong = keyLength(keyField, key);
                if (tooLong.isPresent()) {
                    return tooLong;
                }
                if (!filterNames.contains(key)) {
                    return Optional.of(keyField + ": group key " + quote(key)
                            + " does not match one of the property filter names (Metronome's rule)");
                }
                if (!names.add(key)) {
                    return Optional.of(keyField + ": " + quote(key) + " is listed twice in one group key");
                }
            }
            if (!seen.add(names)) {
                return Optional.of(field + " repeats an earlier group key");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> customFields(Map<String, String> fields) {
        if (fields.size() > MAX_CUSTOM_FIELDS) {
            return Optional.of("custom_fields has " + fields.size() + " fields; at most " + MAX_CUSTOM_FIELDS
                    + " are allowed");
        }
        for (Map.Entry<String, String> field : fields.entrySet()) {
            if (field.getKey().isEmpty()) {
                return Optional.of("custom_fields has an empty key");
            }
            Optional<String> problem = keyLength("custom_fields key " + quote(field.getKey()), field.getKey());
            if (problem.isPresent()) {
                return problem;
            }
            if (field.getValue() == null || length(field.getValue()) > MAX_VALUE_LENGTH) {
                return Optional.of("custom_fields." + quote(field.getKey()) + " must be a string of at most "
                        + MAX_VALUE_LENGTH + " characters");
            }
        }
        return Optional.empty();
    }

    /** A filter's value list: absent (null) or 1 to {@value #MAX_VALUES} values of at most {@value #MAX_VALUE_LENGTH}. */
    private static Optional<String> values(String field, List<String> values) {
        if (values == null) {
            return Optional.empty();
        }
        if (values.isEmpty()) {
            return Optional.of(field + " must not be empty (Metronome's rule); leave it out for no constraint");
        }
        if (values.size() > MAX_VALUES) {
            return Optional.of(field + " has " + values.size() + " values; at most " + MAX_VALUES + " are allowed");
        }
        for (int i = 0; i < values.size(); i++) {
            String value = values.get(i);
            if (value == null || length(value) > MAX_VALUE_LENGTH) {
                return Optional.of(field + "[" + i + "] must be a string of at most " + MAX_VALUE_LENGTH
                        + " characters");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> keyLength(String field, String key) {
        return length(key) > MAX_KEY_LENGTH
                ? Optional.of(field + " has " + length(key) + " characters; at most " + MAX_KEY_LENGTH
                        + " are allowed")
                : Optional.empty();
    }

    private static Set<String> filterNames(List<PropertyFilter> filters) {
        Set<String> names = new HashSet<>();
        filters.forEach(f -> names.add(f.getName()));
        return names;
    }

    private static int length(String text) {
        return text.codePointCount(0, text.length());
    }

    /** A name quoted in a message, cut so that the message stays short. */
    private static String quote(String text) {
        return "'" + (length(text) <= 64 ? text : text.substring(0, text.offsetByCodePoints(0, 64)) + "\u2026") + "'";
    }
}
