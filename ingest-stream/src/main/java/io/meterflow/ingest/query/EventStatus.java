package io.meterflow.ingest.query;

import io.meterflow.ingest.emit.UsageCodec;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.UsageState;
import java.time.Instant;

/**
 * What ingest-stream knows about one transaction ID, for event search: whether it was accepted (and is now pending,
 * attributed or expired) or rejected (and why), to whom it is attributed, and how many duplicates were dropped.
 *
 * @param transactionId the transaction ID
 * @param status        PENDING, ATTRIBUTED, REJECTED or EXPIRED
 * @param event         the event as read (for a rejection: as far as it could be read)
 * @param customerId    the customer it counts for now (ATTRIBUTED only)
 * @param resolution    how it reached that customer (ATTRIBUTED only)
 * @param archived      the archived flag of its last ASSIGN
 * @param duplicates    how many later records with this ID were dropped as duplicates
 * @param rejectionReason reason code (REJECTED only)
 * @param rejectionDetail why, in words (REJECTED only)
 * @param ingestedAt    record timestamp on usage-events
 * @param processedAt   when ingest-stream read it
 * @param resolvedAt    when it was last attributed, or expired; null while pending
 */
public record EventStatus(
        String transactionId,
        Status status,
        UsageEvent event,
        String customerId,
        Resolution resolution,
        boolean archived,
        int duplicates,
        String rejectionReason,
        String rejectionDetail,
        Instant ingestedAt,
        Instant processedAt,
        Instant resolvedAt) {

    /** Where an event stands. */
    public enum Status { PENDING, ATTRIBUTED, REJECTED, EXPIRED }

    /** Accepted (not a duplicate itself, not rejected): it is or was counted, parked or expired. */
    public boolean accepted() {
        return status != Status.REJECTED;
    }

    /** Whether records with the same transaction ID were dropped as duplicates of this one. */
    public boolean duplicated() {
        return duplicates > 0;
    }

    public static EventStatus of(String transactionId, UsageState state) {
        return new EventStatus(transactionId,
                Status.valueOf(state.getStatus().name()),
                state.getEvent(),
                state.getCustomerId(),
                state.getResolution() == null ? null : UsageCodec.resolution(state.getResolution()),
                state.getArchived(),
                state.getDuplicateCount(),
                state.getRejectionReason(),
                state.getRejectionDetail(),
                Instant.ofEpochMilli(state.getIngestedAt()),
                Instant.ofEpochMilli(state.getAcceptedAt()),
                state.getResolvedAt() == null ? null : Instant.ofEpochMilli(state.getResolvedAt()));
    }
}
