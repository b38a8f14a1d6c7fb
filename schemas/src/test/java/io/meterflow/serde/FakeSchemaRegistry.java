package io.meterflow.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/**
 * The part of Confluent Schema Registry's REST API the HTTP client uses, on the JDK's HTTP server: register
 * ({@code POST /subjects/{s}/versions}), look up ({@code POST /subjects/{s}}), fetch by ID
 * ({@code GET /schemas/ids/{id}}), with Confluent's content type, error bodies and optional basic auth; and its
 * import mode ({@code PUT /mode/{s}}, then registration with an {@code id}), with Confluent's rules: only an empty
 * subject may enter {@code IMPORT} mode, a registration with an {@code id} needs it, one without needs
 * {@code READWRITE}, an ID held by another schema is never overwritten, and new IDs continue above the highest one.
 *
 * <p>Like the real registry, an ID belongs to a schema, not to a subject: the same schema under two subjects has
 * one ID. IDs start at {@code firstId} so that tests can tell them from the mock registry's stable IDs. Each
 * {@link #url()} has its own path prefix, so that every test (and every serde that should not share a cached
 * client) gets its own client from {@link SerdeConfig}'s per-URL cache.
 */
public final class FakeSchemaRegistry implements AutoCloseable {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final AtomicInteger nextId;
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<Integer, String> typesById = new HashMap<>();
    private final Map<String, List<Integer>> subjects = new HashMap<>();
    private final Map<String, String> modes = new HashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();
    private volatile String requiredAuthorization;
    private volatile int failureStatus;
    private volatile String failureBody;
    private volatile boolean modeChangesRefused;

