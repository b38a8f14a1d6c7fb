package io.meterflow.aliassync.intake;

import io.meterflow.schemas.Customer;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.serde.EncodedSize;
import java.util.ArrayList;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/**
 * How large alias-sync lets a customer change and a customer's state grow, so that every record it writes fits
 * Kafka's record limit ({@value #RECORD_LIMIT_BYTES} bytes: the producer's {@code max.request.size}, the topics'
 * {@code max.message.bytes}) by construction. A record over the limit is not a bad input that can be refused later:
 * the producer throws, and the app stops. Both limits below refuse with {@code TOO_LARGE}, before anything is applied.
 *
 * <ul>
 *   <li>A change: its {@code customer-changes} record (key plus Confluent-framed value) is at most
 *       {@code alias-sync.max.change.bytes} (default {@value #DEFAULT_MAX_CHANGE_BYTES}, at most
 *       {@value #LARGEST_MAX_CHANGE_BYTES}). The one record that copies a change whole, its {@code ChangeOriginal}
 *       (kept while its claims are answered), adds at most a topic name and coordinates, so it fits.</li>
 *   <li>A customer's state: its {@code Customer} record (on {@code customers} and in {@code customer-store}) is at most
 *       {@value #MAX_STATE_BYTES} bytes counting the room an unchecked archive may add ({@value #GROWTH_BYTES}), and
 *       its {@code CustomerClaims} at most as much counting its lists of recent change IDs and refusals as full.
 *       A change that would pass either is refused whole.</li>
 *   <li>Identifiers (customer ID, change ID, alias) are at most {@value #MAX_ID_LENGTH} characters, so every record
 *       made of them (commands, outcomes, bindings, {@code RequestedAlias}) is a few kilobytes at most; a rejection
 *       carries at most {@link io.meterflow.topics.RejectedOriginal#DEFAULT_MAX_BYTES} of the refused record and a
 *       shortened detail.</li>
 * </ul>
 *
 * docs/alias-sync.md ("Size limits") has the arithmetic; {@code RecordSizeTest} measures every record written.
 */
public final class SizeBudget {

    /** Kafka's limit on one record, as the apps configure it (producer and topics). */
    public static final int RECORD_LIMIT_BYTES = 1 << 20;
    /** Kept free under the limit in every record: its key (at most ~1 KiB here), Kafka's framing, headers. */
    public static final int RESERVE_BYTES = 16 * 1024;
    /** Most bytes of a Confluent-framed state value (Customer, CustomerClaims). */
    public static final int MAX_STATE_BYTES = RECORD_LIMIT_BYTES - RESERVE_BYTES;
    /** Default of {@code alias-sync.max.change.bytes}: half the record limit (see the class comment). */
    public static final int DEFAULT_MAX_CHANGE_BYTES = 512 * 1024;
    /** Smallest {@code alias-sync.max.change.bytes}: a create with a handful of aliases. */
    public static final int SMALLEST_MAX_CHANGE_BYTES = 4 * 1024;
    /** Largest {@code alias-sync.max.change.bytes}: a change's ChangeOriginal copy must still fit the limit. */
    public static final int LARGEST_MAX_CHANGE_BYTES = RECORD_LIMIT_BYTES - RESERVE_BYTES;
    /** Longest customer ID and change ID, in characters (like an alias, a transaction ID or ingest's customer_id). */
    public static final int MAX_ID_LENGTH = 128;
    /** Room a Customer keeps for what an archive adds without a check: archived_at, updated_at, last_change_id. */
    public static final int GROWTH_BYTES = 1024;
    /** Largest encoding of one ID in a list or map: 128 four-byte characters and its length. */
    static final int MAX_ID_ENTRY_BYTES = MAX_ID_LENGTH * 4 + 2;
    /** Largest encoding of one RecentRefusal: change ID, reason code, a detail of 256 characters. */
    static final int MAX_REFUSAL_ENTRY_BYTES = MAX_ID_ENTRY_BYTES + 32 + 256 * 4 + 2;
    /** RecentRefusals kept per customer. */
    public static final int MAX_RECENT_REFUSALS = 10;

    private final int maxChangeBytes;
    private final int rememberedChangeIds;

    /**
     * @param maxChangeBytes      {@code alias-sync.max.change.bytes}
     * @param rememberedChangeIds {@code alias-sync.remembered-change-ids}: the length of the recent-ID list reserved
     */
    public SizeBudget(int maxChangeBytes, int rememberedChangeIds) {
        this.maxChangeBytes = maxChangeBytes;
        this.rememberedChangeIds = rememberedChangeIds;
    }

    public int maxChangeBytes() {
        return maxChangeBytes;
    }

    /** Size of a customer-changes record as alias-sync measures it: key bytes plus Confluent-framed value bytes. */
    public static long recordBytes(byte[] key, byte[] value) {
        return (key == null ? 0L : key.length) + (value == null ? 0L : value.length);
    }

    /** Why a customer-changes record of {@code bytes} is refused, or empty if it is within the limit. */
    public Optional<String> changeTooLarge(long bytes) {
        if (bytes <= maxChangeBytes) {
            return Optional.empty();
        }
        return Optional.of("the customer change is " + bytes + " bytes (key and Avro value); alias-sync accepts at most "
                + maxChangeBytes + " (alias-sync.max.change.bytes), so that every record it derives from a change fits"
                + " Kafka's record limit of " + RECORD_LIMIT_BYTES + " bytes");
    }

    /**
     * Why the customer's record would be too large, or empty if it fits. {@code upperBound} is the record the change
     * would leave with every alias held or in flight counted as held (claims still in flight may all be granted).
     */
    public Optional<String> customerTooLarge(Customer upperBound) {
        int bytes = encodedSize(upperBound);
        if (bytes + GROWTH_BYTES <= MAX_STATE_BYTES) {
            return Optional.empty();
        }
        return Optional.of("the change would make customer " + upperBound.getId() + "'s record " + bytes
                + " bytes (" + upperBound.getIngestAliases().size() + " ingest aliases, " + upperBound.getCustomFields()
                .size() + " custom fields); a customer's record holds at most " + (MAX_STATE_BYTES - GROWTH_BYTES)
                + " bytes so that it fits Kafka's record limit of " + RECORD_LIMIT_BYTES + " bytes");
    }

    /**
     * Why the customer's bookkeeping would be too large, or empty if it fits. Its lists of recent change IDs and
     * refusals are counted as full (they grow without a check, up to their bounds); what remains grows with the
     * changes whose claims are in flight.
     */
    public Optional<String> claimsTooLarge(CustomerClaims claims) {
        CustomerClaims withoutLists = CustomerClaims.newBuilder(claims).setRecentChangeIds(new ArrayList<>())
                .setRecentRefusals(new ArrayList<>()).build();
        long bytes = encodedSize(withoutLists) + (long) rememberedChangeIds * MAX_ID_ENTRY_BYTES
                + (long) MAX_RECENT_REFUSALS * MAX_REFUSAL_ENTRY_BYTES;
        if (bytes <= MAX_STATE_BYTES) {
            return Optional.empty();
        }
        return Optional.of("customer " + claims.getCustomerId() + " has " + claims.getUnansweredClaims().size()
                + " changes with claims in flight; their bookkeeping would take " + bytes + " bytes, over the "
                + MAX_STATE_BYTES + " a record may hold: retry once they are answered");
    }

    /** Length of {@code record}'s Avro binary encoding plus the Confluent frame: what a serde would write. */
    public static int encodedSize(SpecificRecord record) {
        return EncodedSize.framed(record);
    }
}
