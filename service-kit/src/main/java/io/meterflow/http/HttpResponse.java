package io.meterflow.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What a handler answers: status, content type, body and extra headers. */
public record HttpResponse(int status, String contentType, byte[] body, Map<String, String> headers) {

    public HttpResponse {
        headers = Map.copyOf(headers);
    }

    /** JSON of any Jackson-serialisable value (maps, lists, records, JsonNode). */
    public static HttpResponse json(int status, Object value) {
        try {
            return new HttpResponse(status, "application/json", HttpRequest.JSON.writeValueAsBytes(value), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response is not serialisable as JSON", e);
        }
    }

    /** JSON text written by the caller (e.g. with exact numbers). */
    public static HttpResponse rawJson(int status, String json) {
        return new HttpResponse(status, "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    public static HttpResponse text(int status, String contentType, String text) {
        return new HttpResponse(status, contentType, text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** 200 with no body (Metronome answers ingest and setIngestAliases this way). */
    public static HttpResponse ok() {
        return new HttpResponse(200, "application/json", new byte[0], Map.of());
    }

    public HttpResponse withHeader(String name, String value) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put(name, value);
        return new HttpResponse(status, contentType, body, all);
    }
}
