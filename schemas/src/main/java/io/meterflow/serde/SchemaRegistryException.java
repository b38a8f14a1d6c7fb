package io.meterflow.serde;

import org.apache.kafka.common.errors.SerializationException;

/** A schema registry refused a call or could not be reached. */
public class SchemaRegistryException extends SerializationException {

    private static final long serialVersionUID = 1L;

    public SchemaRegistryException(String message) {
        super(message);
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
