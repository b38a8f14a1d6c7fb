package io.meterflow.ingest.emit;

import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.schemas.internal.ingest.IdentifierEntry;
import io.meterflow.serde.SpecificAvroDeserializer;
import io.meterflow.serde.SpecificAvroSerde;
import io.meterflow.serde.SpecificAvroSerializer;
import io.meterflow.serde.SpecificAvroSerializer.PayloadWriter;
import io.meterflow.serde.WireFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serdes of the two small store values that every event under an alias reads or writes, written and read by hand:
 * {@link BoundCustomer} (the bindings replica, read for every live event) and {@link IdentifierEntry} (the identifier
 * index, written for every parked event and every event attributed through an alias). For a record of two or three
 * fields, Avro's checking skip pass, resolving decoder and specific reader are nearly all of the work: a binding read
 * takes about 0.26 µs through Avro and 0.03 µs here (a hot loop; on the live path its share of the stream thread's
 * samples fell from 6% to 2%).
 *
 * <p>What is written is byte for byte what Avro writes ({@code FlatCodecsTest} checks it against the plain serde), in
 * the same frame with the same schema ID. A value is read by hand only when it was written with the current schema (a
 * schema ID this serde has already read with Avro) and its schema still has the layout below; any other value, and
 * any value that is not plainly such a record (a length beyond the bytes, a boolean byte other than 0 or 1, trailing
 * bytes), is read by Avro as before, which then says what is wrong with it.
 */
public final class FlatCodecs {

    /** BoundCustomer's fields, as {@link SchemaLayout#kind} spells them: what {@link #boundCustomer} is written for. */
    static final List<String> BOUND_CUSTOMER = List.of(
            "customer_id:string",
            "is_customer_id:boolean",
            "archived:boolean");

    /** IdentifierEntry's fields: what {@link #identifierEntry} is written for. */
    static final List<String> IDENTIFIER_ENTRY = List.of(
            "accepted_at:long",
            "customer_id:nullable string");

    private FlatCodecs() {
    }

    /** The serde of the bindings replica's values. */
    public static Serde<BoundCustomer> boundCustomer(Map<String, ?> serdeConfig) {
        return serde(BoundCustomer.class, serdeConfig, BOUND_CUSTOMER,
                (binding, out) -> {
                    out.writeString(binding.getCustomerId());
                    out.writeBoolean(binding.getIsCustomerId());
                    out.writeBoolean(binding.getArchived());
                },
                FlatCodecs::readBoundCustomer);
    }

    /** The serde of the identifier index's values. */
    public static Serde<IdentifierEntry> identifierEntry(Map<String, ?> serdeConfig) {
        return serde(IdentifierEntry.class, serdeConfig, IDENTIFIER_ENTRY,
                (entry, out) -> {
                    out.writeLong(entry.getAcceptedAt());
                    StateCodec.writeNullable(entry.getCustomerId(), out);
                },
                FlatCodecs::readIdentifierEntry);
    }

    /**
     * Reads a BoundCustomer in the current schema from {@code frame} (the whole stored value, its frame included).
     *
     * @throws IllegalArgumentException when the bytes are not plainly such a record (the caller lets Avro read them)
     */
    static BoundCustomer readBoundCustomer(byte[] frame) {
        AvroCursor in = cursor(frame, "a BoundCustomer");
        return end(in, new BoundCustomer(in.string(), in.bool(), in.bool()));
    }

    /** Reads an IdentifierEntry in the current schema, as {@link #readBoundCustomer} reads a BoundCustomer. */
    static IdentifierEntry readIdentifierEntry(byte[] frame) {
        AvroCursor in = cursor(frame, "an IdentifierEntry");
        return end(in, new IdentifierEntry(in.varLong(), in.nullableString()));
    }

    private static AvroCursor cursor(byte[] frame, String what) {
        return new AvroCursor(frame, WireFormat.HEADER_SIZE, frame.length, what);
    }

    private static <T> T end(AvroCursor in, T value) {
        if (in.remaining() != 0) {
            throw new IllegalArgumentException("trailing bytes after " + value.getClass().getSimpleName());
        }
        return value;
    }

    private static <T extends SpecificRecord> Serde<T> serde(Class<T> type, Map<String, ?> serdeConfig,
            List<String> layout, PayloadWriter<T> payload, Function<byte[], T> read) {
        SpecificAvroSerde<T> avro = SpecificAvroSerde.of(type, serdeConfig, false);
        SpecificAvroSerializer<T> serializer = avro.serializer();
        SpecificAvroDeserializer<T> deserializer = avro.deserializer();
        Schema schema = SpecificData.get().getSchema(type);
        if (!SchemaLayout.matches(schema, layout)) {
            return avro;
        }
        Serializer<T> writing = (topic, value) -> serializer.serialize(topic, value, payload);
        Deserializer<T> reading = (topic, data) -> {
            if (data != null && data.length > WireFormat.HEADER_SIZE && data[0] == WireFormat.MAGIC_BYTE
                    && deserializer.writtenWithReaderSchema(data)) {
                try {
                    return read.apply(data);
                } catch (RuntimeException notReadByHand) {
                    // Let Avro read it, and say what is wrong with it.
                }
            }
            return deserializer.deserialize(topic, data);
        };
        return Serdes.serdeFrom(writing, reading);
    }
}
