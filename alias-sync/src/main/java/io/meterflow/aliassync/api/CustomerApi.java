package io.meterflow.aliassync.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import io.meterflow.aliassync.CustomerChanges;
import io.meterflow.aliassync.AliasSyncApp;
import io.meterflow.aliassync.customer.CustomerChangeProcessor;
import io.meterflow.aliassync.intake.SizeBudget;
import io.meterflow.aliassync.rejection.Rejections;
import io.meterflow.aliassync.intake.AliasRules;
import io.meterflow.http.HttpConfig;
import io.meterflow.http.HttpError;
import io.meterflow.http.HttpRequest;
import io.meterflow.http.HttpResponse;
import io.meterflow.http.HttpService;
import io.meterflow.http.Paging;
import io.meterflow.http.PeerClient;
import io.meterflow.json.JsonValues;
import io.meterflow.schemas.CustomerArchived;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.IngestAliasesSet;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.NameSet;
import io.meterflow.topics.Topic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;

/**
 * alias-sync's HTTP API, Metronome's customer calls: create, retrieve, list, setIngestAliases, setName, archive; and
 * Meterflow's {@code GET /v1/meterflow/identifiers/{identifier}} (what an identifier resolves to now).
 *
 * <p>Writes go through Kafka: a write is checked (alias rules; an alias another customer holds is a 409 before
 * anything is sent), published as one {@link CustomerChange} on customer-changes, and answered only once alias-sync
 * has applied it and answered every claim in it — read from the customer's state on whichever instance holds it. So a
 * 200 is read-your-writes from any instance. Waiting is bounded ({@code api.write.timeout}); past it the answer is a
 * 503 saying the change was published and will still be applied. A claim can lose a race to another customer between
 * the pre-check and alias-sync's decision: the answer is then a 409 naming the refused aliases, and the rest of the
 * change has been applied (as alias-sync applies everything but the refused alias).
 */
public final class CustomerApi implements AutoCloseable {

    public static final String WRITE_TIMEOUT = HttpConfig.WRITE_TIMEOUT;
    public static final Duration DEFAULT_WRITE_TIMEOUT = HttpConfig.DEFAULT_WRITE_TIMEOUT;
    public static final int DEFAULT_PAGE = 25;
    public static final int MAX_PAGE = 100;
    public static final int MAX_CUSTOMER_IDS = 100;

    private final AliasSyncApp app;
    private final CustomerStoreQuery query;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Topic<String, CustomerChange> topic;
    private final SizeBudget budget;
    private final Duration writeTimeout;

