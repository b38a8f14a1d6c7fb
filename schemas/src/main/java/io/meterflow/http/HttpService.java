package io.meterflow.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meterflow's HTTP server: the JDK's own {@code com.sun.net.httpserver} (in every JDK, maintained with it, no
 * dependency) with what the apps need on top: routes with {@code {param}} segments, bearer-token authentication
 * compared in constant time, {@code {"message": ...}} errors, gzip request bodies, and a body size limit (413).
 *
 * <p>Each app registers its routes on one service; the standalone launcher registers every app's routes on one port.
 */
public final class HttpService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);

    /** A route's code. Throw {@link HttpError} for anything but success. */
    @FunctionalInterface
    public interface Handler {
        HttpResponse handle(HttpRequest request) throws Exception;
    }

    private record Route(String method, String[] segments, boolean authenticated, Handler handler) {
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

    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final List<byte[]> tokens;
    private final long maxBodyBytes;

    private HttpService(HttpServer server, ExecutorService executor, Set<String> bearerTokens, long maxBodyBytes) {
        this.server = server;
        this.executor = executor;
        this.tokens = bearerTokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
        this.maxBodyBytes = maxBodyBytes;
        server.createContext("/", this::dispatch);
    }

    /**
     * Binds the port now, so a busy port fails start-up before anything else starts; serving begins with
     * {@link #start()}.
     *
     * @param bearerTokens tokens accepted on authenticated routes (empty: authenticated routes always answer 401)
     * @param maxBodyBytes largest request body accepted, after gunzipping; larger ones answer 413
     * @throws HttpBindException with a message for the user when the port cannot be bound
     */
    public static HttpService bind(String host, int port, Set<String> bearerTokens, long maxBodyBytes, int threads) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 128);
        } catch (BindException e) {
            throw new HttpBindException("HTTP port " + port + " on " + host
                    + " is already in use (choose another port, or 0 for a free one)");
        } catch (IOException e) {
            throw new HttpBindException("Could not open HTTP port " + port + " on " + host + ": " + e.getMessage());
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "meterflow-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        return new HttpService(server, executor, bearerTokens, maxBodyBytes);
    }

    /** Adds a route that needs a bearer token. {@code pattern} segments like {@code {customer_id}} are parameters. */
    public HttpService route(String method, String pattern, Handler handler) {
        return add(method, pattern, true, handler);
    }

    /** Adds a route anyone may call (health, metrics, the API description). */
    public HttpService openRoute(String method, String pattern, Handler handler) {
        return add(method, pattern, false, handler);
    }

    private HttpService add(String method, String pattern, boolean authenticated, Handler handler) {
        routes.add(new Route(method.toUpperCase(Locale.ROOT), split(pattern), authenticated, handler));
        // Literal segments win over parameters: /v1/customers/archive before /v1/customers/{customer_id}.
        List<Route> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparingInt(Route::literalSegments).reversed());
        routes.clear();
        routes.addAll(sorted);
        return this;
    }

    public void start() {
        server.start();
    }

    /** {@code http://host:port}, with 127.0.0.1 when bound to every address. */
    public String baseUrl() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
        return "http://" + host + ":" + address.getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }

    // ---- dispatch -------------------------------------------------------------------------------------------------

    private void dispatch(HttpExchange exchange) {
        try (exchange) {
            HttpResponse response;
            try {
                response = handle(exchange);
            } catch (HttpError e) {
                response = error(e.status(), e.getMessage());
                for (Map.Entry<String, String> h : e.headers().entrySet()) {
                    response = response.withHeader(h.getKey(), h.getValue());
                }
            } catch (Exception e) {
                LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                response = error(500, "internal error; the server log has the details");
            }
            write(exchange, response);
        } catch (IOException e) {
            LOG.debug("Could not write the response to {}", exchange.getRemoteAddress(), e);
        }
    }

    private HttpResponse handle(HttpExchange exchange) throws Exception {
        URI uri = exchange.getRequestURI();
        String[] path = split(uri.getRawPath());
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        boolean pathKnown = false;
        for (Route route : routes) {
            Map<String, String> params = match(route.segments(), path);
            if (params == null) {
                continue;
            }
            pathKnown = true;
            if (!route.method().equals(method) && !(method.equals("HEAD") && route.method().equals("GET"))) {
                continue;
            }
            if (route.authenticated()) {
                authenticate(exchange.getRequestHeaders().getFirst("Authorization"));
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
            byte[] body = readBody(exchange);
            return route.handler().handle(new HttpRequest(method, uri.getRawPath(), params, query(uri.getRawQuery()),
                    headers, body));
        }
        throw pathKnown ? new HttpError(405, "method " + method + " is not allowed on " + uri.getRawPath())
                : HttpError.notFound("no such endpoint: " + method + " " + uri.getRawPath());
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

    private byte[] readBody(HttpExchange exchange) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > maxBodyBytes
                        && !"gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    throw tooLarge();
                }
            } catch (NumberFormatException e) {
                throw HttpError.badRequest("invalid Content-Length");
            }
        }
        InputStream in = exchange.getRequestBody();
        String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
        if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
            if (!encoding.equalsIgnoreCase("gzip")) {
                throw new HttpError(415, "unsupported Content-Encoding " + encoding + " (gzip is accepted)");
            }
            try {
                in = new GZIPInputStream(in);
            } catch (IOException e) {
                throw HttpError.badRequest("request body is not valid gzip");
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
                if (out.size() > maxBodyBytes) {
                    throw tooLarge();
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw HttpError.badRequest("request body is not valid gzip: " + e.getMessage());
        }
        return out.toByteArray();
    }

    private HttpError tooLarge() {
        return new HttpError(413, "request body is larger than " + maxBodyBytes + " bytes");
    }

    private static HttpResponse error(int status, String message) {
        return HttpResponse.json(status, Map.of("message", message == null ? "error" : message));
    }

    private static void write(HttpExchange exchange, HttpResponse response) throws IOException {
        response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
        byte[] body = response.body();
        if (body.length > 0 || response.status() != 200) {
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
        }
        exchange.sendResponseHeaders(response.status(), head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String[] split(String path) {
        return java.util.Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }

    private static Map<String, String> match(String[] pattern, String[] path) {
        if (pattern.length != path.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            String segment = URLDecoder.decode(path[i].replace("+", "%2B"), StandardCharsets.UTF_8);
            if (p.startsWith("{") && p.endsWith("}")) {
                params.put(p.substring(1, p.length() - 1), segment);
            } else if (!p.equals(segment)) {
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
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
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
