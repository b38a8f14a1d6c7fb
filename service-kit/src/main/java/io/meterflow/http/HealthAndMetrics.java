package io.meterflow.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The open operational routes every app serves: {@code /health/live} (the process answers), {@code /health/ready}
 * (200 only while every part reports RUNNING, else 503, with each part's state) and {@code /metrics} (Prometheus
 * text, from whatever the caller scrapes).
 */
public final class HealthAndMetrics {

    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private HealthAndMetrics() {
    }

    /**
     * @param parts  each part's current state, e.g. {@code alias-sync -> RUNNING}
     * @param scrape the Prometheus exposition text
     */
    public static void install(HttpService service, Supplier<Map<String, String>> parts, Supplier<String> scrape) {
        service.openRoute("GET", "/health/live", request -> HttpResponse.json(200, Map.of("status", "UP")));
        service.openRoute("GET", "/health/ready", request -> {
            Map<String, String> states = new LinkedHashMap<>(parts.get());
            boolean ready = !states.isEmpty() && states.values().stream().allMatch("RUNNING"::equals);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", ready ? "UP" : "DOWN");
            body.put("components", states);
            return HttpResponse.json(ready ? 200 : 503, body);
        });
        service.openRoute("GET", "/metrics", request -> HttpResponse.text(200, PROMETHEUS_CONTENT_TYPE, scrape.get()));
    }
}
