package io.meterflow.topics;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic of the data contract: its name and the serdes of its key and value. Declared once in {@link Topics};
 * code that reads or writes a topic takes it from there instead of spelling its name.
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {

    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }
}
