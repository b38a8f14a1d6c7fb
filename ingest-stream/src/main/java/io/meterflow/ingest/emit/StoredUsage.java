package io.meterflow.ingest.emit;

import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.serde.AvroBinary;
import java.util.Objects;

/**
 * A value of the ledger's {@code usage-by-transaction} store: the {@link UsageState}, and, when known, its event's Avro
 * encoding in the current schema, which {@link UsageCodec#storedUsageSerde} copies instead of encoding the event
 * again. Built only by {@link UsageCodec} (a new state) or read from the store; the ledger changes the state's own
 * fields through its setters, never its event.
 */
public final class StoredUsage {

    private final UsageState state;
    private AvroBinary event;
    private byte[] storedFrame;

    StoredUsage(UsageState state, AvroBinary event) {
        this.state = Objects.requireNonNull(state, "state");
        this.event = event;
    }

    /**
     * A state as read from the store; {@code frame} is the stored value when it was written with the current
     * UsageState schema (the event is located in it when first needed), else null.
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
            event = UsageCodec.eventIn(storedFrame);
            storedFrame = null;
        }
        return event;
    }

    @Override
    public String toString() {
        return "StoredUsage[" + state + "]";
    }
}
