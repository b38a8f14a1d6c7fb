package io.meterflow.serde;

import org.apache.avro.Schema;

/**
 * The two calls the Confluent wire format needs from a schema registry: register a schema under a subject
 * (getting its global ID) and fetch a schema by ID. Implementations cache and are thread-safe.
 */
public interface SchemaRegistryClient {

    /** Registers {@code schema} under {@code subject} (or finds it already there) and returns its schema ID. */
    int register(String subject, Schema schema);

    /**
     * Returns the ID of {@code schema} if it is already registered under {@code subject}, without registering it
     * (used when {@code auto.register.schemas=false}); throws {@link SchemaRegistryException} if it is not.
     */
    int lookup(String subject, Schema schema);

    /** Returns the schema with this ID; throws {@link SchemaRegistryException} if the registry has none. */
    Schema schemaById(int id);
}
