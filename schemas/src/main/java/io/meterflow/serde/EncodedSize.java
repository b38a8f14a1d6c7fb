package io.meterflow.serde;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * The number of bytes a record takes on a topic, Confluent frame included, without writing it anywhere and without a
 * schema registry (the frame has a fixed size): what size budgets check before a record exists on Kafka.
 */
public final class EncodedSize {

    private static final Map<Schema, DatumWriter<SpecificRecord>> WRITERS = new ConcurrentHashMap<>();

    private EncodedSize() {
    }

    /** Length of {@code record}'s Avro binary encoding plus the Confluent frame: what a serde would write. */
    public static int framed(SpecificRecord record) {
        // The generated class's own model carries the conversions of its logical types (Instant timestamps).
        DatumWriter<SpecificRecord> writer = WRITERS.computeIfAbsent(record.getSchema(),
                schema -> new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema)));
        CountingStream counter = new CountingStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(counter, null);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Math.toIntExact(counter.count + WireFormat.HEADER_SIZE);
    }

    /** Counts bytes and keeps none. */
    private static final class CountingStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
