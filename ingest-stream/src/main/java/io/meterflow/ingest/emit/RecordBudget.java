package io.meterflow.ingest.emit;

import io.meterflow.topics.RejectedOriginal;

/**
 * The size budget of everything ingest-stream writes. An accepted event is at most {@code validation.max.event.bytes}
 * (E) as a usage-events record (key plus value; larger ones are rejected {@code TOO_LARGE} before they are read), and
 * every record derived from it copies the event at most once plus bounded fields:
 *
 * <ul>
 *   <li>the usage-rerouted hop: the original value and key (together at most E), the transaction ID as key, the
 *       source coordinates in a header;</li>
 *   <li>usage-resolved, usage-expired and the {@code usage-by-transaction} changelog: the event's fields (at most E)
 *       plus a customer ID, an identifier or transaction ID as key (each at most 128 characters, 512 bytes) and
 *       fixed-size fields;</li>
 *   <li>usage-rejected: at most {@link #rejectedOriginalBytes min(64 KiB, E)} of the refused record (RejectedOriginal)
 *       plus a detail of at most 1000 characters and bounded fields; a rejection recorded for search keeps only the
 *       event's four string fields, each cut to 256 characters, and no properties;</li>
 *   <li>everything else (the index and time stores, bookkeeping, bindings and replay jobs, the bindings fan-out) holds
 *       IDs, identifiers and customer IDs of at most 128 characters and a few numbers: well under the overhead
 *       alone.</li>
 * </ul>
 * So every record is at most E + {@value #OVERHEAD_BYTES} bytes as Kafka counts it (key, value, headers and the record
 * batch around a single record), which {@code IngestConfig} requires to fit {@code record.max.bytes}.
 * {@code RecordBudgetTest} builds the largest accepted events and measures every record they cause.
 */
public final class RecordBudget {

    /**
     * What any record may add to an event of E bytes. The largest measured addition is about 2 KiB (a rerouted record
     * with 512-byte IDs, or a rejection's detail and digest); the rest is margin for schema growth.
     */
    public static final int OVERHEAD_BYTES = 16 * 1024;
    /** Smallest {@code validation.max.event.bytes}: an event with two 128-character IDs and a few properties. */
    public static final int MIN_EVENT_BYTES = 4 * 1024;

    private RecordBudget() {
    }

    /** The largest record ingest-stream writes for events of at most {@code maxEventBytes}. */
    public static int largestRecord(int maxEventBytes) {
        return maxEventBytes + OVERHEAD_BYTES;
    }

    /** How much of a refused record a rejection carries: never more than an accepted event may be. */
    public static int rejectedOriginalBytes(int maxEventBytes) {
        return Math.min(RejectedOriginal.DEFAULT_MAX_BYTES, maxEventBytes);
    }
}
