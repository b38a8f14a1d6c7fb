package io.meterflow.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A client for any Confluent-compatible schema registry ({@code POST /subjects/{subject}/versions},
 * {@code GET /schemas/ids/{id}}), with the registry's content type, optional HTTP basic auth and caches in both
 * directions so that each schema costs one call per process. Several URLs may be given; they are tried in order.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<URI> baseUris;
    private final String authorization;
    private final HttpClient http;
    private final Duration timeout;
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    /**
     * @param baseUrls one or more registry base URLs, e.g. {@code https://registry:8081}
     * @param userInfo {@code user:password} for basic auth, or null
     * @param timeout  per-request timeout
     */
    public HttpSchemaRegistryClient(List<String> baseUrls, String userInfo, Duration timeout) {
        if (baseUrls.isEmpty()) {
            throw new IllegalArgumentException("at least one schema registry URL is required");
        }
        this.baseUris = baseUrls.stream().map(HttpSchemaRegistryClient::baseUri).toList();
        this.authorization = userInfo == null || userInfo.isBlank() ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        this.timeout = Objects.requireNonNull(timeout);
        // HTTP/1.1: the JDK client's default HTTP/2 would try an h2c upgrade on http:// URLs, which some proxies
        // in front of registries mishandle for requests with a body.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    private static URI baseUri(String url) {
        String trimmed = url.strip();
        return URI.create(trimmed.endsWith("/") ? trimmed : trimmed + "/");
    }

    @Override
    public int register(String subject, Schema schema) {
        return idFor(subject, schema, subjectPath(subject) + "/versions", false);
    }

    @Override
    public int lookup(String subject, Schema schema) {
        return idFor(subject, schema, subjectPath(subject), true);
    }

    /**
     * The schema's ID under {@code subject}, from the cache or by POSTing the schema to {@code path}: the versions
     * endpoint registers it, the subject endpoint only looks it up (a 404 there means "not registered").
     */
    private int idFor(String subject, Schema schema, String path, boolean lookupOnly) {
        Map<Schema, Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = ids.get(schema);
        if (cached != null) {
            return cached;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema.toString());
        JsonNode response;
        try {
            response = send(path, "POST", body.toString());
        } catch (SchemaRegistryException e) {
            if (lookupOnly && e.httpStatus() == 404) {
                throw new SchemaRegistryException("Schema " + schema.getFullName() + " is not registered under subject '"
                        + subject + "' and " + SerdeConfig.AUTO_REGISTER_SCHEMAS + " is false: register it first ("
                        + e.getMessage() + ")", e.httpStatus(), e.errorCode());
            }
            throw e;
        }
        JsonNode id = response.get("id");
        if (id == null || !id.canConvertToInt()) {
            throw new SchemaRegistryException("Schema registry answered POST /" + path + " without an integer id: " + response);
        }
        int schemaId = id.intValue();
        ids.put(schema, schemaId);
        schemasById.putIfAbsent(schemaId, schema);
        return schemaId;
    }

    private static String subjectPath(String subject) {
        return "subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode response = send("schemas/ids/" + id, "GET", null);
        JsonNode type = response.get("schemaType");
        if (type != null && !type.isNull() && !"AVRO".equals(type.asText())) {
            throw SchemaRegistryException.unusableSchema("Schema ID " + id + " is a " + type.asText()
                    + " schema, not Avro");
        }
        JsonNode text = response.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException("Schema registry answered GET /schemas/ids/" + id + " without a schema: " + response);
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(text.asText());
        } catch (RuntimeException e) {
            throw new SchemaRegistryException("Schema ID " + id + " from the registry is not a valid Avro schema: "
                    + e.getMessage(), e);
        }
        Schema raced = schemasById.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    /**
     * Sets a subject's mode ({@code PUT /mode/{subject}}): {@code IMPORT} lets schemas be registered under IDs the
     * caller chooses ({@link #importSchema}); {@code READWRITE} is the ordinary mode.
     */
    void setMode(String subject, String mode) {
        ObjectNode body = JSON.createObjectNode().put("mode", mode);
        send("mode/" + URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20"), "PUT", body.toString());
    }

    /**
     * Registers {@code schema} under {@code subject} with the given ID ({@code POST /subjects/{subject}/versions}
     * with {@code id}), which a registry accepts only while the subject is in {@code IMPORT} mode.
     */
    void importSchema(String subject, Schema schema, int id) {
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString()).put("id", id);
        JsonNode response = send(subjectPath(subject) + "/versions", "POST", body.toString());
        JsonNode assigned = response.get("id");
        if (assigned == null || !assigned.canConvertToInt() || assigned.intValue() != id) {
            throw new SchemaRegistryException("Schema registry answered the import of schema ID " + id + " under subject '"
                    + subject + "' with another ID: " + response);
        }
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        schemasById.putIfAbsent(id, schema);
    }

    private JsonNode send(String path, String method, String body) {
        List<SchemaRegistryException> failures = new ArrayList<>();
        for (URI base : baseUris) {
            URI uri = base.resolve(path);
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Accept", CONTENT_TYPE + ", application/json");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            if (body == null) {
                request.GET();
            } else {
                request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
            }
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                failures.add(new SchemaRegistryException("Schema registry " + method + " " + uri + " is unreachable: "
                        + e, e));
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException("Interrupted while calling schema registry " + uri, e);
            }
            if (response.statusCode() / 100 == 2) {
                try {
                    return JSON.readTree(response.body());
                } catch (IOException e) {
                    throw new SchemaRegistryException("Schema registry " + uri + " answered with invalid JSON", e);
                }
            }
            SchemaRegistryException failure = failure(method, uri, response);
            if (response.statusCode() >= 500) {
                failures.add(failure);
                continue;
            }
            throw failure;
        }
        SchemaRegistryException last = failures.get(failures.size() - 1);
        if (failures.size() == 1) {
            throw last;
        }
        SchemaRegistryException all = new SchemaRegistryException("None of the " + failures.size()
                + " schema registry URLs answered: " + String.join("; ",
                failures.stream().map(Throwable::getMessage).toList()), last.httpStatus(), last.errorCode());
        failures.forEach(all::addSuppressed);
        throw all;
    }

    private static SchemaRegistryException failure(String method, URI uri, HttpResponse<String> response) {
        int status = response.statusCode();
        int errorCode = SchemaRegistryException.NONE;
        String message = response.body() == null ? "" : response.body().strip();
        try {
            JsonNode node = JSON.readTree(message);
            if (node != null && node.isObject()) {
                JsonNode code = node.get("error_code");
                if (code != null && code.canConvertToInt()) {
                    errorCode = code.intValue();
                }
                JsonNode text = node.get("message");
                if (text != null && !text.isNull()) {
                    message = text.asText();
                }
            }
        } catch (IOException e) {
            // Not JSON (a proxy's error page, say): the raw body is the best explanation there is.
        }
        if (message.length() > 500) {
            message = message.substring(0, 500) + "...";
        }
        String hint = switch (status) {
            case 401 -> "; the registry refused the credentials: check " + SerdeConfig.BASIC_AUTH_USER_INFO;
            case 403 -> "; the credentials in " + SerdeConfig.BASIC_AUTH_USER_INFO + " lack permission for this call";
            default -> "";
        };
        return new SchemaRegistryException("Schema registry " + method + " " + uri + " failed with HTTP " + status
                + (errorCode == SchemaRegistryException.NONE ? "" : " (error_code " + errorCode + ")")
                + (message.isEmpty() ? "" : ": " + message) + hint, status, errorCode);
    }
}
