package io.meterflow.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A schema registry refused a call or could not be reached. When the registry answered, {@link #httpStatus()} and
 * {@link #errorCode()} carry its HTTP status and Confluent {@code error_code} (e.g. 40403: schema not found).
 * {@link #isRecordsFault()} tells a consumer whether the record it was reading is to blame.
 */
public class SchemaRegistryException extends SerializationException {

    private static final long serialVersionUID = 1L;

    /** Value of {@link #httpStatus()} and {@link #errorCode()} when the registry gave none. */
    public static final int NONE = -1;
    /** Confluent's {@code error_code} for a subject the registry does not have (HTTP 404). */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Confluent's {@code error_code} for a version the registry does not have (HTTP 404). */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Confluent's {@code error_code} for a schema (or schema ID) the registry does not have (HTTP 404). */
    public static final int SCHEMA_NOT_FOUND = 40403;

    private final int httpStatus;
    private final int errorCode;
    private final boolean unusableSchema;

    public SchemaRegistryException(String message) {
        this(message, NONE, NONE);
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = NONE;
        this.errorCode = NONE;
        this.unusableSchema = false;
    }

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        this(message, httpStatus, errorCode, false);
    }

    private SchemaRegistryException(String message, int httpStatus, int errorCode, boolean unusableSchema) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
        this.unusableSchema = unusableSchema;
    }

    /**
     * The registry has the schema a record names, but it is of a kind these serdes cannot read (a Protobuf or JSON
     * schema): the record was written by another kind of serializer.
     */
    public static SchemaRegistryException unusableSchema(String message) {
        return new SchemaRegistryException(message, NONE, NONE, true);
    }

    /**
     * Whether the registry answered that what was asked for does not exist: HTTP 404 with one of Confluent's
     * not-found codes ({@value #SUBJECT_NOT_FOUND}, {@value #VERSION_NOT_FOUND}, {@value #SCHEMA_NOT_FOUND}; the
     * {@code mock://} registry answers the same). A 404 without such a code is not counted: that is what a wrong
     * registry URL, or a proxy in front of the registry, answers to every request.
     */
    public boolean notFound() {
        return httpStatus == 404
                && (errorCode == SUBJECT_NOT_FOUND || errorCode == VERSION_NOT_FOUND || errorCode == SCHEMA_NOT_FOUND);
    }

    /**
     * Whether a record whose schema could not be fetched is itself to blame: the registry answered that it has no
     * schema with the record's ID ({@link #notFound()}), or that the schema is not one these serdes read
     * ({@link #unusableSchema(String)}). Such a record can never be read, so a consumer refuses it as data. Anything else (an
     * unreachable registry, a timeout, 5xx, 401, 403, a 404 without a not-found code) may pass, and says nothing
     * about the record: a consumer must rethrow, so that the record is retried rather than refused.
     */
    public boolean isRecordsFault() {
        return unusableSchema || notFound();
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
