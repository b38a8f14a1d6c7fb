package io.meterflow.ingest.emit;

import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.AttributionPath;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import io.meterflow.serde.AvroBinary;
import io.meterflow.serde.SpecificAvroDeserializer;
import io.meterflow.serde.WireFormat;
import java.io.IOException;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.Encoder;

/**
 * The ledger's states in the current UsageState schema, written and read by hand: each replayed or moved event reads
 * its state and writes it back, and every accepted event writes one, so Avro's generic writer (which resolves each
 * nullable field's union by name) and reader (which builds the event's properties, record by record, though a replay
 * never looks at them) were most of a replay's work on the stream thread.
 *
 * <p>What is written is byte for byte what Avro writes for the same state ({@code StateCodecTest} checks every
 * field's cases against the plain serde); what is read is the state Avro reads, except that the event's properties
 * are decoded only when something asks for them ({@link LazyProperties}). Only a state whose schema has exactly the
 * layout below is handled here ({@link #LAYOUT_MATCHES}); any other schema, a value written with another schema
 * version, or an event whose encoding is not known, goes through Avro as before.
 */
final class StateCodec {

    /** The fields of UsageState this codec writes and reads, in order, typed as {@link SchemaLayout#kind} spells. */
    private static final List<String> LAYOUT = List.of(
            "status:enum io.meterflow.schemas.internal.ingest.UsageStatus",
            "event:record io.meterflow.schemas.UsageEvent",
            "customer_id:nullable string",
            "resolution:nullable enum io.meterflow.schemas.internal.ingest.AttributionPath",
            "archived:boolean",
            "indexed:boolean",
            "ingested_at:long",
            "accepted_at:long",
            "resolved_at:nullable long",
            "duplicate_count:int",
            "rejection_reason:nullable string",
            "rejection_detail:nullable string");

    /** Whether UsageState has exactly {@link #LAYOUT} (and its event the layout {@link UsageCodec} copies). */
    static final boolean LAYOUT_MATCHES = layoutMatches();

    private static final Schema PROPERTIES = UsageEvent.getClassSchema().getField("properties").schema();
    private static final UsageStatus[] STATUSES = UsageStatus.values();
    private static final AttributionPath[] PATHS = AttributionPath.values();
    private static final ThreadLocal<BinaryDecoder> DECODER = new ThreadLocal<>();

    private StateCodec() {
    }

    private static boolean layoutMatches() {
        return UsageCodec.STATE_EVENT_MATCHES && UsageCodec.PROPERTIES_LAYOUT_MATCHES
                && SchemaLayout.matches(UsageState.getClassSchema(), LAYOUT);
    }

    // ---- writing ------------------------------------------------------------------------------------------------

    /** Writes {@code state} with {@code event} (its event's encoding in the current schema) copied in. */
    static void write(UsageState state, AvroBinary event, Encoder out) throws IOException {
        out.writeEnum(state.getStatus().ordinal());
        out.writeFixed(event.bytes(), event.offset(), event.length());
        writeNullable(state.getCustomerId(), out);
        AttributionPath resolution = state.getResolution();
        if (resolution == null) {
            out.writeIndex(0);
        } else {
            out.writeIndex(1);
            out.writeEnum(resolution.ordinal());
        }
        out.writeBoolean(state.getArchived());
        out.writeBoolean(state.getIndexed());
        out.writeLong(state.getIngestedAt());
        out.writeLong(state.getAcceptedAt());
        Long resolvedAt = state.getResolvedAt();
        if (resolvedAt == null) {
            out.writeIndex(0);
        } else {
            out.writeIndex(1);
            out.writeLong(resolvedAt);
        }
        out.writeInt(state.getDuplicateCount());
        writeNullable(state.getRejectionReason(), out);
        writeNullable(state.getRejectionDetail(), out);
    }

    /** A {@code ["null", "string"]} union's value, as Avro writes it. */
    static void writeNullable(String text, Encoder out) throws IOException {
        if (text == null) {
            out.writeIndex(0);
        } else {
            out.writeIndex(1);
            out.writeString(text);
        }
    }

