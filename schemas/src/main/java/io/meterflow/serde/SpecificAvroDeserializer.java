package io.meterflow.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-framed Avro into a generated class. The writer schema is fetched by the ID in the frame and
 * resolved against the reader's schema, so records written with an older (or newer, compatible) schema are read
 * into the current class. Thread-safe once configured.
 *
 * <p>Constructed with a target class, that class's schema is the reader schema. Constructed without one (as Kafka
 * Streams does for {@code default.value.serde}), the class named by the writer schema is used, as Confluent's
 * deserializer does with {@code specific.avro.reader=true}.
 */
public class SpecificAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final Class<T> targetType;
    private final Schema readerSchema;
    private volatile SchemaRegistryClient registry;
    private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();
    private static final ThreadLocal<BinaryDecoder> DECODER = new ThreadLocal<>();

    public SpecificAvroDeserializer() {
        this.targetType = null;
        this.readerSchema = null;
    }

    public SpecificAvroDeserializer(Class<T> targetType) {
        this.targetType = targetType;
        this.readerSchema = SpecificData.get().getSchema(targetType);
    }

    /** A deserializer already configured against {@code registry}. */
    public SpecificAvroDeserializer(Class<T> targetType, SchemaRegistryClient registry) {
        this(targetType);
        this.registry = registry;
        if (registry instanceof MockSchemaRegistry mock) {
            mock.remember(readerSchema);
        }
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.registry = SerdeConfig.registry(configs);
        if (readerSchema != null && registry instanceof MockSchemaRegistry mock) {
            mock.remember(readerSchema);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        SchemaRegistryClient client = registry;
        if (client == null) {
            throw new SerializationException("SpecificAvroDeserializer for topic " + topic + " used before configure(): "
                    + "set " + SerdeConfig.SCHEMA_REGISTRY_URL);
        }
        int id = WireFormat.schemaId(data);
        DatumReader<T> reader = readers.computeIfAbsent(id, i -> newReader(client.schemaById(i)));
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER_SIZE,
                    data.length - WireFormat.HEADER_SIZE, DECODER.get());
            DECODER.set(decoder);
            T value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new SerializationException("Trailing bytes after the Avro record (schema ID " + id + ")");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException("Could not read Avro record with schema ID " + id + " from topic " + topic
                    + ": " + e, e);
        }
    }

    private DatumReader<T> newReader(Schema writerSchema) {
        Schema reader = readerSchema;
        if (reader == null) {
            Class<?> generated = SpecificData.get().getClass(writerSchema);
            if (generated == null || !SpecificRecord.class.isAssignableFrom(generated)) {
                throw new SerializationException("No generated class for writer schema " + writerSchema.getFullName());
            }
            reader = SpecificData.get().getSchema(generated);
        } else if (targetType != null && writerSchema.getType() == Schema.Type.RECORD
                && !writerSchema.getFullName().equals(reader.getFullName())
                && !reader.getAliases().contains(writerSchema.getFullName())) {
            throw new SerializationException("Record of type " + writerSchema.getFullName() + " where "
                    + reader.getFullName() + " was expected");
        }
        return new SpecificDatumReader<>(writerSchema, reader);
    }
}