    private CustomerApi(AliasSyncApp app, Set<String> tokens, Duration writeTimeout) {
        this.app = app;
        this.writeTimeout = writeTimeout;
        String server = app.config().streams().kafkaOverrides().get(StreamsConfig.APPLICATION_SERVER_CONFIG);
        HostInfo self = server == null || server.isBlank() ? null : HostInfo.buildFromEndpoint(server);
        this.query = new CustomerStoreQuery(app, new PeerClient(PeerClient.anyToken(tokens), Duration.ofSeconds(10)),
                self);
        this.topic = app.topics().customerChanges();
        this.budget = app.config().sizeBudget();
        // Records are serialized before sending, to be measured against alias-sync.max.change.bytes first.
        this.producer = new KafkaProducer<>(app.config().streams().apiProducerConfig("http-customers"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Adds the customer routes to {@code http}; close the returned API (its producer) when the app stops.
     *
     * @param tokens       the service's API tokens (one is used to ask other instances)
     * @param writeTimeout how long a write waits to be applied before answering 503
     */
    public static CustomerApi install(HttpService http, AliasSyncApp app, Set<String> tokens, Duration writeTimeout) {
        CustomerApi api = new CustomerApi(app, tokens, writeTimeout);
        http.route("POST", "/v1/customers", api::create);
        http.route("GET", "/v1/customers", api::list);
        http.route("GET", "/v1/customers/{customer_id}", api::retrieve);
        http.route("POST", "/v1/customers/archive", api::archive);
        http.route("POST", "/v1/customers/{customer_id}/setIngestAliases", api::setIngestAliases);
        http.route("POST", "/v1/customers/{customer_id}/setName", api::setName);
        http.route("GET", "/v1/meterflow/identifiers/{identifier}", api::resolve);
        http.route("GET", "/internal/v1/customers/{customer_id}", api::customerHere);
        http.route("GET", "/internal/v1/customers", api::pageHere);
        http.route("GET", "/internal/v1/bindings/{identifier}", api::bindingHere);
        http.route("POST", "/internal/v1/bindings", api::bindingsHere);
        http.route("GET", "/internal/v1/customers/{customer_id}/changes/{change_id}", api::settlementHere);
        return api;
    }

    /** How long a write waits to be applied before answering 503 ({@value #WRITE_TIMEOUT}). */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /** Reads of alias-sync's state, for other parts of the same process (e.g. customer names in event search). */
    public CustomerStoreQuery query() {
        return query;
    }

    // ---- writes ---------------------------------------------------------------------------------------------------

    private HttpResponse create(HttpRequest request) {
        // Everything in the body is checked before any state is read: a bad request is a 400 whatever the state.
        JsonNode body = object(request.json());
        String name = requiredName(body);
        List<String> aliases = aliases(body.get("ingest_aliases"), false);
        CustomerCreated created = CustomerCreated.newBuilder()
                .setName(name)
                .setIngestAliases(aliases)
                .setCustomFields(stringMap(body, "custom_fields"))
                .setExternalId(optionalString(body, "external_id"))
                .setCustomerConfig(stringMap(body, "customer_config"))
                .setBillingConfig(billingConfig(body))
                .build();
        String id = UUID.randomUUID().toString();
        Prepared change = prepare(id, created);
        refuseHeldAliases(id, aliases);
        CustomerJson.Held held = write(change);
        refuseRaceLosses(held, aliases, "the customer was created without them");
        return HttpResponse.json(200, Map.of("data", held.customer()));
    }

    private HttpResponse setIngestAliases(HttpRequest request) {
        String id = request.pathParam("customer_id");
        JsonNode body = object(request.json());
        List<String> aliases = aliases(body.get("ingest_aliases"), true);
        Prepared change = prepare(id, IngestAliasesSet.newBuilder().setIngestAliases(aliases).build());
        Set<String> asked = new HashSet<>(aliases);
        List<String> released = new ArrayList<>();
        for (String alias : existing(id).aliases()) {
            if (!asked.contains(alias)) {
                released.add(alias);
            }
        }
        refuseHeldAliases(id, aliases);
        CustomerJson.Held held = write(change);
        awaitReleased(id, released);
        refuseRaceLosses(held, aliases, "the other aliases of the request were set");
        return HttpResponse.ok();
    }

    private HttpResponse setName(HttpRequest request) {
        String id = request.pathParam("customer_id");
        String name = requiredName(object(request.json()));
        Prepared change = prepare(id, NameSet.newBuilder().setName(name).build());
        existing(id);
        CustomerJson.Held held = write(change);
        return HttpResponse.json(200, Map.of("data", held.customer()));
    }

    private HttpResponse archive(HttpRequest request) {
        JsonNode body = object(request.json());
        JsonNode idNode = body.get("id");
        if (idNode == null || !idNode.isTextual() || idNode.asText().isEmpty()) {
            throw HttpError.badRequest("id is required: the ID of the customer to archive");
        }
        String id = HttpError.unlessLoneSurrogate("id", idNode.asText());
        Prepared change = prepare(id, CustomerArchived.newBuilder().build());
        existing(id);
        write(change);
        return HttpResponse.json(200, Map.of("data", Map.of("id", id)));
    }

    /** A change ready to publish: the record and its bytes, as measured against the size limits. */
    private record Prepared(CustomerChange change, byte[] key, byte[] value) {
    }

    /**
     * Builds and serializes the change, and answers 413 before anything is published when alias-sync would refuse it
     * as {@code TOO_LARGE}: a record over {@code alias-sync.max.change.bytes}, or a create whose customer would not
     * fit a record (the same check alias-sync makes; for other changes it depends on state read there, and a refusal
     * is answered when the write-wait sees it).
     */
    private Prepared prepare(String customerId, Object payload) {
        CustomerChange change = CustomerChanges.of(customerId, payload);
        byte[] key = customerId.getBytes(StandardCharsets.UTF_8);
        byte[] value = topic.valueSerde().serializer().serialize(topic.name(), change);
        Optional<String> tooLarge = budget.changeTooLarge(SizeBudget.recordBytes(key, value));
        if (tooLarge.isEmpty() && payload instanceof CustomerCreated created) {
            tooLarge = budget.customerTooLarge(
                    CustomerChangeProcessor.createdCustomer(change, created, created.getIngestAliases()));
        }
        if (tooLarge.isPresent()) {
            throw new HttpError(413, tooLarge.get() + "; nothing was published", Map.of("x-should-retry", "false"));
        }
        return new Prepared(change, key, value);
    }

    /**
     * Publishes the change and waits until the customer's bookkeeping shows it applied with every claim answered, then
     * reads the customer once. A change alias-sync refused is answered with its reason (see {@link #refused}).
     */
    private CustomerJson.Held write(Prepared prepared) {
        String customerId = prepared.change().getCustomerId();
        String changeId = prepared.change().getChangeId();
        try {
            producer.send(new ProducerRecord<>(topic.name(), prepared.key(), prepared.value())).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HttpError.unavailable("interrupted before the change was published; nothing was applied");
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            throw HttpError.unavailable("the change could not be published to Kafka (" + e.getMessage()
                    + "); nothing was applied, retry");
        }
        Deadline deadline = new Deadline(writeTimeout);
        while (true) {
            try {
                ChangeSettlement settlement = query.settlement(customerId, changeId);
                if (settlement.state() == ChangeSettlement.State.REFUSED) {
                    throw refused(changeId, settlement);
                }
                if (settlement.state() == ChangeSettlement.State.APPLIED) {
                    Optional<CustomerJson.Held> held = query.customer(customerId);
                    if (held.isPresent()) {
                        return held.get();
                    }
                }
            } catch (HttpError unavailable) {
                if (unavailable.status() != 503) {
                    throw unavailable;
                }
            }
            // The change will still be applied. Retrying any other write changes nothing, but a retried create would
            // create a second customer: Metronome's SDKs retry a 503 unless told not to.
            boolean create = prepared.change().getPayload() instanceof CustomerCreated;
            deadline.pause("change " + changeId + " to customer " + customerId + " was published, but alias-sync"
                    + " has neither applied nor refused it within " + writeTimeout.toMillis() + " ms; read the"
                    + " customer before retrying (a retried create would create another customer)", !create);
        }
    }

    /** The answer to a write alias-sync refused as a whole: the status its reason maps to, and the reason. */
    static HttpError refused(String changeId, ChangeSettlement settlement) {
        String message = "alias-sync refused change " + changeId + " (" + settlement.reason() + "): "
                + settlement.detail() + "; nothing was applied";
        Map<String, String> noRetry = Map.of("x-should-retry", "false");
        return switch (settlement.reason()) {
            case "TOO_LARGE" -> new HttpError(413, message, noRetry);
            case "UNKNOWN_CUSTOMER" -> HttpError.notFound(message);
            case "DUPLICATE_CUSTOMER" -> HttpError.conflict(message);
            default -> new HttpError(400, message, noRetry);
        };
    }

    /**
     * Waits between polls of a write: briefly at first (a change without claims is applied within milliseconds),
     * then less often, never longer than 20 ms, until the write timeout. A poll reads the customer's small bookkeeping
     * (or asks the instance that holds it), so polling often costs little.
     */
    private static final class Deadline {
        private final long end;
        private long sleepMillis = 2;

        Deadline(Duration timeout) {
            this.end = System.nanoTime() + timeout.toNanos();
        }

        /**
         * Sleeps before the next poll; past the deadline, throws a 503 with {@code message}, and with
         * {@code x-should-retry: false} unless the write may be {@code retryable} as it is.
         */
        void pause(String message, boolean retryable) {
            if (System.nanoTime() > end) {
                throw new HttpError(503, message, retryable ? Map.of() : Map.of("x-should-retry", "false"));
            }
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw HttpError.unavailable("interrupted while waiting: " + message);
            }
            sleepMillis = Math.min(20, sleepMillis * 2);
        }
    }

    /**
     * A release is applied to the customer at once but to the alias's binding one stage later (another partition,
     * maybe another instance): wait for the bindings too, so that after the 200 the alias is free for a create or a
     * setIngestAliases on any instance (read-your-writes for the alias, not only for the customer). Each poll asks
     * about every alias still bound at once.
     */
    private void awaitReleased(String customerId, List<String> released) {
        Deadline deadline = new Deadline(writeTimeout);
        List<String> waiting = released;
        while (true) {
            Map<String, Map<String, Object>> bindings = query.bindings(waiting);
            List<String> stillBound = new ArrayList<>();
            for (String alias : waiting) {
                Map<String, Object> binding = bindings.get(alias);
                if (binding != null && customerId.equals(binding.get("customer_id"))
                        && !Boolean.TRUE.equals(binding.get("is_customer_id"))) {
                    stillBound.add(alias);
                }
            }
            if (stillBound.isEmpty()) {
                return;
            }
            waiting = stillBound;
            deadline.pause("the aliases were set, but the release of " + stillBound.get(0)
                    + (stillBound.size() > 1 ? " and " + (stillBound.size() - 1) + " more" : "")
                    + " was not applied within " + writeTimeout.toMillis() + " ms; it will still be applied", true);
        }
    }

    /** 409 before anything is sent when an alias is bound to another customer (or is another customer's ID). */
    private void refuseHeldAliases(String customerId, List<String> aliases) {
        List<String> held = heldByOthers(customerId, aliases, query.bindings(aliases));
        if (!held.isEmpty()) {
            throw HttpError.conflict("ingest alias" + (held.size() > 1 ? "es " : " ") + String.join(", ", held)
                    + (held.size() > 1 ? " are" : " is") + " in use by another customer; nothing was applied");
        }
    }

    /** Of {@code aliases}, in order, those {@code bindings} (alias to binding) give to a customer other than this one. */
    static List<String> heldByOthers(String customerId, List<String> aliases,
            Map<String, Map<String, Object>> bindings) {
        List<String> held = new ArrayList<>();
        for (String alias : aliases) {
            Map<String, Object> binding = bindings.get(alias);
            if (binding != null && !customerId.equals(binding.get("customer_id"))) {
                held.add(alias);
            }
        }
        return held;
    }

    /** 409 when a claim lost a race after the pre-check; the rest of the change is applied (alias-sync's rule). */
    private static void refuseRaceLosses(CustomerJson.Held held, List<String> asked, String applied) {
        List<String> refused = raceLosses(held, asked);
        if (!refused.isEmpty()) {
            throw HttpError.conflict("ingest alias" + (refused.size() > 1 ? "es " : " ") + String.join(", ", refused)
                    + (refused.size() > 1 ? " were" : " was") + " taken by another customer meanwhile; " + applied);
        }
    }

    /** Of the aliases {@code asked} for, in order, those the customer does not hold (its own ID aside): one pass. */
    static List<String> raceLosses(CustomerJson.Held held, List<String> asked) {
        Set<String> holds = new HashSet<>(held.aliases());
        List<String> refused = new ArrayList<>();
        for (String alias : asked) {
            if (!holds.contains(alias) && !alias.equals(held.id())) {
                refused.add(alias);
            }
        }
        return refused;
    }

    // ---- reads ----------------------------------------------------------------------------------------------------

    private HttpResponse retrieve(HttpRequest request) {
        CustomerJson.Held held = existing(request.pathParam("customer_id"));
        return HttpResponse.json(200, Map.of("data", held.detail()));
    }

    private HttpResponse list(HttpRequest request) {
        int limit = Paging.limit(request.queryParam("limit"), DEFAULT_PAGE, MAX_PAGE);
        boolean archived = request.flagParam("only_archived");
        String after = Paging.after(request.queryParam("next_page"));
        String alias = request.queryParam("ingest_alias");
        String ids = request.queryParam("customer_ids");
        List<CustomerJson.Held> candidates;
        if (alias != null || ids != null) {
            Set<String> wanted = new LinkedHashSet<>();
            if (ids != null) {
                for (String id : ids.split(",")) {
                    if (!id.isBlank()) {
                        wanted.add(id.strip());
                    }
                }
                if (wanted.isEmpty() || wanted.size() > MAX_CUSTOMER_IDS) {
                    throw HttpError.badRequest("customer_ids must list 1 to " + MAX_CUSTOMER_IDS + " IDs");
                }
            }
            if (alias != null) {
                Optional<Map<String, Object>> binding = query.binding(alias);
                String owner = binding.map(b -> (String) b.get("customer_id")).orElse(null);
                if (owner == null || (ids != null && !wanted.contains(owner))) {
                    wanted.clear();
                } else {
                    wanted = new LinkedHashSet<>(List.of(owner));
                }
            }
            candidates = new ArrayList<>();
            for (String id : wanted) {
                query.customer(id).filter(h -> h.archived() == archived)
                        .filter(h -> alias == null || h.aliases().contains(alias))
                        .filter(h -> after == null || CustomerStoreQuery.UTF8.compare(h.id(), after) > 0)
                        .ifPresent(candidates::add);
            }
            candidates.sort(java.util.Comparator.comparing(CustomerJson.Held::id, CustomerStoreQuery.UTF8));
            if (candidates.size() > limit + 1) {
                candidates = candidates.subList(0, limit + 1);
            }
        } else {
            candidates = query.page(after, archived, limit + 1);
        }
        boolean more = candidates.size() > limit;
        List<CustomerJson.Held> page = more ? candidates.subList(0, limit) : candidates;
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("data", page.stream().map(CustomerJson.Held::detail).toList());
        answer.put("next_page", more ? Paging.nextPage(page.get(page.size() - 1).id()) : null);
        return HttpResponse.json(200, answer);
    }

    private HttpResponse resolve(HttpRequest request) {
        String identifier = request.pathParam("identifier");
        Map<String, Object> binding = query.binding(identifier).orElseThrow(() -> HttpError.notFound(
                "identifier " + identifier + " does not resolve to any customer (usage under it is pending)"));
        return HttpResponse.json(200, Map.of("data", binding));
    }

    private CustomerJson.Held existing(String id) {
        return query.customer(id).orElseThrow(() -> HttpError.notFound("customer " + id + " not found"));
    }

    // ---- internal: another instance reads what this one holds ----------------------------------------------------

    private HttpResponse customerHere(HttpRequest request) {
        return query.localCustomer(request.pathParam("customer_id"))
                .map(h -> HttpResponse.json(200, h.internal()))
                .orElseThrow(() -> HttpError.notFound("customer not found"));
    }

    private HttpResponse pageHere(HttpRequest request) {
        List<CustomerJson.Held> page = query.localPage(request.queryParam("after"),
                request.flagParam("only_archived"), 
                // The page of one instance, asked for one more than a page to tell whether there is more.
                Paging.limit(request.queryParam("limit"), DEFAULT_PAGE, MAX_PAGE + 1));
        return HttpResponse.json(200, page.stream().map(CustomerJson.Held::internal).toList());
    }

    private HttpResponse bindingHere(HttpRequest request) {
        return query.localBinding(request.pathParam("identifier")).map(b -> HttpResponse.json(200, b))
                .orElseThrow(() -> HttpError.notFound("not bound"));
    }

    private HttpResponse bindingsHere(HttpRequest request) {
        JsonNode identifiers = object(request.json()).path("identifiers");
        List<String> asked = new ArrayList<>();
        identifiers.forEach(node -> asked.add(node.asText()));
        return HttpResponse.json(200, query.localBindings(null, asked));
    }

    private HttpResponse settlementHere(HttpRequest request) {
        return HttpResponse.json(200, query.localSettlement(request.pathParam("customer_id"),
                request.pathParam("change_id")).toJson());
    }

    // ---- input ----------------------------------------------------------------------------------------------------

    private static JsonNode object(JsonNode body) {
        if (!body.isObject()) {
            throw HttpError.badRequest("request body must be a JSON object");
        }
        return body;
    }

    private static String requiredName(JsonNode body) {
        JsonNode name = body.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw HttpError.badRequest("name is required (a non-empty string)");
        }
        return AliasRules.truncateName(HttpError.unlessLoneSurrogate("name", name.asText()));
    }

    /** {@code text}, or its first and last {@code each} characters (code points) when it is longer than both. */
    private static String ends(String text, int each) {
        int length = text.codePointCount(0, text.length());
        if (length <= 2 * each) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, each)) + "\u2026"
                + text.substring(text.offsetByCodePoints(0, length - each));
    }

    /**
     * A map key quoted in a message: cut so that the message stays short, and with any lone surrogate shown as U+FFFD
     * (the answer is JSON in UTF-8, which cannot carry one either).
     */
    private static String quote(String text) {
        String shortened = Rejections.shorten(text, 64);
        StringBuilder printable = new StringBuilder(shortened);
        for (int at = JsonValues.loneSurrogate(printable); at >= 0; at = JsonValues.loneSurrogate(printable)) {
            printable.setCharAt(at, '\uFFFD');
        }
        return printable.toString();
    }

    private static List<String> aliases(JsonNode node, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                throw HttpError.badRequest("ingest_aliases is required (an array of strings)");
            }
            return List.of();
        }
        if (!node.isArray()) {
            throw HttpError.badRequest("ingest_aliases must be an array of strings");
        }
        List<String> aliases = new ArrayList<>();
        for (JsonNode alias : node) {
            if (!alias.isTextual()) {
                throw HttpError.badRequest("ingest_aliases must be an array of strings");
            }
            aliases.add(HttpError.unlessLoneSurrogate("ingest_aliases[" + aliases.size() + "]", alias.asText()));
        }
        AliasRules.Result result = AliasRules.check(aliases);
        if (result.violation().isPresent()) {
            throw HttpError.badRequest(result.violation().get().detail());
        }
        return result.aliases();
    }

    private static Map<String, String> stringMap(JsonNode body, String field) {
        JsonNode node = body.get(field);
        Map<String, String> map = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return map;
        }
        if (!node.isObject()) {
            throw HttpError.badRequest(field + " must be an object of strings");
        }
        node.fields().forEachRemaining(f -> {
            String name = field + "." + quote(f.getKey());
            if (!f.getValue().isTextual()) {
                throw HttpError.badRequest(name + " must be a string");
            }
            map.put(HttpError.unlessLoneSurrogate(name + " (the key)", f.getKey()),
                    HttpError.unlessLoneSurrogate(name, f.getValue().asText()));
        });
        return map;
    }

    private static String optionalString(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw HttpError.badRequest(field + " must be a string");
        }
        return HttpError.unlessLoneSurrogate(field, node.asText());
    }

    /**
     * Billing configuration is kept as sent (as data; Meterflow does not bill), if it is JSON data Meterflow can keep:
     * the rules alias-sync applies to the same field on Kafka ({@link JsonValues#problem}: nesting at most
     * {@value JsonValues#MAX_DEPTH} levels, number literals, no lone surrogates), else a 400 naming the field.
     */
    private static Map<String, JsonValue> billingConfig(JsonNode body) {
        String field = "customer_billing_provider_configurations";
        JsonNode node = body.get(field);
        if (node == null) {
            field = "billing_config";
            node = body.get(field);
        }
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw HttpError.badRequest(field + " must be an object");
        }
        Map<String, JsonValue> config;
        try (JsonParser parser = node.traverse()) {
            parser.nextToken();
            config = JsonValues.readObjectBody(parser);
        } catch (IOException e) {
            throw HttpError.badRequest(field + " is not valid JSON data: " + e.getMessage());
        }
        Optional<String> problem = JsonValues.problem(config);
        if (problem.isPresent()) {
            // The path can be as long as the nesting and its keys; its start and the rule broken at its end matter.
            throw HttpError.badRequest(field + ": " + ends(problem.get(), 200));
        }
        return config;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
