package io.meterflow.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
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

    /** Strict about what follows a JSON document: {@code {"a":1} x} is not valid JSON, not {@code {"a":1}}. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public String pathParam(String name) {
        return pathParams.get(name);
    }

    /** The first value of a query parameter, or null. */
    public String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /**
     * A {@code true}/{@code false} query parameter, false when absent or empty.
     *
     * @throws HttpError 400 naming the parameter for any other value
     */
    public boolean flagParam(String name) {
        String text = queryParam(name);
        if (text == null || text.isEmpty()) {
            return false;
        }
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw HttpError.badRequest(name + " must be true or false");
    }

    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /**
     * The body as a JSON tree. An empty body, whitespace only, invalid JSON, content after the document, and JSON
     * beyond Jackson's limits (nesting deeper than 1000, numbers longer than 1000 digits) are all a 400.
     */
    public JsonNode json() {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw HttpError.badRequest("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw HttpError.badRequest("request body is not valid JSON: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode()) {
            throw HttpError.badRequest("request body is empty; expected JSON");
        }
        return tree;
    }
}
