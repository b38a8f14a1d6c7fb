package io.meterflow.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.Utf8;
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
 *
 * <p>Avro decodes string bytes that are not valid UTF-8 leniently (each bad sequence becomes U+FFFD), so different
 * byte strings can read as the same text. A deserializer made with {@link #strict(Class)} refuses them instead
 * ({@link InvalidStringException}); it costs one scan for U+FFFD per string, and a strict decode only of strings that
 * contain one.
 */
public class SpecificAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final Class<T> targetType;
    private final Schema readerSchema;
    private final boolean strictStrings;
    private volatile SchemaRegistryClient registry;
    private final Map<Integer, WriterReader<T>> readers = new ConcurrentHashMap<>();
    /** The reader of values written with the reader schema itself, for {@link #readPayload}; made when first needed. */
    private volatile WriterReader<T> currentReader;
    private static final ThreadLocal<BinaryDecoder> DECODER = new ThreadLocal<>();

    public SpecificAvroDeserializer() {
        this.targetType = null;
        this.readerSchema = null;
        this.strictStrings = false;
    }

    public SpecificAvroDeserializer(Class<T> targetType) {
        this(targetType, false);
    }

    private SpecificAvroDeserializer(Class<T> targetType, boolean strictStrings) {
        this.targetType = targetType;
        this.readerSchema = SpecificData.get().getSchema(targetType);
        this.strictStrings = strictStrings;
    }

    /**
     * A deserializer into {@code targetType} that refuses strings whose bytes are not valid UTF-8 with an
     * {@link InvalidStringException} (configure it like any other). For inputs where two byte strings must never
     * read as the same ID.
     */
    public static <T extends SpecificRecord> SpecificAvroDeserializer<T> strict(Class<T> targetType) {
        return new SpecificAvroDeserializer<>(targetType, true);
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
        WriterReader<T> reader;
        try {
            reader = readers.computeIfAbsent(id, i -> newReader(client.schemaById(i)));
        } catch (RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException("Could not read Avro record with schema ID " + id + " from topic " + topic
                    + ": " + e, e);
        }
        return read(reader, data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE,
                "Avro record with schema ID " + id + " from topic " + topic);
    }

    /**
     * Reads a value encoded (without a frame) with exactly the reader schema, as {@link #deserialize} reads a framed
     * record written with it: for a value that lies inside another record, such as an event inside a stored state.
     */
    public T readPayload(AvroBinary payload) {
        if (readerSchema == null) {
            throw new IllegalStateException("readPayload needs a deserializer constructed with a target type");
        }
        WriterReader<T> reader = currentReader;
        if (reader == null) {
            reader = newReader(readerSchema);
            currentReader = reader;
        }
        return read(reader, payload.bytes(), payload.offset(), payload.length(),
                "Avro payload of " + readerSchema.getFullName());
    }

    private T read(WriterReader<T> reader, byte[] data, int offset, int length, String what) {
        try {
            // A first pass that only skips checks every length against the payload before anything is allocated:
            // Avro would otherwise allocate whatever size a corrupt length claims (up to 2 GB) before noticing
            // the bytes are not there, and an OutOfMemoryError would kill the stream thread instead of being a
            // poison record.
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, offset, length, DECODER.get());
            DECODER.set(decoder);
            GenericDatumReader.skip(reader.writer(), decoder);
            if (!decoder.isEnd()) {
                throw new SerializationException("Trailing bytes after the " + what);
            }
            decoder = DecoderFactory.get().binaryDecoder(data, offset, length, decoder);
            return reader.reader().read(null, decoder);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException("Could not read " + what + ": " + e, e);
        } catch (StackOverflowError e) {
            // Recursive schemas (JsonValue) let a small corrupt or hostile record nest deeper than any stack. The
            // stack is unwound by now, so this is an ordinary poison record, not a broken JVM.
            throw new NestedTooDeepException(what + " is nested too deeply to read");
        }
    }

    /**
     * Whether {@code data} (a Confluent-framed record this deserializer has read) was written with exactly the
     * reader's schema, so that its payload is also the current encoding of the value and may be copied as such (see
     * {@link AvroBinary}). False for records written with any other schema version, and for unknown schema IDs.
     */
    public boolean writtenWithReaderSchema(byte[] data) {
        if (data == null || data.length < WireFormat.HEADER_SIZE) {
            return false;
        }
        WriterReader<T> reader = readers.get(WireFormat.schemaId(data));
        return reader != null && reader.current();
    }

    /**
     * The schema {@code data} (a Confluent-framed record this deserializer has read) was written with, or null if it
     * has read no record with that schema ID: for checks that need the encoding itself, such as {@link StrictUtf8}.
     */
    public Schema writerSchema(byte[] data) {
        if (data == null || data.length < WireFormat.HEADER_SIZE || data[0] != WireFormat.MAGIC_BYTE) {
            return null;
        }
        WriterReader<T> reader = readers.get(WireFormat.schemaId(data));
        return reader == null ? null : reader.writer();
    }

    /** @param current whether the writer schema equals the reader schema */
    private record WriterReader<T>(Schema writer, DatumReader<T> reader, boolean current) {
    }

    private WriterReader<T> newReader(Schema writerSchema) {
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
        OrderPreservingData data = new OrderPreservingData(SpecificData.getForSchema(reader));
        DatumReader<T> datumReader = strictStrings ? new StrictStringReader<>(writerSchema, reader, data)
                : new SpecificDatumReader<>(writerSchema, reader, data);
        return new WriterReader<>(writerSchema, datumReader, writerSchema.equals(reader));
    }

    /**
     * Reads Java strings strictly: bytes that are not valid UTF-8 are an {@link InvalidStringException} instead of
     * U+FFFD. Only strings read as {@code java.lang.String} (every string of Meterflow's generated classes) are
     * checked; the scan for U+FFFD is what the hot path pays, the strict decode runs only for strings containing one.
     */
    private static final class StrictStringReader<T> extends SpecificDatumReader<T> {

        private static final ThreadLocal<Utf8> SCRATCH = ThreadLocal.withInitial(Utf8::new);

        StrictStringReader(Schema writer, Schema reader, SpecificData data) {
            super(writer, reader, data);
        }

        @Override
        protected Object readString(Object old, Schema expected, Decoder in) throws IOException {
            if (!"String".equals(expected.getProp(GenericData.STRING_PROP))) {
                return super.readString(old, expected, in);
            }
            Utf8 raw = in.readString(SCRATCH.get());
            byte[] bytes = raw.getBytes();
            int length = raw.getByteLength();
            String text = new String(bytes, 0, length, StandardCharsets.UTF_8);
            if (text.indexOf('\uFFFD') >= 0) {
                requireUtf8(bytes, length);
            }
            return text;
        }

        private static void requireUtf8(byte[] bytes, int length) {
            CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
            ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
            CoderResult result = decoder.decode(in, CharBuffer.allocate(length), true);
            if (result.isError()) {
                int at = in.position();
                throw new InvalidStringException("a string of " + length + " bytes is not valid UTF-8: byte"
                        + (result.length() > 1 ? "s " : " ") + HexFormat.ofDelimiter(" ").withPrefix("0x")
                        .formatHex(bytes, at, at + result.length()) + " at position " + at);
            }
        }
    }

    /**
     * Avro writes a map's entries in the writer's iteration order but reads them into a {@code HashMap}; reading
     * into a {@code LinkedHashMap} keeps the order, so event properties (a JSON object) come back in the order the
     * producer wrote them and the JSON Meterflow serves is byte for byte the JSON it was sent. (A subclass of
     * SpecificData also opts out of Avro's "fast reader", which would create HashMaps without asking the model.)
     */
    private static final class OrderPreservingData extends SpecificData {

        OrderPreservingData(SpecificData generated) {
            super(generated.getClassLoader());
            generated.getConversions().forEach(this::addLogicalTypeConversion);
        }

        @Override
        public Object newMap(Object old, int size) {
            if (old instanceof Map<?, ?> map) {
                map.clear();
                return map;
            }
            // Capped: the size is the writer's claim, and a map grows as needed anyway.
            return new LinkedHashMap<>(Math.min(Math.max(16, (int) (size / 0.75f) + 1), 1024));
        }
    }
}
