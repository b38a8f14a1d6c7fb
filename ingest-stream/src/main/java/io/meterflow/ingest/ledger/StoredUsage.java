package io.meterflow.ingest.ledger;

import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.serde.AvroBinary;
import io.meterflow.serde.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * A value of {@value UsageLedger#USAGE_BY_TRANSACTION}: the {@link UsageState}, and, when known, its event's Avro
 * encoding in the current schema, so that writing the state again (attributing, replaying, moving, counting a
 * duplicate) copies the event's bytes instead of encoding the whole event each time. The encoding comes from the
 * usage-events record the event was read from, or from the stored value the state was read from; it is located in
 * the stored value only when first needed, since most reads never write back.
 *
 * <p>The event of a stored usage never changes: the ledger rewrites only the state's own fields. That is what makes
 * the kept encoding correct; {@link StoredUsageSerde} checks nothing else.
 */
public final class StoredUsage {

    private final UsageState state;
    private AvroBinary event;
    private byte[] storedFrame;

    /** A state with its event's encoding ({@code event}: null when not known, then the event is encoded). */
    public StoredUsage(UsageState state, AvroBinary event) {
        this.state = Objects.requireNonNull(state, "state");
        this.event = event;
    }

    /**
     * A state as read from the store; {@code frame} is the stored value when it was written with the current
     * UsageState schema (the event is located in it if needed), else null.
     */
    static StoredUsage read(UsageState state, byte[] frame) {
        StoredUsage stored = new StoredUsage(state, null);
        stored.storedFrame = frame;
        return stored;
    }

    public UsageState state() {
        return state;
    }

    /** The event's encoding in the current UsageEvent schema, or null when it is not known. */
    AvroBinary event() {
        if (event == null && storedFrame != null) {
            event = locateEvent(storedFrame);
            storedFrame = null;
        }
        return event;
    }

    /**
     * Where the event lies in a stored UsageState written with the current schema: after the frame header and the
     * status (an enum index, one varint), up to where Avro's skip of a UsageEvent ends.
     */
    static AvroBinary locateEvent(byte[] frame) {
        int start = WireFormat.HEADER_SIZE;
        while ((frame[start] & 0x80) != 0) {
            start++;
        }
        start++;
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(frame, start, frame.length - start, null);
        try {
            GenericDatumReader.skip(UsageEvent.getClassSchema(), decoder);
            int end = frame.length - decoder.inputStream().available();
            return new AvroBinary(frame, start, end - start);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "StoredUsage[" + state + "]";
    }
}
