package io.meterflow.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A schema registry refused a call or could not be reached. When the registry answered, {@link #httpStatus()} and
 * {@link #errorCode()} carry its HTTP status and Confluent {@code error_code} (e.g. 40403: schema not found).
 */
public class SchemaRegistryException extends SerializationException {

    private static final long serialVersionUID = 1L;

    /** Value of {@link #httpStatus()} and {@link #errorCode()} when the registry gave none. */
    public static final int NONE = -1;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message) {
        this(message, NONE, NONE);
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = NONE;
        this.errorCode = NONE;
    }

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** The registry's HTTP status, or {@link #NONE}. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The registry's {@code error_code}, or {@link #NONE}. */
    public int errorCode() {
        return errorCode;
    }
}
