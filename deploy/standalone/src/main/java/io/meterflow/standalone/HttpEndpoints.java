package io.meterflow.standalone;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The launcher's HTTP endpoints: {@code /health/live}, {@code /health/ready} (200 only while every part is
 * RUNNING, 503 otherwise, with each part's state) and {@code /metrics} (Prometheus text).
 *
 * <p>Built on the JDK's own {@code com.sun.net.httpserver}: it is part of every JDK, maintained with it, and these
 * endpoints need nothing it lacks.
 */
final class HttpEndpoints {

    private final HttpServer server;
    private final ExecutorService executor;

    private HttpEndpoints(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds the port now (so a busy port fails start-up early); serving starts with {@link #start()}. */
    static HttpEndpoints bind(String host, int port, PrometheusMeterRegistry registry, Supplier<Map<String, String>> health) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (BindException e) {
            throw new Standalone.StartupException("HTTP port " + port + " on " + host
                    + " is already in use (choose another with --http-port, or 0 for a free one)");
        } catch (IOException e) {
            throw new Standalone.StartupException("Could not open HTTP port " + port + " on " + host + ": " + e.getMessage());
        }
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "meterflow-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/health/live", exchange -> respond(exchange, 200, "application/json", "{\"status\":\"UP\"}"));
        server.createContext("/health/ready", exchange -> {
            Map<String, String> parts = health.get();
            boolean ready = parts.values().stream().allMatch("RUNNING"::equals);
            StringBuilder body = new StringBuilder("{\"status\":\"").append(ready ? "UP" : "DOWN").append("\",\"components\":{");
            String sep = "";
            for (Map.Entry<String, String> part : parts.entrySet()) {
                body.append(sep).append('"').append(part.getKey()).append("\":\"").append(part.getValue()).append('"');
                sep = ",";
            }
            respond(exchange, ready ? 200 : 503, "application/json", body.append("}}").toString());
        });
        server.createContext("/metrics", exchange ->
                respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        return new HttpEndpoints(server, executor);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    void start() {
        server.start();
    }

    String baseUrl() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getHostString();
        return "http://" + host + ":" + address.getPort();
    }

    void stop() {
        server.stop(1);
        executor.shutdownNow();
    }
}
