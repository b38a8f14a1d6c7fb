package io.meterflow.ingest.emit;

import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.serde.AvroBinary;
import java.io.IOException;
import java.util.List;
import org.apache.avro.io.Encoder;

/**
 * usage-resolved values written by hand, with the event's properties copied from their encoding: every ASSIGN,
 * RETRACT and replayed record is one, and Avro's generic writer spent more on the eleven small fields around the
 * properties than the copy of the properties costs. Byte for byte what Avro writes ({@code UsageCodecTest}); used only
 * while ResolvedUsage has exactly {@link #LAYOUT}.
 */
final class ResolvedCodec {

    private static final List<String> LAYOUT = List.of(
            "transaction_id:string",
            "customer_id:string",
            "identifier:string",
            "event_type:string",
            "timestamp:string",
            "event_time:long timestamp-millis",
            "properties:map record io.meterflow.schemas.JsonValue",
            "kind:enum io.meterflow.schemas.UsageKind",
            "resolution:enum io.meterflow.schemas.Resolution",
            "archived:boolean",
            "ingested_at:long timestamp-millis",
            "resolved_at:long timestamp-millis");

    /** Whether ResolvedUsage has exactly {@link #LAYOUT} (and its properties the schema UsageEvent's are in). */
    static final boolean LAYOUT_MATCHES = UsageCodec.PROPERTIES_LAYOUT_MATCHES
            && SchemaLayout.matches(ResolvedUsage.getClassSchema(), LAYOUT);

    private ResolvedCodec() {
    }

    /** Writes {@code usage} with {@code properties} (its properties' encoding) copied in. */
    static void write(ResolvedUsage usage, AvroBinary properties, Encoder out) throws IOException {
        out.writeString(usage.getTransactionId());
        out.writeString(usage.getCustomerId());
        out.writeString(usage.getIdentifier());
        out.writeString(usage.getEventType());
        out.writeString(usage.getTimestamp());
        out.writeLong(usage.getEventTime().toEpochMilli());
        out.writeFixed(properties.bytes(), properties.offset(), properties.length());
        out.writeEnum(usage.getKind().ordinal());
        out.writeEnum(usage.getResolution().ordinal());
        out.writeBoolean(usage.getArchived());
        out.writeLong(usage.getIngestedAt().toEpochMilli());
        out.writeLong(usage.getResolvedAt().toEpochMilli());
    }
}
