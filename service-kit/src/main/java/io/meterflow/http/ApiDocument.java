package io.meterflow.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Serves the OpenAPI description of Meterflow's HTTP API ({@code docs/openapi.yaml}, packaged with this module) at
 * {@code GET /openapi.yaml}, open like health and metrics. One document covers both apps; the standalone launcher
 * serves all of it on one port, a separate app answers the paths it owns.
 */
public final class ApiDocument {

    public static final String PATH = "/openapi.yaml";
    public static final String RESOURCE = "/io/meterflow/http/openapi.yaml";

    private ApiDocument() {
    }

    /** The document's text. */
    public static String text() {
        try (InputStream in = ApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void install(HttpService service) {
        String text = text();
        service.openRoute("GET", PATH, request -> HttpResponse.text(200, "application/yaml; charset=utf-8", text));
    }
}
