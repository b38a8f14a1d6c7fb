package io.meterflow.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro specific records in Confluent's wire format, registering each record's schema under the subject
 * {@code <topic>-key} or {@code <topic>-value} (Confluent's TopicNameStrategy). Thread-safe once configured.
 */
public class SpecificAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private volatile SchemaRegistryClient registry;
    private boolean isKey;
    private boolean autoRegister = true;
    /** Schema IDs by topic (not by subject: the subject name would be built on every call) and schema. */
    private final Map<String, Map<Schema, Integer>> idsByTopic = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<T>> writers = new ConcurrentHashMap<>();
    private static final ThreadLocal<BinaryEncoder> ENCODER = new ThreadLocal<>();
    private static final ThreadLocal<ReusableOutput> OUTPUT = ThreadLocal.withInitial(ReusableOutput::new);

    public SpecificAvroSerializer() {
    }

    /** A serializer already configured against {@code registry} (for code that builds serdes by hand). */
    public SpecificAvroSerializer(SchemaRegistryClient registry, boolean isKey) {
        this.registry = registry;
        this.isKey = isKey;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.registry = SerdeConfig.registry(configs);
        this.autoRegister = SerdeConfig.autoRegister(configs);
        this.isKey = isKey;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        SchemaRegistryClient client = registry;
        if (client == null) {
            throw new SerializationException("SpecificAvroSerializer for topic " + topic + " used before configure(): "
                    + "set " + SerdeConfig.SCHEMA_REGISTRY_URL);
        }
        Schema schema = data.getSchema();
        int id = idsByTopic.computeIfAbsent(String.valueOf(topic), t -> new ConcurrentHashMap<>()).computeIfAbsent(schema, s -> {
            String subject = topic + (isKey ? "-key" : "-value");
            return autoRegister ? client.register(subject, s) : client.lookup(subject, s);
        });
        ReusableOutput out = OUTPUT.get();
        out.reset();
        out.write(WireFormat.MAGIC_BYTE);
        out.writeIntBigEndian(id);
        try {
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, ENCODER.get());
            ENCODER.set(encoder);
            writers.computeIfAbsent(schema, SpecificDatumWriter::new).write(data, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            // The buffered encoder may hold part of the failed record; it would flush that into the next one.
            ENCODER.remove();
            throw new SerializationException("Could not serialize " + schema.getFullName() + " for topic " + topic + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
