package io.meterflow.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record holds a string whose bytes are not valid UTF-8. Thrown only by a deserializer that reads strings strictly
 * ({@link SpecificAvroDeserializer#strict(Class)}): Avro itself decodes such bytes leniently, replacing them with
 * U+FFFD, so two different byte strings could decode to the same text (and, for an ID, collide).
 */
public class InvalidStringException extends SerializationException {

    private static final long serialVersionUID = 1L;

    public InvalidStringException(String message) {
        super(message);
    }
}
