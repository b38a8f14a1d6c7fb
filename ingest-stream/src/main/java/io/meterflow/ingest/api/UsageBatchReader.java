package io.meterflow.ingest.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.meterflow.http.HttpError;
import io.meterflow.ingest.validate.UsageValidator;
import io.meterflow.ingest.validate.Violation;
import io.meterflow.json.JsonValues;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the body of {@code POST /v1/ingest}: a bare JSON array of 1 to {@value #MAX_EVENTS} events, each checked by
 * ingest-stream's own {@link UsageValidator} (so the API and the stream agree on what is valid). Numbers in
 * {@code properties} keep their exact text. Either every event is returned, or a 400 names each bad event by its
 * index and reason.
 */
public final class UsageBatchReader {

    /** Metronome's limit on events per ingest call. */
    public static final int MAX_EVENTS = 100;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(JsonValues.MAX_DEPTH)
                    .maxNumberLength(1000).build())
            .build();
    private static final List<String> STRING_FIELDS = List.of("transaction_id", "customer_id", "event_type",
            "timestamp");

    private final UsageValidator validator;

    public UsageBatchReader(UsageValidator validator) {
        this.validator = validator;
    }

    /** The events of {@code body}, all valid at {@code nowMs}; any problem is a 400 naming every bad event. */
    public List<UsageEvent> read(byte[] body, long nowMs) {
        if (body.length == 0) {
            throw HttpError.badRequest("request body is empty; expected a JSON array of 1 to " + MAX_EVENTS
                    + " usage events");
        }
        List<Map<String, JsonValue>> objects = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (JsonParser parser = FACTORY.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw HttpError.badRequest("request body must be a JSON array of 1 to " + MAX_EVENTS
                        + " usage events, not " + describe(parser.currentToken()));
            }
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                int index = objects.size();
                if (index >= MAX_EVENTS) {
                    throw HttpError.badRequest("too many events: at most " + MAX_EVENTS + " per request");
                }
                if (parser.currentToken() == JsonToken.START_OBJECT) {
                    objects.add(JsonValues.readObjectBody(parser));
                } else {
                    problems.add("[" + index + "] MALFORMED: an event must be a JSON object, not "
                            + describe(parser.currentToken()));
                    parser.skipChildren();
                    objects.add(null);
                }
            }
            if (parser.nextToken() != null) {
                throw HttpError.badRequest("request body has content after the JSON array");
            }
        } catch (JsonProcessingException e) {
            throw HttpError.badRequest("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw HttpError.badRequest("request body could not be read: " + e.getMessage());
        }
        if (objects.isEmpty()) {
            throw HttpError.badRequest("request body is an empty array; send 1 to " + MAX_EVENTS + " usage events");
        }
        List<UsageEvent> events = new ArrayList<>(objects.size());
        for (int i = 0; i < objects.size(); i++) {
            Map<String, JsonValue> object = objects.get(i);
            if (object == null) {
                continue;
            }
            String problem = problem(object);
            UsageEvent event = null;
            if (problem == null) {
                event = event(object);
                Violation violation = validator.violation(event, nowMs);
                if (violation != null) {
                    problem = violation.reason() + ": " + violation.detail();
                }
            }
            if (problem != null) {
                problems.add("[" + i + "] " + problem);
            } else {
                events.add(event);
            }
        }
        if (!problems.isEmpty()) {
            problems.sort(java.util.Comparator.comparingInt(UsageBatchReader::index));
            throw HttpError.badRequest(problems.size() + " of " + objects.size()
                    + " events are invalid; none was ingested: " + String.join("; ", problems));
        }
        return events;
    }

    private static int index(String problem) {
        return Integer.parseInt(problem.substring(1, problem.indexOf(']')));
    }

    /** A shape problem the validator cannot see (it works on the typed record): a field of the wrong JSON type. */
    private static String problem(Map<String, JsonValue> object) {
        for (String field : STRING_FIELDS) {
            JsonValue value = object.get(field);
            if (value != null && value.getValue() != null && !(value.getValue() instanceof CharSequence)) {
                return "MALFORMED: " + field + " must be a string";
            }
        }
        JsonValue properties = object.get("properties");
        if (properties != null && properties.getValue() != null && !(properties.getValue() instanceof Map)) {
            return "MALFORMED: properties must be a JSON object";
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static UsageEvent event(Map<String, JsonValue> object) {
        JsonValue properties = object.get("properties");
        Map<String, JsonValue> props = properties == null || properties.getValue() == null ? Map.of()
                : (Map<String, JsonValue>) properties.getValue();
        return UsageEvent.newBuilder()
                .setTransactionId(string(object, "transaction_id"))
                .setCustomerId(string(object, "customer_id"))
                .setEventType(string(object, "event_type"))
                .setTimestamp(string(object, "timestamp"))
                .setProperties(new LinkedHashMap<>(props))
                .build();
    }

    private static String string(Map<String, JsonValue> object, String field) {
        JsonValue value = object.get(field);
        return value == null || value.getValue() == null ? null : value.getValue().toString();
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }
}
