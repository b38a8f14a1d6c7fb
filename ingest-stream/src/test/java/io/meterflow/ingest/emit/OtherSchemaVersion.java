package io.meterflow.ingest.emit;

import io.meterflow.serde.MockSchemaRegistry;
import io.meterflow.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/** A record written with a schema version other than the current one, as another producer would write it. */
final class OtherSchemaVersion {

    private OtherSchemaVersion() {
    }

    /**
     * Registers {@code writer} under {@code subject} in the mock registry of {@code scope} and returns {@code record}
     * in Confluent's frame with that schema ID.
     */
    static byte[] framed(String scope, String subject, Schema writer, GenericRecord record) {
        int id = MockSchemaRegistry.forScope(scope).register(subject, writer);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(WireFormat.MAGIC_BYTE);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
