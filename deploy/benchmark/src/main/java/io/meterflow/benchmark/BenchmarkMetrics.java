package io.meterflow.benchmark;

import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.EventTypeFilter;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.PropertyFilter;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.topics.Topics;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The billable metrics of the aggregation scenarios: a fixed list of ten over the {@link Workload}'s properties
 * (COUNT, SUM, MAX, UNIQUE, LATEST; some with event-type or property filters; two grouped by a property with three
 * values), taken in order and repeated (as new metrics) when more are asked for. Each definition comes with its own
 * matcher, written here independently of ingest-stream's {@code CompiledMetric}, so the checks can compute what every
 * aggregate should hold. Metric 0 is the COUNT of every event, the one the timed condition watches.
 */
final class BenchmarkMetrics {

    /** One property filter: {@code exists} (null: either), {@code in} / {@code notIn} (null: no constraint). */
    record Filter(String name, Boolean exists, List<String> in, List<String> notIn) {
    }

    /** One definition, in the terms of {@code BillableMetric}. */
    record Spec(String name, AggregationType type, String key, List<String> typesIn, List<String> typesNotIn,
                List<Filter> filters, List<List<String>> groupKeys) {
    }

    private static final List<Spec> SPECS = List.of(
            new Spec("events", AggregationType.COUNT, null, null, null, List.of(), List.of()),
            new Spec("api calls", AggregationType.COUNT, null, List.of("api_call"), null, List.of(), List.of()),
            new Spec("tokens", AggregationType.SUM, "tokens", null, null,
                    List.of(new Filter("tokens", true, null, null)), List.of()),
            new Spec("tokens by region", AggregationType.SUM, "tokens", null, null,
                    List.of(new Filter("tokens", true, null, null), new Filter("region", true, null, null)),
                    List.of(List.of("region"))),
            new Spec("max latency", AggregationType.MAX, "latency_ms", null, null,
                    List.of(new Filter("latency_ms", true, null, null)), List.of()),
            new Spec("models used", AggregationType.UNIQUE, "model", null, null,
                    List.of(new Filter("model", true, null, null)), List.of()),
            new Spec("latest tokens", AggregationType.LATEST, "tokens", List.of("tokens"), null,
                    List.of(new Filter("tokens", true, null, null)), List.of()),
            new Spec("eu calls", AggregationType.COUNT, null, null, null,
                    List.of(new Filter("region", null, List.of("eu-west-1"), null)), List.of()),
            new Spec("latency by model", AggregationType.SUM, "latency_ms", null, null,
                    List.of(new Filter("latency_ms", true, null, null),
                            new Filter("model", null, null, List.of("large-2026-11"))),
                    List.of(List.of("model"))),
            new Spec("regions outside storage", AggregationType.UNIQUE, "region", null, List.of("storage_gb_hours"),
                    List.of(new Filter("region", true, null, null)), List.of()));

    private final List<Spec> specs = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();

    /** {@code count} metrics, IDs derived from {@code run} (the topics are fresh per scenario run). */
    BenchmarkMetrics(String run, int count) {
        for (int m = 0; m < count; m++) {
            Spec base = SPECS.get(m % SPECS.size());
            int copy = m / SPECS.size();
            specs.add(copy == 0 ? base : new Spec(base.name() + " #" + (copy + 1), base.type(), base.key(),
                    base.typesIn(), base.typesNotIn(), base.filters(), base.groupKeys()));
            ids.add(UUID.nameUUIDFromBytes((run + "/metric/" + m).getBytes(StandardCharsets.UTF_8)).toString());
        }
    }

    int size() {
        return specs.size();
    }

    Spec spec(int m) {
        return specs.get(m);
    }

    String id(int m) {
        return ids.get(m);
    }

    /** The index of a metric ID, or -1. */
    int indexOf(String id) {
        return ids.indexOf(id);
    }

    /** The metric IDs in order. */
    List<String> ids() {
        return ids;
    }

    /** A one-line description for the console and the results. */
    String describe() {
        List<String> parts = new ArrayList<>();
        for (Spec s : specs) {
            parts.add(s.name() + " (" + s.type() + (s.key() != null ? " " + s.key() : "")
                    + (s.typesIn() != null ? ", type in " + s.typesIn() : "")
                    + (s.typesNotIn() != null ? ", type not in " + s.typesNotIn() : "")
                    + (s.filters().stream().anyMatch(f -> f.in() != null || f.notIn() != null) ? ", value filter" : "")
                    + (s.groupKeys().isEmpty() ? "" : ", grouped by " + s.groupKeys()) + ")");
        }
        return String.join("; ", parts);
    }

