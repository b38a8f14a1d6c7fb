package io.meterflow.http;

import io.meterflow.json.JsonValues;
import java.util.Locale;
import java.util.Map;

/**
 * An answer other than success, thrown by a handler: the service turns it into {@code {"message": "..."}} with this
 * status (Metronome's error shape) and any extra headers (e.g. {@code x-should-retry: false} on a 409).
 */
public class HttpError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Map<String, String> headers;

    public HttpError(int status, String message) {
        this(status, message, Map.of());
    }

    public HttpError(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /**
     * {@code value}, or a 400 naming {@code field} if it holds a lone surrogate (a JSON escape can spell one): UTF-8
     * cannot carry it, so two different strings would be stored as one.
     */
    public static String unlessLoneSurrogate(String field, String value) {
        int at = JsonValues.loneSurrogate(value);
        if (at >= 0) {
            throw badRequest(field + " has a lone surrogate (U+"
                    + Integer.toHexString(value.charAt(at)).toUpperCase(Locale.ROOT) + ") at index " + at
                    + "; text must be valid Unicode");
        }
        return value;
    }

    public static HttpError badRequest(String message) {
        return new HttpError(400, message);
    }

    public static HttpError notFound(String message) {
        return new HttpError(404, message);
    }

    /** 409 with {@code x-should-retry: false}, so Metronome's SDKs do not retry a conflict. */
    public static HttpError conflict(String message) {
        return new HttpError(409, message, Map.of("x-should-retry", "false"));
    }

    public static HttpError unavailable(String message) {
        return new HttpError(503, message);
    }
}