    // ---- reading ------------------------------------------------------------------------------------------------

    /**
     * Reads a stored state written with the current UsageState schema ({@code frame}: the whole stored value, its
     * frame included), its event's properties left encoded until asked for, decoded by {@code events}.
     *
     * @throws IllegalArgumentException when the bytes are not such a state (the caller lets Avro read them, and
     *                                  report what is wrong)
     */
    static StoredUsage read(byte[] frame, SpecificAvroDeserializer<UsageEvent> events) {
        AvroCursor in = new AvroCursor(frame, WireFormat.HEADER_SIZE, frame.length, "a UsageState");
        UsageState state = new UsageState();
        state.setStatus(STATUSES[in.index(STATUSES.length)]);
        int eventStart = in.pos();
        UsageEvent event = new UsageEvent();
        event.setTransactionId(in.nullableString());
        event.setCustomerId(in.nullableString());
        event.setEventType(in.nullableString());
        event.setTimestamp(in.nullableString());
        in.moveTo(skipProperties(frame, in.pos()));
        AvroBinary encodedEvent = new AvroBinary(frame, eventStart, in.pos() - eventStart);
        event.setProperties(new LazyProperties(encodedEvent, events));
        state.setEvent(event);
        state.setCustomerId(in.nullableString());
        state.setResolution(in.index(2) == 0 ? null : PATHS[in.index(PATHS.length)]);
        state.setArchived(in.bool());
        state.setIndexed(in.bool());
        state.setIngestedAt(in.varLong());
        state.setAcceptedAt(in.varLong());
        state.setResolvedAt(in.index(2) == 0 ? null : in.varLong());
        state.setDuplicateCount(in.varInt());
        state.setRejectionReason(in.nullableString());
        state.setRejectionDetail(in.nullableString());
        if (in.pos() != frame.length) {
            throw new IllegalArgumentException("trailing bytes after a UsageState");
        }
        return new StoredUsage(state, encodedEvent);
    }

    /** Where the properties map starting at {@code from} ends (Avro's own skip: the map nests JSON values). */
    private static int skipProperties(byte[] frame, int from) {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(frame, from, frame.length - from, DECODER.get());
        DECODER.set(decoder);
        try {
            GenericDatumReader.skip(PROPERTIES, decoder);
            return frame.length - decoder.inputStream().available();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a UsageState: " + e, e);
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException("not a UsageState: properties nested too deeply");
        }
    }

    /**
     * An event's properties, decoded from its encoding on first use (with the deserializer that reads events
     * everywhere else, so the map is the one Avro would have built: insertion-ordered, the same values). A replay or a
     * move copies the encoded properties into its records and never asks. Not thread-safe, like the state it is in.
     */
    static final class LazyProperties extends AbstractMap<String, JsonValue> {

        private final AvroBinary event;
        private final SpecificAvroDeserializer<UsageEvent> events;
        private Map<String, JsonValue> decoded;

        LazyProperties(AvroBinary event, SpecificAvroDeserializer<UsageEvent> events) {
            this.event = event;
            this.events = events;
        }

        /** Whether the properties have been decoded (for tests). */
        boolean decoded() {
            return decoded != null;
        }

        private Map<String, JsonValue> map() {
            if (decoded == null) {
                decoded = events.readPayload(event).getProperties();
            }
            return decoded;
        }

        @Override
        public Set<Entry<String, JsonValue>> entrySet() {
            return map().entrySet();
        }

        @Override
        public int size() {
            return map().size();
        }

        @Override
        public JsonValue get(Object key) {
            return map().get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return map().containsKey(key);
        }

        @Override
        public JsonValue put(String key, JsonValue value) {
            return map().put(key, value);
        }

        @Override
        public JsonValue remove(Object key) {
            return map().remove(key);
        }

        @Override
        public void clear() {
            map().clear();
        }
    }
}
