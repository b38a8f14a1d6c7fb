package io.meterflow.serde;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A registry client that reads records written with the in-process registry ({@code mock://}) after a move to a
 * real one. Such records carry {@link MockSchemaRegistry#stableId mock-derived IDs} the real registry has never
 * heard of; when the registry answers that it has no schema with an ID (HTTP 404, {@code error_code} 40403) and the
 * ID is the mock-derived ID of one of the {@link KnownSchemas} (current or released), that schema is used.
 *
 * <p>The registry is always asked first and its answer always wins: an ID it knows is read with its schema, even
 * when that ID is also the mock-derived ID of a built-in schema (a collision, logged once; records written under
 * that ID with the in-process registry then fail as another record type, or misread if the registry's schema has the
 * same name). Any other failure (an unreachable registry, a timeout, 5xx, 401/403, a 404 without a not-found code)
 * is rethrown unchanged: an outage is never mistaken for a missing schema. Registration and lookup are the
 * registry's alone.
 */
final class BuiltInSchemaFallback implements SchemaRegistryClient {

    private static final Logger LOG = LoggerFactory.getLogger(BuiltInSchemaFallback.class);

    private final SchemaRegistryClient registry;
    private final Map<Integer, Schema> fallbacks = new ConcurrentHashMap<>();
    private final Set<Integer> collisionsLogged = ConcurrentHashMap.newKeySet();

    BuiltInSchemaFallback(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    @Override
    public int register(String subject, Schema schema) {
        return registry.register(subject, schema);
    }

    @Override
    public int lookup(String subject, Schema schema) {
        return registry.lookup(subject, schema);
    }

    @Override
    public Schema schemaById(int id) {
        Schema builtIn = fallbacks.get(id);
        if (builtIn != null) {
            return builtIn;
        }
        Schema fromRegistry;
        try {
            fromRegistry = registry.schemaById(id);
        } catch (SchemaRegistryException e) {
            builtIn = e.httpStatus() == 404 && e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND
                    ? KnownSchemas.byStableId(id) : null;
            if (builtIn == null) {
                throw e;
            }
            if (fallbacks.putIfAbsent(id, builtIn) == null) {
                LOG.info("Schema ID {} is not in the schema registry; reading it with the built-in schema {}, whose ID "
                        + "it is in the in-process registry (a record written with schema.registry.url=mock://...)",
                        id, builtIn.getFullName());
            }
            return builtIn;
        }
        warnIfCollision(id, fromRegistry);
        return fromRegistry;
    }

    private void warnIfCollision(int id, Schema fromRegistry) {
        Schema builtIn = KnownSchemas.byStableId(id);
        if (builtIn != null && !collisionsLogged.contains(id)
                && !SchemaNormalization.toParsingForm(builtIn).equals(SchemaNormalization.toParsingForm(fromRegistry))
                && collisionsLogged.add(id)) {
            LOG.warn("Schema ID {} is {} in the schema registry and also the in-process registry's ID of the built-in "
                    + "schema {}; the registry's schema is used, so records written under this ID with "
                    + "schema.registry.url=mock://... cannot be read", id, fromRegistry.getFullName(),
                    builtIn.getFullName());
        }
    }
}
