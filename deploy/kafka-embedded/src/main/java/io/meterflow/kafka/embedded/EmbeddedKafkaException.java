package io.meterflow.kafka.embedded;

/**
 * Raised when an {@link EmbeddedKafkaBroker} cannot start, with a message that names the cause in the caller's terms
 * (a busy port, an unwritable data directory, a timeout) instead of a stack trace from inside Kafka. The Kafka
 * exception, when there is one, is kept as the cause.
 */
public class EmbeddedKafkaException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public EmbeddedKafkaException(String message) {
        super(message);
    }

    public EmbeddedKafkaException(String message, Throwable cause) {
        super(message, cause);
    }
}
