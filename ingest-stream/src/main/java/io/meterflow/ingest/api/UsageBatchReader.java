package io.meterflow.ingest.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.meterflow.http.HttpError;
import io.meterflow.ingest.IngestConfig;
import io.meterflow.ingest.validate.RejectionReason;
import io.meterflow.ingest.validate.UsageRecordSize;
import io.meterflow.ingest.validate.UsageValidator;
import io.meterflow.ingest.validate.Violation;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the body of {@code POST /v1/ingest}: a bare JSON array of 1 to {@value #MAX_EVENTS} events, each checked by
 * ingest-stream's own {@link UsageValidator} (so the API and the stream agree on what is valid, with the same reason
 * codes). Numbers in {@code properties} keep their exact text. Either every event is returned, or the request is
 * refused naming each bad event by its index and reason: 413 with {@code x-should-retry: false} when an event is over
 * {@code validation.max.event.bytes} (it could never be published), else 400.
 *
 * <p>The JSON parser's own limits are set above the rules' so that the rules decide: properties nested deeper than
 * {@link UsageValidator#MAX_PROPERTIES_DEPTH} are cut at the first level too deep and the validator reports
 * {@code NESTED_TOO_DEEP} for them, in its order; number literals of any length reach the {@code INVALID_NUMBER} rule.
 * Only a body nesting deeper than {@value #PARSER_MAX_DEPTH} levels is not read to its end (each level costs the parser
 * memory); it is refused {@code NESTED_TOO_DEEP} at the event where the parser stopped.
 */
public final class UsageBatchReader {

    /** Metronome's limit on events per ingest call. */
    public static final int MAX_EVENTS = 100;
    /** Deepest nesting the JSON parser follows, far above the properties rule plus the array and event levels. */
    public static final int PARSER_MAX_DEPTH = 1000;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(PARSER_MAX_DEPTH)
                    // The body limit bounds these; the rules (and the event size) decide, not the parser.
                    .maxNumberLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .build())
            .build();
    private static final List<String> STRING_FIELDS = List.of("transaction_id", "customer_id", "event_type",
            "timestamp");
    private static final String PROPERTIES = "properties";

    private final UsageValidator validator;

    /** @param validator the stream's rules ({@link IngestConfig#validator()}) */
    public UsageBatchReader(UsageValidator validator) {
        this.validator = validator;
    }

    /**
     * The events of {@code body}, all valid at {@code nowMs}; any problem is a 400 (or 413 for an event over the size
     * limit) naming every bad event.
     */
    public List<UsageEvent> read(byte[] body, long nowMs) {
        if (body.length == 0) {
            throw HttpError.badRequest("request body is empty; expected a JSON array of 1 to " + MAX_EVENTS
                    + " usage events");
        }
        List<Map<String, JsonValue>> objects = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        boolean readToEnd = false;
        try (JsonParser parser = FACTORY.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw HttpError.badRequest("request body must be a JSON array of 1 to " + MAX_EVENTS
                        + " usage events, not " + describe(parser.currentToken()));
            }
            try {
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    int index = objects.size();
                    if (index >= MAX_EVENTS) {
                        throw HttpError.badRequest("too many events: at most " + MAX_EVENTS + " per request");
                    }
                    if (parser.currentToken() == JsonToken.START_OBJECT) {
                        objects.add(readEvent(parser));
                    } else {
                        String found = describe(parser.currentToken());
                        parser.skipChildren();
                        problems.add("[" + index + "] " + RejectionReason.MALFORMED
                                + ": an event must be a JSON object, not " + found);
                        objects.add(null);
                    }
                }
                readToEnd = true;
            } catch (StreamConstraintsException e) {
                if (!e.getMessage().contains("nesting depth")) {
                    throw e;
                }
                problems.add("[" + objects.size() + "] " + RejectionReason.NESTED_TOO_DEEP + ": the request nests "
                        + "objects and arrays deeper than " + PARSER_MAX_DEPTH + " levels, so it was not read further"
                        + " (properties may nest " + UsageValidator.MAX_PROPERTIES_DEPTH + " levels)");
            }
            if (readToEnd && parser.nextToken() != null) {
                throw HttpError.badRequest("request body has content after the JSON array");
            }
        } catch (JsonProcessingException e) {
            throw HttpError.badRequest("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw HttpError.badRequest("request body could not be read: " + e.getMessage());
        }
        if (objects.isEmpty() && problems.isEmpty()) {
            throw HttpError.badRequest("request body is an empty array; send 1 to " + MAX_EVENTS + " usage events");
        }
        List<UsageEvent> events = new ArrayList<>(objects.size());
        boolean tooLarge = false;
        for (int i = 0; i < objects.size(); i++) {
            Map<String, JsonValue> object = objects.get(i);
            if (object == null) {
                continue;
            }
            Violation violation = shapeViolation(object);
            UsageEvent event = null;
            if (violation == null) {
                event = event(object);
                violation = validator.sizeViolation(UsageRecordSize.of(event));
                tooLarge |= violation != null;
            }
            if (violation == null) {
                violation = validator.violation(event, nowMs);
            }
            if (violation != null) {
                problems.add("[" + i + "] " + violation.reason() + ": " + violation.detail());
            } else {
                events.add(event);
            }
        }
        if (!problems.isEmpty()) {
            problems.sort(java.util.Comparator.comparingInt(UsageBatchReader::index));
            String message = problems.size() + " of " + (readToEnd ? "" : "at least ")
                    + (readToEnd ? objects.size() : objects.size() + 1) + " events "
                    + (problems.size() == 1 ? "is" : "are") + " invalid; none was ingested: "
                    + String.join("; ", problems);
            // An event over the size limit can never be published: retrying the same request cannot help.
            throw tooLarge ? new HttpError(413, message, Map.of("x-should-retry", "false"))
                    : HttpError.badRequest(message);
        }
        return events;
    }

    private static int index(String problem) {
        return Integer.parseInt(problem.substring(1, problem.indexOf(']')));
    }

    /**
     * Reads one event object (the parser is on its START_OBJECT). Fields other than the five of a usage event are
     * skipped, as before; {@code properties} is read with nesting cut one level below the rule's limit, so that the
     * validator sees (and names) the first container too deep.
     */
    private static Map<String, JsonValue> readEvent(JsonParser parser) throws IOException {
        Map<String, JsonValue> fields = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            if (name.equals(PROPERTIES)) {
                fields.put(name, read(parser, 1));
            } else if (STRING_FIELDS.contains(name)) {
                // Anything but a string is MALFORMED: the content of a container need not be kept.
                fields.put(name, read(parser, UsageValidator.MAX_PROPERTIES_DEPTH + 1));
            } else {
                parser.skipChildren();
            }
        }
        return fields;
    }

    /**
     * The value at the parser's current token; a container at {@code level} (counting as the validator does, the
     * properties object being 1) deeper than the rule allows is kept empty and the rest of it skipped.
     */
    private static JsonValue read(JsonParser parser, int level) throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case VALUE_NULL:
                return new JsonValue(null);
            case VALUE_TRUE:
                return new JsonValue(Boolean.TRUE);
            case VALUE_FALSE:
                return new JsonValue(Boolean.FALSE);
            case VALUE_STRING:
                return new JsonValue(parser.getText());
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return new JsonValue(new JsonNumber(parser.getText()));
            case START_ARRAY: {
                List<JsonValue> items = new ArrayList<>();
                if (level > UsageValidator.MAX_PROPERTIES_DEPTH) {
                    parser.skipChildren();
                    return new JsonValue(items);
                }
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(parser, level + 1));
                }
                return new JsonValue(items);
            }
            case START_OBJECT: {
                Map<String, JsonValue> fields = new LinkedHashMap<>();
                if (level > UsageValidator.MAX_PROPERTIES_DEPTH) {
                    parser.skipChildren();
                    return new JsonValue(fields);
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    fields.put(name, read(parser, level + 1));
                }
                return new JsonValue(fields);
            }
            default:
                throw new IOException("unexpected JSON token " + token);
        }
    }

    /** A shape problem the validator cannot see (it works on the typed record): a field of the wrong JSON type. */
    private static Violation shapeViolation(Map<String, JsonValue> object) {
        for (String field : STRING_FIELDS) {
            JsonValue value = object.get(field);
            if (value != null && value.getValue() != null && !(value.getValue() instanceof CharSequence)) {
                return new Violation(RejectionReason.MALFORMED, field + " must be a string");
            }
        }
        JsonValue properties = object.get(PROPERTIES);
        if (properties != null && properties.getValue() != null && !(properties.getValue() instanceof Map)) {
            return new Violation(RejectionReason.MALFORMED, "properties must be a JSON object");
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static UsageEvent event(Map<String, JsonValue> object) {
        JsonValue properties = object.get(PROPERTIES);
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
