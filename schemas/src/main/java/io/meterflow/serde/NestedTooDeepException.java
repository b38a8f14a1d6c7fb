package io.meterflow.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record nests values (JsonValue's arrays and maps) deeper than the decoder's stack can follow. Still an ordinary
 * poison record: the stack is unwound by the time this is thrown.
 */
public class NestedTooDeepException extends SerializationException {

    private static final long serialVersionUID = 1L;

    public NestedTooDeepException(String message) {
        super(message);
    }
}
