package io.meterflow.serde;

import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Serde for Avro specific records in Confluent's wire format; configure it with {@code schema.registry.url} the
 * way Kafka Streams configures serdes ({@link #configure(Map, boolean)}).
 */
public class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final SpecificAvroSerializer<T> serializer;
    private final SpecificAvroDeserializer<T> deserializer;

    /** Reads into the class the writer schema names (for {@code default.value.serde}). */
    public SpecificAvroSerde() {
        this.serializer = new SpecificAvroSerializer<>();
        this.deserializer = new SpecificAvroDeserializer<>();
    }

    /** Reads into {@code type}, resolving older and newer writer schemas against it. */
    public SpecificAvroSerde(Class<T> type) {
        this.serializer = new SpecificAvroSerializer<>();
        this.deserializer = new SpecificAvroDeserializer<>(type);
    }

    /** A ready-to-use serde for {@code type}, configured with {@code configs}. */
    public static <T extends SpecificRecord> SpecificAvroSerde<T> of(Class<T> type, Map<String, ?> configs, boolean isKey) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type);
        serde.configure(configs, isKey);
        return serde;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public SpecificAvroSerializer<T> serializer() {
        return serializer;
    }

    @Override
    public SpecificAvroDeserializer<T> deserializer() {
        return deserializer;
    }
}
