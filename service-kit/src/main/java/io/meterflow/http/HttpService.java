package io.meterflow.http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meterflow's HTTP server: Jetty 12's core server (no servlets) with what the apps need on top: routes with
 * {@code {param}} segments, bearer-token authentication compared in constant time, {@code {"message": ...}} errors
 * (also for the errors Jetty answers itself), gzip request bodies, and the {@link HttpLimits}.
 *
 * <p>It is meant to face the open internet. Jetty parses request lines and headers without blocking, so a slow client
 * holds no thread; {@link HeaderDeadline} closes a connection whose headers take longer than
 * {@link HttpLimits#headerTimeout()} (Jetty's idle timeout restarts with every byte), and a connection idle for
 * {@link HttpLimits#idleTimeout()} is closed. Headers over {@link HttpLimits#maxHeaderBytes()} answer 431. Bodies are
 * read without blocking too, within {@link HttpLimits#bodyTimeout()} (else 408) and {@link HttpLimits#maxBodyBytes()}
 * (else 413). Only then does a route's handler run, on Jetty's bounded thread pool: handlers are blocking code.
 *
 * <p>Routes that need a token are API routes: at most {@link HttpLimits#maxConcurrentRequests()} of them are handled
 * at once, and beyond that the answer is 503 with {@code Retry-After: 1} at once, never a queue. Open routes (health,
 * metrics, the API description) are not counted, and the pool has threads beyond the API's for them, so they keep
 * answering while the API is saturated. A request to any path that is not an open route is authenticated before anything else, so that
 * routes cannot be discovered without a token.
 *
 * <p>Answers go out with TCP_NODELAY and with headers and body in one write, so a kept-alive connection does not wait
 * on Nagle's algorithm. 4xx answers other than 408, 409 and 429 carry {@code x-should-retry: false}, which
 * Metronome's SDKs read (they retry 408, 409, 429 and 5xx otherwise). {@link #close()} stops accepting and lets
 * requests in flight finish for up to a second.
 *
 * <p>Each app registers its routes on one service; the standalone launcher registers every app's routes on one port.
 */
public final class HttpService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);

    /** Threads beyond the API's: open routes, Jetty's acceptor and selector, body reads and writes. */
    private static final int SPARE_THREADS = 8;
    private static final long STOP_TIMEOUT_MS = 1000;
    static final String SHOULD_RETRY = "x-should-retry";

    /** A route's code. Throw {@link HttpError} for anything but success. */
    @FunctionalInterface
    public interface Handler {
        HttpResponse handle(HttpRequest request) throws Exception;
    }

    private record Route(String method, String pattern, String[] segments, boolean authenticated, Handler handler) {
        int literalSegments() {
            int n = 0;
            for (String s : segments) {
                if (!s.startsWith("{")) {
                    n++;
                }
            }
            return n;
        }
    }

    private final Server server;
    private final ServerConnector connector;
    private final QueuedThreadPool threads;
    /** Sorted so that the first match wins; replaced whole, so a request never sees a list being rebuilt. */
    private volatile List<Route> routes = List.of();
    private volatile AnswerListener answers = (route, status) -> { };
    private final List<byte[]> tokens;
    private final HttpLimits limits;
    private final Semaphore apiPermits;
    private final InetSocketAddress address;

    private HttpService(Server server, ServerConnector connector, QueuedThreadPool threads, Set<String> bearerTokens,
            HttpLimits limits) {
        this.server = server;
        this.connector = connector;
        this.address = boundAddress(connector);
        this.threads = threads;
        this.tokens = bearerTokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
        this.limits = limits;
        this.apiPermits = new Semaphore(limits.maxConcurrentRequests());
        server.setHandler(new Dispatcher());
        server.setErrorHandler(new JsonErrorHandler(() -> answers));
    }

    /**
     * Binds the port now, so a busy port fails start-up before anything else starts; serving begins with
     * {@link #start()}. The other limits are {@link HttpLimits#DEFAULTS}.
     *
     * @param bearerTokens tokens accepted on authenticated routes (empty: authenticated routes always answer 401)
     * @param maxBodyBytes largest request body accepted, after gunzipping; larger ones answer 413
     * @param threads      API requests handled at once; more answer 503
     * @throws HttpBindException with a message for the user when the port cannot be bound
     */
    public static HttpService bind(String host, int port, Set<String> bearerTokens, long maxBodyBytes, int threads) {
        return bind(host, port, bearerTokens,
                HttpLimits.DEFAULTS.withMaxBodyBytes(maxBodyBytes).withMaxConcurrentRequests(threads));
    }

    /**
     * Binds the port now, as {@link #bind(String, int, Set, long, int)}, with the given limits.
     *
     * @throws HttpBindException with a message for the user when the port cannot be bound
     */
    public static HttpService bind(String host, int port, Set<String> bearerTokens, HttpLimits limits) {
        QueuedThreadPool threads = new QueuedThreadPool(limits.maxConcurrentRequests() + SPARE_THREADS, 2);
        threads.setName("meterflow-http");
        threads.setDaemon(true);
        threads.setStopTimeout(STOP_TIMEOUT_MS);
        Server server = new Server(threads);
        // Stopping waits, up to this, for the connector's graceful shutdown: no new connections, answers with
        // Connection: close, idle connections closed. Jetty's GracefulHandler is not used: it would answer 503 to
        // a readiness check that arrives meanwhile, where the apps' own "stopping" answer says more.
        server.setStopTimeout(STOP_TIMEOUT_MS);

        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // Path segments are decoded here, one by one, from the raw path: an encoded '/' or '%' in an ID is data, not
        // a separator, so those two "ambiguities" are safe.
        http.setUriCompliance(UriCompliance.DEFAULT.with("meterflow", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
        // One acceptor and one selector serve thousands of connections; the rest of the pool runs handlers.
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.setAcceptedTcpNoDelay(true);
        connector.setAcceptQueueSize(128);
        // On close, kept-alive connections with nothing in flight go soon, well within the stop timeout.
        connector.setShutdownIdleTimeout(STOP_TIMEOUT_MS / 4);
        connector.addEventListener(new HeaderDeadline(connector.getScheduler(), limits.headerTimeout()));
        server.addConnector(connector);
        try {
            connector.open();
        } catch (IOException e) {
            if (causedBy(e, BindException.class)) {
                throw new HttpBindException("HTTP port " + port + " on " + host
                        + " is already in use (choose another port, or 0 for a free one)");
            }
            throw new HttpBindException("Could not open HTTP port " + port + " on " + host + ": " + e.getMessage());
        }
        return new HttpService(server, connector, threads, bearerTokens, limits);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** Told of every answer written: the route's method and pattern ({@code unmatched} for none), and its status. */
    @FunctionalInterface
    public interface AnswerListener {
        void answered(String route, int status);
    }

    /** Sets who is told of every answer (metrics); one at a time. */
    public void onAnswer(AnswerListener listener) {
        this.answers = listener;
    }

    /** Adds a route that needs a bearer token. {@code pattern} segments like {@code {customer_id}} are parameters. */
    public HttpService route(String method, String pattern, Handler handler) {
        return add(method, pattern, true, handler);
    }

    /** Adds a route anyone may call (health, metrics, the API description). */
    public HttpService openRoute(String method, String pattern, Handler handler) {
        return add(method, pattern, false, handler);
    }

    private synchronized HttpService add(String method, String pattern, boolean authenticated, Handler handler) {
        List<Route> sorted = new ArrayList<>(routes);
        sorted.add(new Route(method.toUpperCase(Locale.ROOT), pattern, split(pattern), authenticated, handler));
        // Literal segments win over parameters: /v1/customers/archive before /v1/customers/{customer_id}.
        sorted.sort(Comparator.comparingInt(Route::literalSegments).reversed());
        routes = List.copyOf(sorted);
        return this;
    }

    public void start() {
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("Could not start the HTTP server on port " + port() + ": " + e, e);
        }
    }

    /** {@code http://host:port}, with 127.0.0.1 when bound to every address. */
    public String baseUrl() {
        String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
        return "http://" + host + ":" + address.getPort();
    }

    public int port() {
        return address.getPort();
    }

    private static InetSocketAddress boundAddress(ServerConnector connector) {
        try {
            return (InetSocketAddress) ((ServerSocketChannel) connector.getTransport()).getLocalAddress();
        } catch (IOException e) {
            throw new HttpBindException("Could not read the address of the HTTP port: " + e.getMessage());
        }
    }

    /** Stops accepting connections, lets requests in flight finish for up to a second, then stops. */
    @Override
    public void close() {
        try {
            if (server.isStarted()) {
                server.stop();
            } else {
                // Bound but never started (another part failed to start): only the port is to be released.
                connector.close();
            }
        } catch (Exception e) {
            LOG.warn("The HTTP server did not stop cleanly: {}", e.toString());
        }
    }

    // ---- dispatch -------------------------------------------------------------------------------------------------

    /** Jetty's entry point: routing and authentication need no blocking, so Jetty may call it on its I/O thread. */
    private final class Dispatcher extends org.eclipse.jetty.server.Handler.Abstract.NonBlocking {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            new Exchange(request, response, callback).begin();
            return true;
        }
    }

    /**
     * One request from its headers to its answer: route, authenticate, take an API permit, read the body (without
     * holding a thread), run the handler on the pool, answer. Exactly one answer is written, by {@link #finish}.
     */
    private final class Exchange {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final String method;
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile boolean permitHeld;
        private volatile Scheduler.Task bodyDeadline;
        private Route route;
        private Map<String, String> params;
        private ByteArrayOutputStream body;

        Exchange(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.method = request.getMethod().toUpperCase(Locale.ROOT);
        }

        void begin() {
            // A handler may wait on Kafka for longer than the idle timeout without reading or writing; Jetty would
            // fail the request then. Reads in progress still fail on the idle timeout (see bodyFailed).
            request.addIdleTimeoutListener(timeout -> false);
            try {
                String[] path;
                try {
                    path = decodePath(rawPath());
                } catch (IllegalArgumentException e) {
                    // Jetty's parser refuses these first (see JsonErrorHandler); this holds if it lets one through.
                    // No open route has a malformed path, so the request must be authenticated to learn more.
                    authenticate(request.getHeaders().get(HttpHeader.AUTHORIZATION));
                    throw HttpError.badRequest("malformed percent-escape in the path " + rawPath()
                            + " (use %XX with two hexadecimal digits)");
                }
                selectRoute(path);
                if (route.authenticated()) {
                    authenticate(request.getHeaders().get(HttpHeader.AUTHORIZATION));
                    if (!apiPermits.tryAcquire()) {
                        throw new HttpError(503, "too many requests in progress; retry shortly",
                                Map.of("Retry-After", "1", SHOULD_RETRY, "true"));
                    }
                    permitHeld = true;
                }
                startBody();
            } catch (HttpError e) {
                finish(errorResponse(e), false);
            } catch (RuntimeException e) {
                LOG.error("{} {} failed", method, request.getHttpURI().getPath(), e);
                finish(error(500, "internal error; the server log has the details"), false);
            }
        }

        private void selectRoute(String[] path) {
            boolean pathKnown = false;
            boolean openPath = false;
            for (Route candidate : routes) {
                Map<String, String> matched = match(candidate.segments(), path);
                if (matched == null) {
                    continue;
                }
                pathKnown = true;
                openPath |= !candidate.authenticated();
                if (candidate.method().equals(method) || (method.equals("HEAD") && candidate.method().equals("GET"))) {
                    route = candidate;
                    params = matched;
                    return;
                }
            }
            if (!openPath) {
                // 404 and 405 would tell a caller without a token which routes exist: it gets the same 401 as on one.
                authenticate(request.getHeaders().get(HttpHeader.AUTHORIZATION));
            }
            throw pathKnown ? new HttpError(405, "method " + method + " is not allowed on " + rawPath())
                    : HttpError.notFound("no such endpoint: " + method + " " + rawPath());
        }

        private String rawPath() {
            return request.getHttpURI().getPath();
        }

        // ---- body ------------------------------------------------------------------------------------------------

        private void startBody() {
            String encoding = request.getHeaders().get(HttpHeader.CONTENT_ENCODING);
            if (encoding != null && !encoding.isBlank() && !encoding.strip().equalsIgnoreCase("identity")
                    && !encoding.strip().equalsIgnoreCase("gzip")) {
                throw new HttpError(415, "unsupported Content-Encoding " + encoding + " (gzip is accepted)");
            }
            long declared = request.getLength();
            if (declared > limits.maxBodyBytes()) {
                throw tooLarge();
            }
            body = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 0), 64 * 1024));
            bodyDeadline = request.getComponents().getScheduler().schedule(this::bodyTimedOut,
                    limits.bodyTimeout().toMillis(), TimeUnit.MILLISECONDS);
            readBody();
        }

        /**
         * Reads what has arrived and asks Jetty to call again when there is more: no thread waits on a client.
         * Synchronized with {@link #bodyTimedOut} so that a timeout never answers while a read is under way.
         */
        private synchronized void readBody() {
            try {
                readAvailable();
            } catch (RuntimeException e) {
                LOG.error("{} {}: reading the request body failed", method, rawPath(), e);
                finish(error(500, "internal error; the server log has the details"), true);
            }
        }

        private void readAvailable() {
            while (!finished.get()) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this::readBody);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    bodyFailed(chunk.getFailure());
                    return;
                }
                ByteBuffer bytes = chunk.getByteBuffer();
                boolean tooLarge = body.size() + (long) bytes.remaining() > limits.maxBodyBytes();
                if (!tooLarge) {
                    byte[] copy = new byte[bytes.remaining()];
                    bytes.get(copy);
                    body.write(copy, 0, copy.length);
                }
                boolean last = chunk.isLast();
                chunk.release();
                if (tooLarge) {
                    finish(errorResponse(tooLarge()), true);
                    return;
                }
                if (last) {
                    bodyComplete();
                    return;
                }
            }
        }

        private synchronized void bodyTimedOut() {
            finish(error(408, "the request body did not arrive within " + limits.bodyTimeout().toSeconds() + " s"),
                    true);
        }

        private void bodyFailed(Throwable failure) {
            HttpResponse answer;
            if (failure instanceof TimeoutException) {
                answer = error(408, "the request body stopped arriving");
            } else if (failure instanceof HttpException http) {
                answer = error(http.getCode() >= 500 ? 400 : http.getCode(), "the request body is malformed: "
                        + http.getReason());
            } else if (failure instanceof EOFException) {
                answer = error(400, "the request body ended before its declared length");
            } else {
                answer = error(400, "the request body could not be read: " + failure.getMessage());
            }
            LOG.debug("{} {}: request body failed", method, rawPath(), failure);
            finish(answer, true);
        }

        private void bodyComplete() {
            Scheduler.Task deadline = bodyDeadline;
            if (deadline != null) {
                deadline.cancel();
            }
            try {
                threads.execute(this::runHandler);
            } catch (RejectedExecutionException e) {
                finish(error(503, "the server is stopping"), true);
            }
        }

        // ---- handler ---------------------------------------------------------------------------------------------

        private void runHandler() {
            HttpResponse answer;
            try {
                byte[] content = decode(body.toByteArray());
                Map<String, List<String>> query = query(request.getHttpURI().getQuery());
                answer = route.handler().handle(new HttpRequest(method, rawPath(), params, query,
                        headers(request.getHeaders()), content));
            } catch (HttpError e) {
                answer = errorResponse(e);
            } catch (Exception | StackOverflowError e) {
                LOG.error("{} {} failed", method, rawPath(), e);
                answer = error(500, "internal error; the server log has the details");
            }
            finish(answer, false);
        }

        private byte[] decode(byte[] raw) {
            String encoding = request.getHeaders().get(HttpHeader.CONTENT_ENCODING);
            if (encoding == null || !encoding.strip().equalsIgnoreCase("gzip")) {
                return raw;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(raw.length * 4, 64 * 1024));
            byte[] buffer = new byte[8192];
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    out.write(buffer, 0, n);
                    if (out.size() > limits.maxBodyBytes()) {
                        throw tooLarge();
                    }
                }
            } catch (ZipException e) {
                throw HttpError.badRequest("request body is not valid gzip: " + e.getMessage());
            } catch (EOFException e) {
                throw HttpError.badRequest("request body is not valid gzip: it is truncated");
            } catch (IOException e) {
                throw HttpError.badRequest("request body is not valid gzip: " + e.getMessage());
            }
            return out.toByteArray();
        }

        // ---- answer ----------------------------------------------------------------------------------------------

        /**
         * Writes the one answer of this exchange; later calls (a body timeout racing a late chunk) do nothing.
         *
         * @param close whether the connection must close (the body was not read to its end)
         */
        private void finish(HttpResponse answer, boolean close) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            Scheduler.Task deadline = bodyDeadline;
            if (deadline != null) {
                deadline.cancel();
            }
            if (permitHeld) {
                permitHeld = false;
                apiPermits.release();
            }
            try {
                response.setStatus(answer.status());
                answers.answered(route == null ? "unmatched" : route.method() + " " + route.pattern(), answer.status());
                HttpFields.Mutable headers = response.getHeaders();
                answer.headers().forEach(headers::put);
                byte[] content = answer.body();
                if (content.length > 0 || answer.status() != 200) {
                    headers.put(HttpHeader.CONTENT_TYPE, answer.contentType());
                }
                addRetryHint(headers, answer.status());
                if (close) {
                    headers.put(HttpHeader.CONNECTION, "close");
                }
                headers.put(HttpHeader.CONTENT_LENGTH, content.length);
                // One write with last=true: Jetty sends headers and body together in a single gathering write.
                boolean head = method.equals("HEAD");
                response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(content), callback);
            } catch (RuntimeException e) {
                LOG.debug("Could not write the answer to {} {}", method, rawPath(), e);
                callback.failed(e);
            }
        }
    }

    /** {@code x-should-retry: false} on a 4xx a client must not retry as it is, unless the answer says otherwise. */
    static void addRetryHint(HttpFields.Mutable headers, int status) {
        if (status >= 400 && status < 500 && status != 408 && status != 409 && status != 429
                && !headers.contains(SHOULD_RETRY)) {
            headers.put(SHOULD_RETRY, "false");
        }
    }

    private void authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new HttpError(401, "missing bearer token (Authorization: Bearer <token>)",
                    Map.of("WWW-Authenticate", "Bearer"));
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] token : tokens) {
            // MessageDigest.isEqual is constant-time for equal lengths; every token is compared, match or not.
            ok |= MessageDigest.isEqual(token, given);
        }
        if (!ok) {
            throw new HttpError(401, "invalid bearer token", Map.of("WWW-Authenticate", "Bearer"));
        }
    }

    private HttpError tooLarge() {
        return new HttpError(413, "request body is larger than " + limits.maxBodyBytes() + " bytes");
    }

    private static HttpResponse errorResponse(HttpError e) {
        HttpResponse response = error(e.status(), e.getMessage());
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            response = response.withHeader(h.getKey(), h.getValue());
        }
        return response;
    }

    static HttpResponse error(int status, String message) {
        return HttpResponse.json(status, Map.of("message", message == null ? "error" : message));
    }

    private static Map<String, List<String>> headers(HttpFields fields) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HttpField field : fields) {
            headers.computeIfAbsent(field.getLowerCaseName(), k -> new ArrayList<>()).add(field.getValue());
        }
        return headers;
    }

    private static String[] split(String path) {
        return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }

    private static String[] decodePath(String rawPath) {
        String[] segments = split(rawPath == null ? "" : rawPath);
        for (int i = 0; i < segments.length; i++) {
            segments[i] = URLDecoder.decode(segments[i].replace("+", "%2B"), StandardCharsets.UTF_8);
        }
        return segments;
    }

    private static Map<String, String> match(String[] pattern, String[] path) {
        if (pattern.length != path.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("}")) {
                params.put(p.substring(1, p.length() - 1), path[i]);
            } else if (!p.equals(path[i])) {
                return null;
            }
        }
        return params;
    }

    private static Map<String, List<String>> query(String rawQuery) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } catch (IllegalArgumentException e) {
                throw HttpError.badRequest("malformed percent-escape in the query parameter " + pair
                        + " (use %XX with two hexadecimal digits)");
            }
        }
        return query;
    }

    /** The HTTP port could not be bound; the message is for the user. */
    public static final class HttpBindException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public HttpBindException(String message) {
            super(message);
        }
    }
}
