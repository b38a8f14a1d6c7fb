package io.meterflow.serde;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * The in-process registry behind {@code schema.registry.url=mock://scope}: one per scope, shared by every serde
 * in the JVM that names the same scope.
 *
 * <p>Unlike an ordinary mock, its schema IDs do not depend on registration order: an ID is derived from the
 * schema's parsing-canonical-form fingerprint, so the same schema gets the same ID in every process and across
 * restarts, and records written before a restart stay readable after it. Schemas that no live serde has registered
 * yet (records written by an earlier release) are found among the {@link KnownSchemas}: every generated class and
 * every released schema version kept on the classpath.
 */
public final class MockSchemaRegistry implements SchemaRegistryClient {

    private static final Map<String, MockSchemaRegistry> SCOPES = new ConcurrentHashMap<>();

    private final String scope;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, Schema>> subjects = new ConcurrentHashMap<>();

    private MockSchemaRegistry(String scope) {
        this.scope = scope;
    }

    /** The registry for {@code scope}, created on first use. */
    public static MockSchemaRegistry forScope(String scope) {
        return SCOPES.computeIfAbsent(scope, MockSchemaRegistry::new);
    }

    /** Forgets a scope's subjects (tests that want a clean registry). IDs stay the same on re-registration. */
    public static void dropScope(String scope) {
        SCOPES.remove(scope);
    }

    /** The stable ID of a schema: a positive 31-bit fold of its 64-bit parsing fingerprint. */
    public static int stableId(Schema schema) {
        long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        int folded = (int) (fingerprint ^ (fingerprint >>> 32));
        // 0 is avoided so that an all-zero header never looks like a valid record.
        return Math.max(1, folded & Integer.MAX_VALUE);
    }

    @Override
    public int register(String subject, Schema schema) {
        int id = stableId(schema);
        Schema previous = schemasById.putIfAbsent(id, schema);
        if (previous != null && !SchemaNormalization.toParsingForm(previous).equals(SchemaNormalization.toParsingForm(schema))) {
            throw new SchemaRegistryException("Schema ID collision in mock registry scope '" + scope + "': "
                    + schema.getFullName() + " and " + previous.getFullName() + " share ID " + id);
        }
        subjects.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(id, schema);
        return id;
    }

    /**
     * Makes {@code schema} resolvable by ID without registering a subject: a deserializer offers its reader schema
     * so that a store restored from its changelog in a fresh process reads records written by the same schema
     * before any serializer here has run.
     */
    public void remember(Schema schema) {
        schemasById.putIfAbsent(stableId(schema), schema);
    }

    @Override
    public int lookup(String subject, Schema schema) {
        int id = stableId(schema);
        Map<Integer, Schema> registered = subjects.get(subject);
        if (registered == null || !registered.containsKey(id)) {
            // The codes a Confluent registry answers, so that callers decide on them the same way for both.
            throw new SchemaRegistryException("Schema " + schema.getFullName() + " is not registered under subject '"
                    + subject + "' in mock registry scope '" + scope + "'", 404,
                    registered == null ? SchemaRegistryException.SUBJECT_NOT_FOUND
                            : SchemaRegistryException.SCHEMA_NOT_FOUND);
        }
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema != null) {
            return schema;
        }
        schema = KnownSchemas.byStableId(id);
        if (schema == null) {
            throw new SchemaRegistryException("Schema ID " + id + " is unknown to mock registry scope '" + scope
                    + "' and to the schemas shipped with Meterflow", 404, SchemaRegistryException.SCHEMA_NOT_FOUND);
        }
        schemasById.putIfAbsent(id, schema);
        return schema;
    }

    /** Subjects registered in this scope (for tests and diagnostics). */
    public java.util.Set<String> subjects() {
        return java.util.Set.copyOf(subjects.keySet());
    }
}
