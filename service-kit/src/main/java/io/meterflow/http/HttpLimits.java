package io.meterflow.http;

import java.time.Duration;

/**
 * What one {@link HttpService} accepts from its clients, so that slow, large or many requests cannot take the server
 * down for everyone: a request that breaks a limit gets its own answer (408, 413, 431, 503) and nothing else waits.
 *
 * @param maxBodyBytes          largest request body, before and after gunzipping; larger ones answer 413
 * @param maxConcurrentRequests API requests (routes that need a token) handled at once; more answer 503 with
 *                              {@code Retry-After}. Open routes (health, metrics) are not counted
 * @param maxHeaderBytes        largest request line plus headers; larger ones answer 431
 * @param headerTimeout         time a client has to send a request line and headers, counted from the connection's
 *                              start for its first request and from the first byte for later ones; the connection is
 *                              closed when it runs out
 * @param bodyTimeout           time a client has to send a request body once its headers are in; 408 when it runs out
 * @param idleTimeout           a connection with no traffic for this long is closed (between kept-alive requests, or
 *                              a client that stops sending)
 */
public record HttpLimits(
        long maxBodyBytes,
        int maxConcurrentRequests,
        int maxHeaderBytes,
        Duration headerTimeout,
        Duration bodyTimeout,
        Duration idleTimeout) {

    /** 1 MiB bodies, 64 API requests at once, 16 KiB of headers in 10 s, a body in 30 s, 30 s idle. */
    public static final HttpLimits DEFAULTS = new HttpLimits(1 << 20, 64, 16 * 1024, Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(30));

    public HttpLimits {
        if (maxBodyBytes < 0 || maxConcurrentRequests < 1 || maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("HTTP limits out of range: body " + maxBodyBytes + " bytes, "
                    + maxConcurrentRequests + " concurrent requests, headers " + maxHeaderBytes + " bytes");
        }
        requirePositive(headerTimeout, "header timeout");
        requirePositive(bodyTimeout, "body timeout");
        requirePositive(idleTimeout, "idle timeout");
    }

    private static void requirePositive(Duration timeout, String what) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("HTTP " + what + " must be positive, not " + timeout);
        }
    }

    public HttpLimits withMaxBodyBytes(long bytes) {
        return new HttpLimits(bytes, maxConcurrentRequests, maxHeaderBytes, headerTimeout, bodyTimeout, idleTimeout);
    }

    public HttpLimits withMaxConcurrentRequests(int requests) {
        return new HttpLimits(maxBodyBytes, requests, maxHeaderBytes, headerTimeout, bodyTimeout, idleTimeout);
    }

    public HttpLimits withMaxHeaderBytes(int bytes) {
        return new HttpLimits(maxBodyBytes, maxConcurrentRequests, bytes, headerTimeout, bodyTimeout, idleTimeout);
    }

    public HttpLimits withHeaderTimeout(Duration timeout) {
        return new HttpLimits(maxBodyBytes, maxConcurrentRequests, maxHeaderBytes, timeout, bodyTimeout, idleTimeout);
    }

    public HttpLimits withBodyTimeout(Duration timeout) {
        return new HttpLimits(maxBodyBytes, maxConcurrentRequests, maxHeaderBytes, headerTimeout, timeout, idleTimeout);
    }

    public HttpLimits withIdleTimeout(Duration timeout) {
        return new HttpLimits(maxBodyBytes, maxConcurrentRequests, maxHeaderBytes, headerTimeout, bodyTimeout, timeout);
    }
}
