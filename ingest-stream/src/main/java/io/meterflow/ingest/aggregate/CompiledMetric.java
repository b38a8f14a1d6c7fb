package io.meterflow.ingest.aggregate;

import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.EventTypeFilter;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.PropertyFilter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A billable metric definition made ready for matching events, built once per definition version (its
 * {@code updated_at}) and kept per task.
 *
 * <p>Matching: the event type passes {@code event_type_filter} (in / not in), and every property filter passes.
 * {@code exists: true} wants the property present (a JSON null counts as present), {@code exists: false} absent.
 * {@code in_values} / {@code not_in_values} compare the property's {@linkplain #text text form}: a JSON string is
 * itself, a number its literal text as sent ({@code 1.0} is not {@code 1}), a boolean {@code true} / {@code false}.
 * A property that is missing, null, an array or an object has no text form: it matches no {@code in_values} and is
 * excluded by no {@code not_in_values}. Group values use the same text form; no text form gives a null group value.
 *
 * <p>The aggregated value: SUM, MAX and LATEST need a JSON number (a string such as {@code "12"} is not one), read
 * exactly as a {@link BigDecimal}; after dropping trailing zeros its precision must be at most
 * {@value #MAX_PRECISION} digits and its scale within ±{@value #MAX_SCALE}, so no value (and no sum of them) can grow
 * without bound. UNIQUE counts distinct text forms. A text (a UNIQUE value or a group value) longer than
 * {@value #MAX_TEXT_LENGTH} characters is refused, which bounds keys and records.
 */
public final class CompiledMetric {

    public static final int MAX_PRECISION = 40;
    public static final int MAX_SCALE = 40;
    /** Longest UNIQUE value or group value, in UTF-16 units (a filter value's limit). */
    public static final int MAX_TEXT_LENGTH = 1024;

    /** Why an event that matches a metric does not contribute to it. */
    public enum Problem { NOT_NUMERIC, OUT_OF_RANGE, TOO_LONG }

    /**
     * What a matching event contributes: {@code number} for SUM, MAX and LATEST, {@code text} for UNIQUE (both null
     * for COUNT); {@code skip} when it contributes nothing (a UNIQUE key without a text form), {@code problem} when it
     * contributes nothing for a reason that is counted.
     */
    public record Contribution(BigDecimal number, String text, boolean skip, Problem problem) {
        static final Contribution COUNT = new Contribution(null, null, false, null);
        static final Contribution SKIP = new Contribution(null, null, true, null);

        static Contribution refused(Problem problem) {
            return new Contribution(null, null, true, problem);
        }

        public boolean contributes() {
            return !skip;
        }
    }

    private record Filter(String name, Boolean exists, Set<String> in, Set<String> notIn) {
    }

    private final BillableMetric definition;
    private final AggregationType type;
    private final String key;
    private final Set<String> typesIn;
    private final Set<String> typesNotIn;
    private final List<Filter> filters;
    private final List<List<String>> groupKeys;

    private CompiledMetric(BillableMetric definition) {
        this.definition = definition;
        this.type = definition.getAggregationType();
        this.key = definition.getAggregationKey();
        EventTypeFilter eventTypes = definition.getEventTypeFilter();
        this.typesIn = eventTypes == null ? null : set(eventTypes.getInValues());
        this.typesNotIn = eventTypes == null ? null : set(eventTypes.getNotInValues());
        List<Filter> compiled = new ArrayList<>();
        for (PropertyFilter f : definition.getPropertyFilters()) {
            compiled.add(new Filter(f.getName(), f.getExists(), set(f.getInValues()), set(f.getNotInValues())));
        }
        this.filters = List.copyOf(compiled);
        List<List<String>> groups = new ArrayList<>();
        definition.getGroupKeys().forEach(g -> groups.add(List.copyOf(g)));
        this.groupKeys = List.copyOf(groups);
    }

    public static CompiledMetric of(BillableMetric definition) {
        return new CompiledMetric(definition);
    }

    public BillableMetric definition() {
        return definition;
    }

    public String id() {
        return definition.getId();
    }

    public AggregationType type() {
        return type;
    }

    public long updatedAt() {
        return definition.getUpdatedAt().toEpochMilli();
    }

    public List<List<String>> groupKeys() {
        return groupKeys;
    }

    /** Whether an event of {@code eventType} with {@code properties} counts for this metric. */
    public boolean matches(String eventType, Map<String, JsonValue> properties) {
        if (typesIn != null && !typesIn.contains(eventType)) {
            return false;
        }
        if (typesNotIn != null && typesNotIn.contains(eventType)) {
            return false;
        }
        for (Filter filter : filters) {
            boolean present = properties.containsKey(filter.name());
            if (filter.exists() != null && filter.exists() != present) {
                return false;
            }
            if (filter.in() != null || filter.notIn() != null) {
                String text = present ? text(properties.get(filter.name())) : null;
                if (filter.in() != null && (text == null || !filter.in().contains(text))) {
                    return false;
                }
                if (filter.notIn() != null && text != null && filter.notIn().contains(text)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** What a matching event contributes to this metric's value (see the class comment). */
    public Contribution contribution(Map<String, JsonValue> properties) {
        switch (type) {
            case COUNT:
                return Contribution.COUNT;
            case UNIQUE: {
                String text = text(properties.get(key));
                if (text == null) {
                    return Contribution.SKIP;
                }
                return text.length() > MAX_TEXT_LENGTH ? Contribution.refused(Problem.TOO_LONG)
                        : new Contribution(null, text, false, null);
            }
            default: {
                JsonValue value = properties.get(key);
                if (value == null || !(value.getValue() instanceof JsonNumber number)) {
                    return Contribution.refused(Problem.NOT_NUMERIC);
                }
                BigDecimal parsed = number(number.getText());
                if (parsed == null) {
                    return Contribution.refused(Problem.NOT_NUMERIC);
                }
                if (parsed.precision() > MAX_PRECISION || Math.abs(parsed.scale()) > MAX_SCALE) {
                    return Contribution.refused(Problem.OUT_OF_RANGE);
                }
                return new Contribution(parsed, null, false, null);
            }
        }
    }

    /**
     * The event's values for each group key, in the metric's order (an element is null where the property has no text
     * form); null when one is longer than {@value #MAX_TEXT_LENGTH} characters.
     */
    public List<List<String>> groupValues(Map<String, JsonValue> properties) {
        List<List<String>> all = new ArrayList<>(groupKeys.size());
        for (List<String> names : groupKeys) {
            List<String> values = new ArrayList<>(names.size());
            for (String name : names) {
                String text = text(properties.get(name));
                if (text != null && text.length() > MAX_TEXT_LENGTH) {
                    return null;
                }
                values.add(text);
            }
            all.add(values);
        }
        return all;
    }

    /** A JSON number's exact value without trailing zeros, or null if the text is not a number. */
    static BigDecimal number(String literal) {
        if (literal == null || literal.isEmpty() || literal.length() > 1000) {
            return null;
        }
        try {
            BigDecimal value = new BigDecimal(literal);
            return value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A property value's text form: a string is itself, a number its literal, a boolean true/false; else null. */
    public static String text(JsonValue value) {
        if (value == null) {
            return null;
        }
        Object v = value.getValue();
        if (v instanceof CharSequence s) {
            return s.toString();
        }
        if (v instanceof JsonNumber n) {
            return n.getText();
        }
        if (v instanceof Boolean b) {
            return b ? "true" : "false";
        }
        return null;
    }

    /** An exact value as written out: plain notation, no trailing zeros ({@code 0.3}, {@code 100}). */
    public static String format(BigDecimal value) {
        return value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString();
    }

    private static Set<String> set(List<String> values) {
        return values == null ? null : new HashSet<>(values);
    }
}
