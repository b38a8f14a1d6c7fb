package io.meterflow.ingest.emit;

import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.AvroBinary;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Finds the properties inside a UsageEvent's Avro encoding (current schema), so that records built from the event
 * can copy them. Relies on the schema's layout: four nullable strings, then {@code properties} last, encoded with
 * the same schema as ResolvedUsage's {@code properties}. The layout is checked once; if a schema change breaks it,
 * {@link #properties} returns null and everything is encoded the ordinary way.
 */
final class EventEncoding {

    static final boolean LAYOUT_MATCHES = layoutMatches();

    private EventEncoding() {
    }

    private static boolean layoutMatches() {
        List<Schema.Field> fields = UsageEvent.getClassSchema().getFields();
        if (fields.size() != 5 || !fields.get(4).name().equals("properties")) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            Schema type = fields.get(i).schema();
            if (type.getType() != Schema.Type.UNION || type.getTypes().size() != 2
                    || type.getTypes().get(0).getType() != Schema.Type.NULL
                    || type.getTypes().get(1).getType() != Schema.Type.STRING) {
                return false;
            }
        }
        Schema.Field resolved = ResolvedUsage.getClassSchema().getField("properties");
        return resolved != null && resolved.schema().equals(fields.get(4).schema());
    }

    /** The encoding of the event's properties within {@code event} (the event's encoding), or null. */
    static AvroBinary properties(AvroBinary event) {
        if (event == null || !LAYOUT_MATCHES) {
            return null;
        }
        byte[] bytes = event.bytes();
        int end = event.offset() + event.length();
        int[] pos = {event.offset()};
        for (int i = 0; i < 4; i++) {
            long branch = readLong(bytes, pos, end);
            if (branch == 1) {
                long length = readLong(bytes, pos, end);
                if (length < 0 || length > end - pos[0]) {
                    throw new IllegalArgumentException("Not a UsageEvent encoding: string length " + length);
                }
                pos[0] += (int) length;
            } else if (branch != 0) {
                throw new IllegalArgumentException("Not a UsageEvent encoding: union branch " + branch);
            }
        }
        return event.slice(pos[0] - event.offset(), event.length());
    }

    /** Avro's zig-zag varint long at {@code pos[0]}, advancing it. */
    private static long readLong(byte[] bytes, int[] pos, int end) {
        long raw = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= end) {
                throw new IllegalArgumentException("Not a UsageEvent encoding: truncated varint");
            }
            byte b = bytes[pos[0]++];
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IllegalArgumentException("Not a UsageEvent encoding: varint too long");
    }
}