    private FakeSchemaRegistry(int firstId) throws IOException {
        this.nextId = new AtomicInteger(firstId);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public static FakeSchemaRegistry start() throws IOException {
        return start(1001);
    }

    static FakeSchemaRegistry start(int firstId) throws IOException {
        return new FakeSchemaRegistry(firstId);
    }

    /** A base URL for this registry that no other call of this method returns. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + UUID.randomUUID();
    }

    /** Requires {@code Authorization: Basic base64(userInfo)} on every request from now on. */
    public void requireBasicAuth(String userInfo) {
        requiredAuthorization = "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    /** Answers every request with this HTTP status (0: behave normally). */
    public void failEveryRequestWith(int status) {
        failureStatus = status;
        failureBody = null;
    }

    /** Refuses every mode change, as Confluent's registry does unless {@code mode.mutability=true}. */
    void refuseModeChanges() {
        modeChangesRefused = true;
    }

    /** A subject's mode: {@code READWRITE} unless set. */
    synchronized String mode(String subject) {
        return modes.getOrDefault(subject, "READWRITE");
    }

    /** The schema registered under this ID, or null. */
    synchronized Schema schema(int id) {
        String text = schemasById.get(id);
        return text == null ? null : new Schema.Parser().parse(text);
    }

    /** The IDs of the versions under {@code subject}, oldest first. */
    synchronized List<Integer> versions(String subject) {
        return List.copyOf(subjects.getOrDefault(subject, List.of()));
    }

    /** Answers every request with this status and a body that is not the registry's, as a proxy in front of it would. */
    void answerEveryRequestLikeAProxy(int status, String htmlBody) {
        failureBody = htmlBody;
        failureStatus = status;
    }

    /** How many requests {@code "METHOD /path"} (path after the URL prefix) has served, successful or not. */
    public int calls(String request) {
        AtomicInteger count = calls.get(request);
        return count == null ? 0 : count.get();
    }

    int totalCalls() {
        return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    List<String> authorizationHeaders() {
        return List.copyOf(authorizations);
    }

    List<String> contentTypes() {
        return List.copyOf(contentTypes);
    }

    public synchronized List<String> subjects() {
        return subjects.keySet().stream().sorted().toList();
    }

    /** The ID of the newest version under {@code subject}. */
    synchronized int latestId(String subject) {
        List<Integer> versions = subjects.get(subject);
        if (versions == null) {
            throw new AssertionError("no subject " + subject + " in the fake registry; subjects: " + subjects.keySet());
        }
        return versions.get(versions.size() - 1);
    }

    /** Registers directly, as an operator or CI pipeline would before producers run with auto-registration off. */
    synchronized int register(String subject, Schema schema) {
        String text = schema.toString();
        int id = idsBySchema.computeIfAbsent(text, t -> nextId.getAndIncrement());
        schemasById.put(id, text);
        List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    /** Stores a schema of another kind ({@code schemaType} PROTOBUF or JSON), as a registry shared with others may. */
    synchronized int registerOtherType(String schemaType, String text) {
        int id = nextId.getAndIncrement();
        schemasById.put(id, text);
        typesById.put(id, schemaType);
        return id;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String method = exchange.getRequestMethod();
            List<String> path = new ArrayList<>(List.of(exchange.getRequestURI().getRawPath().split("/")));
            path.removeIf(String::isEmpty);
            // Drop the per-URL prefix: everything before "subjects" or "schemas".
            while (!path.isEmpty() && !path.get(0).equals("subjects") && !path.get(0).equals("schemas")
                    && !path.get(0).equals("mode")) {
                path.remove(0);
            }
            String request = method + " /" + String.join("/", path);
            calls.computeIfAbsent(request, r -> new AtomicInteger()).incrementAndGet();
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null) {
                authorizations.add(authorization);
            }
            if (failureStatus != 0) {
                String body = failureBody;
                if (body != null) {
                    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "text/html");
                    exchange.sendResponseHeaders(failureStatus, bytes.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(bytes);
                    }
                    return;
                }
                respond(exchange, failureStatus, error(50001, "Injected failure"));
                return;
            }
            String required = requiredAuthorization;
            if (required != null && !required.equals(authorization)) {
                respond(exchange, 401, error(401, "Unauthorized"));
                return;
            }
            if (method.equals("POST") || method.equals("PUT")) {
                String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
                contentTypes.add(String.valueOf(contentType));
                if (contentType == null || !contentType.startsWith(CONTENT_TYPE)) {
                    respond(exchange, 415, error(415, "Unsupported Media Type"));
                    return;
                }
            }
            if (method.equals("POST") && path.size() == 3 && path.get(0).equals("subjects") && path.get(2).equals("versions")) {
                registerRequest(exchange, subject(path), JSON.readTree(exchange.getRequestBody()));
            } else if (method.equals("PUT") && path.size() == 2 && path.get(0).equals("mode")) {
                setMode(exchange, subject(path), JSON.readTree(exchange.getRequestBody()).path("mode").asText());
            } else if (method.equals("POST") && path.size() == 2 && path.get(0).equals("subjects")) {
                lookup(exchange, subject(path), new Schema.Parser().parse(schemaText(exchange)).toString());
            } else if (method.equals("GET") && path.size() == 3 && path.get(0).equals("schemas") && path.get(1).equals("ids")) {
                String text;
                String type;
                synchronized (this) {
                    text = schemasById.get(Integer.parseInt(path.get(2)));
                    type = typesById.get(Integer.parseInt(path.get(2)));
                }
                if (text == null) {
                    respond(exchange, 404, error(40403, "Schema " + path.get(2) + " not found"));
                } else {
                    ObjectNode body = JSON.createObjectNode().put("schema", text);
                    if (type != null) {
                        body.put("schemaType", type);
                    }
                    respond(exchange, 200, body);
                }
            } else {
                respond(exchange, 404, error(404, "HTTP 404 Not Found"));
            }
        } catch (RuntimeException e) {
            respond(exchange, 500, error(50001, "Fake registry failed: " + e));
        } finally {
            exchange.close();
        }
    }

    private synchronized void registerRequest(HttpExchange exchange, String subject, JsonNode request)
            throws IOException {
        Schema schema = new Schema.Parser().parse(request.get("schema").asText());
        JsonNode requestedId = request.get("id");
        boolean importing = mode(subject).equals("IMPORT");
        if (requestedId == null) {
            if (importing) {
                respond(exchange, 422, error(42205, "Subject " + subject + " is not in read-write mode"));
                return;
            }
            respond(exchange, 200, JSON.createObjectNode().put("id", register(subject, schema)));
            return;
        }
        if (!importing) {
            respond(exchange, 422, error(42205, "Subject " + subject + " is not in import mode"));
            return;
        }
        int id = requestedId.intValue();
        String text = schema.toString();
        String held = schemasById.get(id);
        if (held != null && !held.equals(text)) {
            respond(exchange, 422, error(42207, "Overwrite new schema with id " + id + " is not permitted."));
            return;
        }
        schemasById.put(id, text);
        idsBySchema.putIfAbsent(text, id);
        List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        nextId.accumulateAndGet(id + 1, Math::max);
        respond(exchange, 200, JSON.createObjectNode().put("id", id));
    }

    private synchronized void setMode(HttpExchange exchange, String subject, String mode) throws IOException {
        if (modeChangesRefused) {
            respond(exchange, 422, error(42205, "Mode changes are not allowed"));
            return;
        }
        if (mode.equals("IMPORT") && !mode(subject).equals("IMPORT") && !versions(subject).isEmpty()) {
            respond(exchange, 422, error(42205, "Cannot import since found existing subjects"));
            return;
        }
        modes.put(subject, mode);
        respond(exchange, 200, JSON.createObjectNode().put("mode", mode));
    }

    private synchronized void lookup(HttpExchange exchange, String subject, String schemaText) throws IOException {
        List<Integer> versions = subjects.get(subject);
        if (versions == null) {
            respond(exchange, 404, error(40401, "Subject '" + subject + "' not found."));
            return;
        }
        Integer id = idsBySchema.get(schemaText);
        if (id == null || !versions.contains(id)) {
            respond(exchange, 404, error(40403, "Schema not found"));
            return;
        }
        respond(exchange, 200, JSON.createObjectNode().put("subject", subject).put("id", id)
                .put("version", versions.indexOf(id) + 1).put("schema", schemaText));
    }

    private static String subject(List<String> path) {
        return URLDecoder.decode(path.get(1), StandardCharsets.UTF_8);
    }

    private static String schemaText(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody());
        return body.get("schema").asText();
    }

    private static ObjectNode error(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message);
    }

    private static void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
