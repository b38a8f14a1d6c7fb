package io.meterflow.ingest.validate;

import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.WireFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * The size {@code validation.max.event.bytes} limits, for an event that is not on Kafka yet: the usage-events record
 * the ingest API would publish, i.e. the key (the transaction ID in UTF-8) plus the Confluent-framed Avro value. It
 * is what ingest-stream measures on the record it reads (key plus value bytes), so both edges judge an event alike.
 * The value is encoded into a counter, not a buffer, and needs no schema registry (the frame header has a fixed size).
 */
public final class UsageRecordSize {

    private static final DatumWriter<UsageEvent> WRITER = new SpecificDatumWriter<>(UsageEvent.class);

    private UsageRecordSize() {
    }

    /** Key plus framed value bytes of the usage-events record of {@code event}, keyed by its transaction ID. */
    public static long of(UsageEvent event) {
        String key = event.getTransactionId();
        long keyBytes = key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length;
        return keyBytes + WireFormat.HEADER_SIZE + encodedBytes(event);
    }

    private static long encodedBytes(UsageEvent event) {
        CountingOutput out = new CountingOutput();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            WRITER.write(event, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.count;
    }

    private static final class CountingOutput extends OutputStream {
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
