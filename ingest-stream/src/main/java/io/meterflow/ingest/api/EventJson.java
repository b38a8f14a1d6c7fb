package io.meterflow.ingest.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.meterflow.ingest.query.EventStatus;
import io.meterflow.json.JsonValues;
import io.meterflow.schemas.UsageEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One event-search item: Metronome's event shape ({@code id}, {@code transaction_id}, {@code customer_id} as sent,
 * {@code event_type}, {@code timestamp}, {@code properties}, {@code is_duplicate}, {@code matched_customer},
 * {@code processed_at}) plus Meterflow's {@code status}, {@code resolution}, {@code archived},
 * {@code duplicate_count} and, for rejections, {@code rejection_reason} and {@code rejection_detail}. Properties are
 * written from their exact text (numbers as sent).
 */
final class EventJson {

    /** Between instances, properties travel as JSON text so that no number is re-formatted on the way. */
    static final String PROPERTIES_TEXT = "properties_json";

    private EventJson() {
    }

    static Map<String, Object> item(EventStatus status, CustomerNames names) {
        Map<String, Object> item = new LinkedHashMap<>();
        UsageEvent event = status.event();
        item.put("id", status.transactionId());
        item.put("transaction_id", status.transactionId());
        item.put("customer_id", event == null ? null : event.getCustomerId());
        item.put("event_type", event == null ? null : event.getEventType());
        item.put("timestamp", event == null ? null : event.getTimestamp());
        item.put("properties", new RawValue(event == null ? "{}" : propertiesJson(event)));
        item.put("is_duplicate", status.duplicated());
        item.put("duplicate_count", status.duplicates());
        if (status.status() == EventStatus.Status.ATTRIBUTED && status.customerId() != null) {
            Map<String, Object> matched = new LinkedHashMap<>();
            matched.put("id", status.customerId());
            matched.put("name", names.nameOf(status.customerId()).orElse(null));
            item.put("matched_customer", matched);
            item.put("resolution", status.resolution() == null ? null : status.resolution().name());
            item.put("archived", status.archived());
        }
        item.put("processed_at", status.processedAt() == null ? null : status.processedAt().toString());
        item.put("status", status.status().name().toLowerCase(Locale.ROOT));
        if (status.status() == EventStatus.Status.REJECTED) {
            item.put("rejection_reason", status.rejectionReason());
            item.put("rejection_detail", status.rejectionDetail());
        }
        return item;
    }

    /**
     * The event's properties as JSON. Events are validated before they are stored, so this always succeeds for what
     * this version stores; a state written before number literals were checked may still hold a forged one, and
     * search must answer for it anyway (without the properties) rather than fail.
     */
    private static String propertiesJson(UsageEvent event) {
        try {
            return JsonValues.toJson(event.getProperties());
        } catch (IllegalArgumentException e) {
            return "{}";
        }
    }

    /** {@link #item} for another instance: properties as text. */
    static Map<String, Object> internalItem(EventStatus status, CustomerNames names) {
        Map<String, Object> item = item(status, names);
        item.put(PROPERTIES_TEXT, ((RawValue) item.remove("properties")).rawValue().toString());
        return item;
    }

    /** An item received from another instance, ready to answer with exact properties. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> fromInternal(JsonNode node) {
        Map<String, Object> item = new LinkedHashMap<>();
        node.fields().forEachRemaining(f -> {
            if (f.getKey().equals(PROPERTIES_TEXT)) {
                item.put("properties", new RawValue(f.getValue().asText()));
            } else {
                item.put(f.getKey(), f.getValue());
            }
        });
        // Keep Metronome's field order: properties after timestamp.
        Map<String, Object> ordered = new LinkedHashMap<>();
        for (String key : List.of("id", "transaction_id", "customer_id", "event_type", "timestamp", "properties")) {
            if (item.containsKey(key)) {
                ordered.put(key, item.remove(key));
            }
        }
        ordered.putAll(item);
        return ordered;
    }
}
