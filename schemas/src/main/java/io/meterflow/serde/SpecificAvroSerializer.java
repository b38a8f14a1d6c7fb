package io.meterflow.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.Encoder;
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
    private final Map<Schema, SplicingWriter<T>> writers = new ConcurrentHashMap<>();
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
        return serialize(topic, data, -1, null);
    }

    /**
     * Serializes {@code data} with its top-level field at position {@code fieldPos} copied from {@code fieldValue}
     * instead of encoded: for a value the caller already holds in encoded form (an event read from a topic, kept in a
     * store value). The caller vouches that {@code fieldValue} is the Avro binary of that field's current value in
     * the field's schema of {@code data.getSchema()}; the result is then byte for byte what {@link #serialize(String,
     * SpecificRecord)} writes.
     *
     * @param fieldPos   the field's position, or -1 to encode every field
     * @param fieldValue the field's encoding, or null to encode every field
     */
    public byte[] serialize(String topic, T data, int fieldPos, AvroBinary fieldValue) {
        if (fieldValue == null) {
            return serialize(topic, data, (datum, out) -> writer(datum).write(datum, out));
        }
        return serialize(topic, data, (datum, out) -> writer(datum).write(datum, out, fieldPos, fieldValue));
    }

    private SplicingWriter<T> writer(T datum) {
        return writers.computeIfAbsent(datum.getSchema(), SplicingWriter::new);
    }

    /**
     * Encodes {@code data}'s payload by its schema's own hand-written writer: for a record on a hot path whose
     * layout the caller has checked against {@code data.getSchema()}. The caller vouches that {@code payload} writes
     * exactly what Avro's writer would for that schema; the frame (magic byte, schema ID registered or looked up for
     * the topic) is this serializer's, as for every other record.
     */
    public byte[] serialize(String topic, T data, PayloadWriter<T> payload) {
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
            payload.write(data, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            // The buffered encoder may hold part of the failed record; it would flush that into the next one.
            ENCODER.remove();
            throw new SerializationException("Could not serialize " + schema.getFullName() + " for topic " + topic + ": " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            // A recursive schema (JsonValue) nested deeper than the stack. The stack is unwound by now; what is left is
            // the encoder's buffer holding part of this record, which the next record on this thread would carry.
            ENCODER.remove();
            throw new SerializationException("Could not serialize " + schema.getFullName() + " for topic " + topic
                    + ": it is nested too deeply to write");
        }
        return out.toByteArray();
    }

    /** Writes one record's Avro payload (without the frame) to {@code out}. */
    @FunctionalInterface
    public interface PayloadWriter<T> {
        void write(T data, Encoder out) throws IOException;
    }

    /** Avro's specific writer, plus writing one top-level field from bytes already encoded. Thread-safe. */
    private static final class SplicingWriter<T> extends SpecificDatumWriter<T> {

        private final Schema schema;

        SplicingWriter(Schema schema) {
            super(schema);
            this.schema = schema;
        }

        /** What {@code GenericDatumWriter.writeRecord} does for the top-level record, with one field copied. */
        void write(T datum, Encoder out, int fieldPos, AvroBinary fieldValue) throws IOException {
            for (Schema.Field field : schema.getFields()) {
                if (field.pos() == fieldPos) {
                    out.writeFixed(fieldValue.bytes(), fieldValue.offset(), fieldValue.length());
                } else {
                    writeField(datum, field, out, null);
                }
            }
        }
    }
}
