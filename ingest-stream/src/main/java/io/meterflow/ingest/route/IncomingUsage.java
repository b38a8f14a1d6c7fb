package io.meterflow.ingest.route;

import io.meterflow.ingest.validate.Violation;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.AvroBinary;

/**
 * A record read from usage-events on its way to {@code resolve}: the event as parsed (or why it was refused before it
 * could be), and where it came from byte for byte, so that a rejection downstream still names the original
 * coordinates and bytes. Lives only inside a task: locally routed records are never serialized; rerouted ones travel
 * as their original bytes with {@link SourceHeaders}.
 *
 * @param event          the parsed event, null when {@code refused} is set
 * @param refused        why the record was refused before it could be read as an event (too large, unreadable,
 *                       strings not UTF-8), or null
 * @param originalKey    the record key as read (may be null)
 * @param originalValue  the record value as read (may be null)
 * @param sourceTopic    the topic it was read from (usage-events, also for rerouted records)
 * @param sourcePartition its partition there
 * @param sourceOffset   its offset there
 * @param local          whether this task owns its transaction ID; false: it must be rerouted
 * @param eventBinary    the event's encoding in the current UsageEvent schema (a slice of {@code originalValue}),
 *                       or null when it was written with another schema version or could not be read
 */
public record IncomingUsage(
        UsageEvent event,
        Violation refused,
        byte[] originalKey,
        byte[] originalValue,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        boolean local,
        AvroBinary eventBinary) {

    /** The transaction ID when the event could be read and has one. */
    public String transactionId() {
        return event == null ? null : event.getTransactionId();
    }
}
