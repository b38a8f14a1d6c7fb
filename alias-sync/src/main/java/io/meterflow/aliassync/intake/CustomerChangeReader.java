package io.meterflow.aliassync.intake;

import io.meterflow.schemas.CustomerChange;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns the raw bytes of a {@code customer-changes} record into a {@link CustomerChange}, or says why it cannot.
 * Reading is done here rather than by a serde so that a record nobody can read becomes a MALFORMED refusal
 * instead of an exception that stops the stream thread.
 *
 * <p>The key must be the UTF-8 customer ID the value names: claim outcomes come back keyed that way, and they
 * only reach the task holding the customer's state if both are partitioned on the same bytes.
 */
public final class CustomerChangeReader {

    private final Deserializer<CustomerChange> deserializer;

    public CustomerChangeReader(Deserializer<CustomerChange> deserializer) {
        this.deserializer = deserializer;
    }

    /** A readable change, or why not. */
    public sealed interface Read permits Readable, Unreadable {
    }

    public record Readable(CustomerChange change) implements Read {
    }

    /** {@code changeId} is set when the value could be read but is unusable. */
    public record Unreadable(String detail, String changeId) implements Read {
    }

    public Read read(String topic, byte[] key, byte[] value) {
        if (value == null) {
            return new Unreadable("record has no value (customer-changes is not compacted; tombstones mean nothing)", null);
        }
        CustomerChange change;
        try {
            change = deserializer.deserialize(topic, value);
        } catch (RuntimeException e) {
            return new Unreadable("value is not a readable CustomerChange: " + e.getMessage(), null);
        }
        String changeId = change.getChangeId();
        if (changeId == null || changeId.isBlank()) {
            return new Unreadable("change_id is empty", null);
        }
        if (tooLong(changeId)) {
            return new Unreadable("change_id has " + length(changeId) + " characters; at most "
                    + SizeBudget.MAX_ID_LENGTH, null);
        }
        String customerId = change.getCustomerId();
        if (customerId == null || customerId.isBlank()) {
            return new Unreadable("customer_id is empty", changeId);
        }
        if (tooLong(customerId)) {
            // Bound like an alias: it is bound as an identifier, and usage can name at most 128 characters.
            return new Unreadable("customer_id has " + length(customerId) + " characters; at most "
                    + SizeBudget.MAX_ID_LENGTH, changeId);
        }
        if (key == null) {
            return new Unreadable("record has no key; customer-changes is keyed by customer ID", changeId);
        }
        // Compared as bytes: a key that is not UTF-8 could decode to the customer ID without being its encoding.
        if (!Arrays.equals(key, customerId.getBytes(StandardCharsets.UTF_8))) {
            String keyText = new String(key, 0, Math.min(key.length, 4 * SizeBudget.MAX_ID_LENGTH),
                    StandardCharsets.UTF_8);
            return new Unreadable("record key '" + keyText + (key.length > 4 * SizeBudget.MAX_ID_LENGTH ? "...'" : "'")
                    + " is not the customer_id '" + customerId
                    + "' of the change; customer-changes is keyed by customer ID", changeId);
        }
        return new Readable(change);
    }

    private static boolean tooLong(String id) {
        return id.length() > SizeBudget.MAX_ID_LENGTH && length(id) > SizeBudget.MAX_ID_LENGTH;
    }

    private static int length(String id) {
        return id.codePointCount(0, id.length());
    }
}
