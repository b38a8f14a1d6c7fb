package io.meterflow.ingest.billablemetrics;

import static io.meterflow.ingest.billablemetrics.SampleMetrics.count;
import static io.meterflow.ingest.billablemetrics.SampleMetrics.cpuHours;
import static io.meterflow.ingest.billablemetrics.SampleMetrics.filter;
import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.EventTypeFilter;
import io.meterflow.schemas.PropertyFilter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BillableMetricRulesTest {

    private static Optional<String> violation(BillableMetric.Builder metric) {
        return BillableMetricRules.violation(metric.build());
    }

    @Test
    void metronomesExampleAndABareCountAreValid() {
        assertThat(violation(cpuHours("m1"))).isEmpty();
        assertThat(violation(count("m2"))).isEmpty();
    }

    @Test
    void aNameIsRequiredAndAtMost160Characters() {
        assertThat(violation(count("m").setName(" "))).get().asString().startsWith("name is required");
        assertThat(violation(count("m").setName("n".repeat(160)))).isEmpty();
        assertThat(violation(count("m").setName("n".repeat(161)))).get().asString()
                .startsWith("name has 161 characters; at most 160");
        // Characters, not UTF-16 units: 160 emoji are 320 chars in Java.
        assertThat(violation(count("m").setName("\uD83D\uDE00".repeat(160)))).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = AggregationType.class, names = "COUNT", mode = EnumSource.Mode.EXCLUDE)
    void everyAggregationButCountNeedsAKey(AggregationType type) {
        assertThat(violation(cpuHours("m").setAggregationType(type))).isEmpty();
        assertThat(violation(cpuHours("m").setAggregationType(type).setAggregationKey(null))).get().asString()
                .startsWith("aggregation_key is required for " + type);
        assertThat(violation(cpuHours("m").setAggregationType(type).setAggregationKey(""))).get().asString()
                .startsWith("aggregation_key is required");
    }

    @Test
    void theAggregationKeyMustBeOneOfThePropertyFilterNames() {
        assertThat(violation(cpuHours("m").setAggregationKey("memory_gb"))).get().asString()
                .startsWith("aggregation_key 'memory_gb' must be one of the property filter names");
        assertThat(violation(cpuHours("m").setPropertyFilters(List.of()))).get().asString()
                .startsWith("aggregation_key 'cpu_hours' must be one of the property filter names");
    }

    @Test
    void theAggregationKeysFilterCannotRequireThePropertyToBeAbsent() {
        assertThat(violation(cpuHours("m").setPropertyFilters(List.of(filter("cpu_hours").setExists(false).build()))
                .setGroupKeys(List.of()))).get().asString().contains("exists: false");
    }

    @Test
    void aCountMayNameAKeyButItFollowsTheSameRule() {
        assertThat(violation(count("m").setAggregationKey("tokens"))).get().asString()
                .contains("must be one of the property filter names");
        assertThat(violation(count("m").setAggregationKey("tokens")
                .setPropertyFilters(List.of(filter("tokens").build())))).isEmpty();
    }

    @Test
    void valueListsMustNotBeEmpty() {
        assertThat(violation(count("m").setEventTypeFilter(new EventTypeFilter(List.of(), null)))).get().asString()
                .startsWith("event_type_filter.in_values must not be empty");
        assertThat(violation(count("m").setEventTypeFilter(new EventTypeFilter(null, List.of())))).get().asString()
                .startsWith("event_type_filter.not_in_values must not be empty");
        assertThat(violation(count("m").setPropertyFilters(List.of(filter("a").build(),
                filter("b").setInValues(List.of()).build())))).get().asString()
                .startsWith("property_filters[1].in_values must not be empty");
        assertThat(violation(count("m").setPropertyFilters(List.of(filter("a").setNotInValues(List.of()).build()))))
                .get().asString().startsWith("property_filters[0].not_in_values must not be empty");
        // Absent lists are no constraint; an event type filter with neither list is valid.
        assertThat(violation(count("m").setEventTypeFilter(new EventTypeFilter(null, null)))).isEmpty();
    }

    @Test
    void valueListsAndValuesAreBounded() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            many.add("v" + i);
        }
        assertThat(violation(count("m").setEventTypeFilter(new EventTypeFilter(many, null)))).get().asString()
                .startsWith("event_type_filter.in_values has 101 values; at most 100");
        assertThat(violation(count("m").setEventTypeFilter(new EventTypeFilter(many.subList(0, 100), null))))
                .isEmpty();
        assertThat(violation(count("m").setPropertyFilters(List.of(filter("a")
                .setInValues(List.of("ok", "x".repeat(1025))).build())))).get().asString()
                .startsWith("property_filters[0].in_values[1] must be a string of at most 1024 characters");
    }

    @Test
    void propertyFiltersNeedUniqueNamesOfAtMost128Characters() {
        assertThat(violation(count("m").setPropertyFilters(List.of(filter("").build())))).get().asString()
                .startsWith("property_filters[0].name is required");
        assertThat(violation(count("m").setPropertyFilters(List.of(filter("p".repeat(129)).build())))).get()
                .asString().startsWith("property_filters[0].name has 129 characters; at most 128");
        assertThat(violation(count("m").setPropertyFilters(List.of(filter("a").build(), filter("a").build()))))
                .get().asString().startsWith("property_filters[1].name 'a' is the name of an earlier filter");
        List<PropertyFilter> filters = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            filters.add(filter("p" + i).build());
        }
        assertThat(violation(count("m").setPropertyFilters(filters))).get().asString()
                .startsWith("property_filters has 51 filters; at most 50");
    }

    @Test
    void aPropertyThatMustBeAbsentHasNoValuesToCompare() {
        assertThat(violation(count("m").setPropertyFilters(List.of(filter("a").setExists(false)
                .setInValues(List.of("x")).build())))).get().asString()
                .startsWith("property_filters[0] has exists: false and a list of values");
        assertThat(violation(count("m").setPropertyFilters(List.of(filter("a").setExists(false).build())))).isEmpty();
    }

    @Test
    void groupKeysNameThePropertyFilters() {
        assertThat(violation(cpuHours("m").setGroupKeys(List.of(List.of("region", "machine_type"))))).isEmpty();
        assertThat(violation(cpuHours("m").setGroupKeys(List.of(List.of("region"), List.of("zone"))))).get()
                .asString().isEqualTo("group_keys[1][0]: group key 'zone' does not match one of the property filter"
                        + " names (Metronome's rule)");
    }

    @Test
    void badGroupKeysAreRefused() {
        assertThat(violation(cpuHours("m").setGroupKeys(List.of(List.of())))).get().asString()
                .startsWith("group_keys[0] is empty");
        assertThat(violation(cpuHours("m").setGroupKeys(List.of(List.of("region", ""))))).get().asString()
                .startsWith("group_keys[0][1] is empty");
        assertThat(violation(cpuHours("m").setGroupKeys(List.of(List.of("region", "region"))))).get().asString()
                .startsWith("group_keys[0][1]: 'region' is listed twice");
        assertThat(violation(cpuHours("m").setGroupKeys(List.of(List.of("region", "machine_type"),
                List.of("machine_type", "region"))))).get().asString()
                .startsWith("group_keys[1] repeats an earlier group key");
        List<String> eleven = new ArrayList<>();
        List<PropertyFilter> filters = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            eleven.add("k" + i);
            filters.add(filter("k" + i).build());
        }
        assertThat(violation(count("m").setPropertyFilters(filters).setGroupKeys(List.of(eleven)))).get().asString()
                .startsWith("group_keys[0] has 11 property names; at most 10");
        List<List<String>> many = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            many.add(List.of("k" + (i % 11), "k" + ((i + 1 + i / 11) % 11)));
        }
        assertThat(violation(count("m").setPropertyFilters(filters).setGroupKeys(many))).get().asString()
                .startsWith("group_keys has 21 group keys; at most 20");
    }

    @Test
    void customFieldsAreBounded() {
        assertThat(violation(count("m").setCustomFields(Map.of("", "x")))).get().asString()
                .startsWith("custom_fields has an empty key");
        assertThat(violation(count("m").setCustomFields(Map.of("k".repeat(129), "x")))).get().asString()
                .contains("has 129 characters; at most 128");
        assertThat(violation(count("m").setCustomFields(Map.of("k", "v".repeat(1025))))).get().asString()
                .startsWith("custom_fields.'k' must be a string of at most 1024");
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 51; i++) {
            many.put("f" + i, "v");
        }
        assertThat(violation(count("m").setCustomFields(many))).get().asString()
                .startsWith("custom_fields has 51 fields; at most 50");
    }
}
