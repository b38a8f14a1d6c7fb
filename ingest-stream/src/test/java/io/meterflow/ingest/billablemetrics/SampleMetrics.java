package io.meterflow.ingest.billablemetrics;

import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.EventTypeFilter;
import io.meterflow.schemas.PropertyFilter;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Valid definitions to start from; each test breaks the one rule it is about. */
public final class SampleMetrics {

    public static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private SampleMetrics() {
    }

    /** Metronome's example: SUM of cpu_hours over cpu_usage events, by region and by machine type. */
    public static BillableMetric.Builder cpuHours(String id) {
        return BillableMetric.newBuilder()
                .setId(id)
                .setName("CPU Hours")
                .setAggregationType(AggregationType.SUM)
                .setAggregationKey("cpu_hours")
                .setEventTypeFilter(EventTypeFilter.newBuilder().setInValues(List.of("cpu_usage")).build())
                .setPropertyFilters(List.of(
                        filter("cpu_hours").setExists(true).build(),
                        filter("region").setExists(true).setInValues(List.of("EU", "NA")).build(),
                        filter("machine_type").setExists(true).setInValues(List.of("slow", "fast")).build()))
                .setGroupKeys(List.of(List.of("region"), List.of("machine_type")))
                .setCustomFields(Map.of("team", "infra"))
                .setCreatedAt(T0)
                .setUpdatedAt(T0);
    }

    /** A COUNT of every event, nothing else set. */
    public static BillableMetric.Builder count(String id) {
        return BillableMetric.newBuilder().setId(id).setName("Calls").setAggregationType(AggregationType.COUNT)
                .setCreatedAt(T0).setUpdatedAt(T0);
    }

    public static PropertyFilter.Builder filter(String name) {
        return PropertyFilter.newBuilder().setName(name).setExists(null).setInValues(null).setNotInValues(null);
    }
}
