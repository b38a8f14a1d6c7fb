package io.meterflow.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One request as a handler sees it: method, path, path parameters from the route pattern, query parameters, headers
 * (lower-cased names) and the body, already gunzipped when it came with {@code Content-Encoding: gzip}.
 */
public record HttpRequest(
        String method,
        String path,
        Map<String, String> pathParams,
        Map<String, List<String>> query,
        Map<String, List<String>> headers,
        byte[] body) {

    static final ObjectMapper JSON = new ObjectMapper();

    public String pathParam(String name) {
        return pathParams.get(name);
    }

    /** The first value of a query parameter, or null. */
    public String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The body as a JSON tree; an empty or unparsable body is a 400. */
    public JsonNode json() {
        if (body.length == 0) {
            throw HttpError.badRequest("request body is empty; expected JSON");
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw HttpError.badRequest("request body is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
    }
}