    BillableMetric definition(int m, Instant now) {
        Spec s = specs.get(m);
        List<PropertyFilter> filters = new ArrayList<>();
        for (Filter f : s.filters()) {
            filters.add(PropertyFilter.newBuilder().setName(f.name()).setExists(f.exists()).setInValues(f.in())
                    .setNotInValues(f.notIn()).build());
        }
        return BillableMetric.newBuilder()
                .setId(ids.get(m))
                .setName(s.name())
                .setAggregationType(s.type())
                .setAggregationKey(s.key())
                .setEventTypeFilter(s.typesIn() == null && s.typesNotIn() == null ? null
                        : EventTypeFilter.newBuilder().setInValues(s.typesIn()).setNotInValues(s.typesNotIn()).build())
                .setPropertyFilters(filters)
                .setGroupKeys(s.groupKeys())
                .setCustomFields(Map.of())
                .setArchivedAt(null)
                .setCreatedAt(now)
                .setUpdatedAt(now)
                .build();
    }

    /**
     * Writes every definition to billable-metrics with the contract's serde (as the API does), keyed by its ID, and
     * waits for every acknowledgement. The topic must exist (ingest-stream creates it when it starts).
     */
    void publish(KafkaProducer<byte[], byte[]> producer, Topics topics) {
        String topic = topics.billableMetrics().name();
        Instant now = Instant.now();
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        for (int m = 0; m < specs.size(); m++) {
            sent.add(producer.send(new ProducerRecord<>(topic, ids.get(m).getBytes(StandardCharsets.UTF_8),
                    topics.billableMetrics().valueSerde().serializer().serialize(topic, definition(m, now)))));
        }
        producer.flush();
        for (java.util.concurrent.Future<?> f : sent) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing billable metrics", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("could not publish a billable metric to " + topic, e.getCause());
            }
        }
    }

    // ---- the independent matcher ------------------------------------------------------------------------------

    /** A property's text form (string itself, number its literal, boolean true/false), or null. */
    static String text(JsonValue value) {
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
            return b.toString();
        }
        return null;
    }

    /** Whether {@code event} matches metric {@code m} (event type and property filters). */
    boolean matches(int m, UsageEvent event) {
        Spec s = specs.get(m);
        String type = event.getEventType();
        if (s.typesIn() != null && !s.typesIn().contains(type)) {
            return false;
        }
        if (s.typesNotIn() != null && s.typesNotIn().contains(type)) {
            return false;
        }
        Map<String, JsonValue> properties = event.getProperties();
        for (Filter f : s.filters()) {
            boolean present = properties.containsKey(f.name());
            if (f.exists() != null && f.exists() != present) {
                return false;
            }
            String text = text(properties.get(f.name()));
            if (f.in() != null && (text == null || !f.in().contains(text))) {
                return false;
            }
            if (f.notIn() != null && text != null && f.notIn().contains(text)) {
                return false;
            }
        }
        return true;
    }

    /** The number metric {@code m} aggregates from {@code event} (SUM, MAX, LATEST), or null if it is not one. */
    BigDecimal number(int m, UsageEvent event) {
        JsonValue value = event.getProperties().get(specs.get(m).key());
        return value != null && value.getValue() instanceof JsonNumber n ? new BigDecimal(n.getText()) : null;
    }

    /** Whether {@code event} contributes to metric {@code m}: it matches, and SUM/MAX/LATEST have a number. */
    boolean contributes(int m, UsageEvent event) {
        if (!matches(m, event)) {
            return false;
        }
        AggregationType type = specs.get(m).type();
        return switch (type) {
            case COUNT -> true;
            case UNIQUE -> text(event.getProperties().get(specs.get(m).key())) != null;
            default -> number(m, event) != null;
        };
    }

    /**
     * Records of usage-aggregates folding {@code event} writes: per metric it contributes to, the total row and one
     * row per group key (an event that matches but has no value to aggregate changes no row).
     */
    int rowsOf(UsageEvent event) {
        int rows = 0;
        for (int m = 0; m < specs.size(); m++) {
            if (contributes(m, event)) {
                rows += 1 + specs.get(m).groupKeys().size();
            }
        }
        return rows;
    }
}
