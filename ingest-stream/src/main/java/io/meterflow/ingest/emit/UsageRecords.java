package io.meterflow.ingest.emit;

import io.meterflow.ingest.route.IncomingUsage;
import io.meterflow.ingest.validate.Rfc3339;
import io.meterflow.ingest.validate.Violation;
import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.UsageKind;
import io.meterflow.schemas.internal.ingest.AttributionPath;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.serde.AvroBinary;
import io.meterflow.topics.RejectedOriginal;
import java.time.Instant;

/** Builds the records ingest-stream writes: usage-resolved, usage-rejected and usage-expired values. */
public final class UsageRecords {

    private UsageRecords() {
    }

    /**
     * The ASSIGN that counts {@code state}'s event for its current customer, as the state now describes it.
     * {@code event}: the event's encoding in the current schema if known (its properties are then copied when the
     * record is written, see {@link ResolvedUsageSerializer}), else null.
     */
    public static ResolvedUsage assign(UsageState state, AvroBinary event) {
        return resolved(state.getEvent(), event, state.getCustomerId(), UsageKind.ASSIGN,
                resolution(state.getResolution()), state.getArchived(), state.getIngestedAt(), state.getResolvedAt());
    }

    /** The RETRACT that takes {@code state}'s event back from {@code customerId} because it moved (REASSIGNED). */
    public static ResolvedUsage retract(UsageState state, AvroBinary event, String customerId, boolean archived,
            long now) {
        return resolved(state.getEvent(), event, customerId, UsageKind.RETRACT, Resolution.REASSIGNED, archived,
                state.getIngestedAt(), now);
    }

    private static ResolvedUsage resolved(UsageEvent event, AvroBinary encoded, String customerId, UsageKind kind,
            Resolution resolution, boolean archived, long ingestedAt, long resolvedAt) {
        Instant eventTime = Instant.ofEpochMilli(Rfc3339.parseEpochMillis(event.getTimestamp()));
        AvroBinary properties = EventEncoding.properties(encoded);
        if (properties != null) {
            return new EncodedResolvedUsage(event.getTransactionId(), customerId, event.getCustomerId(),
                    event.getEventType(), event.getTimestamp(), eventTime, event.getProperties(), kind, resolution,
                    archived, Instant.ofEpochMilli(ingestedAt), Instant.ofEpochMilli(resolvedAt), properties);
        }
        return new ResolvedUsage(event.getTransactionId(), customerId, event.getCustomerId(), event.getEventType(),
                event.getTimestamp(), eventTime, event.getProperties(), kind, resolution, archived,
                Instant.ofEpochMilli(ingestedAt), Instant.ofEpochMilli(resolvedAt));
    }

    public static Resolution resolution(AttributionPath path) {
        return switch (path) {
            case DIRECT -> Resolution.DIRECT;
            case ALIAS -> Resolution.ALIAS;
            case REPLAYED -> Resolution.REPLAYED;
            case REASSIGNED -> Resolution.REASSIGNED;
        };
    }

    /**
     * The rejection of {@code in}: reason, detail, coordinates, and the refused record's key and value whole when
     * together they fit {@code originalBytes} (see {@link RecordBudget#rejectedOriginalBytes}), else prefixes with
     * sizes and digest.
     */
    public static Rejection rejection(IncomingUsage in, Violation violation, long now, int originalBytes) {
        return RejectedOriginal.fill(Rejection.newBuilder(), in.originalKey(), in.originalValue(), originalBytes)
                .setReason(violation.reason().name())
                .setDetail(violation.detail())
                .setSourceTopic(in.sourceTopic())
                .setSourcePartition(in.sourcePartition())
                .setSourceOffset(in.sourceOffset())
                .setTransactionId(in.transactionId())
                .setRejectedAt(Instant.ofEpochMilli(now))
                .build();
    }

    public static ExpiredUsage expired(UsageState state, long now) {
        return new ExpiredUsage(state.getEvent(), Instant.ofEpochMilli(state.getIngestedAt()),
                Instant.ofEpochMilli(now));
    }
}
