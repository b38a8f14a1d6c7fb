package io.meterflow.aliassync.intake;

import io.meterflow.json.JsonValues;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.serde.SchemaRegistryException;
import io.meterflow.serde.SpecificAvroDeserializer;
import io.meterflow.serde.StrictUtf8;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns the raw bytes of a {@code customer-changes} record into a {@link CustomerChange}, or says why it cannot.
 * Reading is done here rather than by a serde so that a record nobody can read becomes a MALFORMED refusal
 * instead of an exception that stops the stream thread. A schema registry that fails is the exception: unless it
 * answered that the record's schema does not exist or is not Avro ({@link SchemaRegistryException#isRecordsFault()},
 * the decision ingest-stream's {@code UsageParser} makes too), its error is rethrown, so that the change is retried
 * rather than refused during a registry outage.
 *
 * <p>The key must be the UTF-8 customer ID the value names: claim outcomes come back keyed that way, and they
 * only reach the task holding the customer's state if both are partitioned on the same bytes. Every string must be
 * valid UTF-8 and a billing configuration valid JSON data: the same rules the customer API applies to a request.
 */
public final class CustomerChangeReader {

    private final Deserializer<CustomerChange> deserializer;

    public CustomerChangeReader(Deserializer<CustomerChange> deserializer) {
        this.deserializer = deserializer;
    }

    /** A readable change, or why not. */
    public sealed interface Read permits Readable, Unreadable, Invalid {
    }

    public record Readable(CustomerChange change) implements Read {
    }

    /** {@code changeId} is set when the value could be read but is unusable. */
    public record Unreadable(String detail, String changeId) implements Read {
    }

    /**
     * A change that was read, whose {@code field} (a path such as {@code payload.custom_fields["k"]}) breaks the rules
     * for text and JSON data that the customer API applies too: a string that is not valid UTF-8, or a billing
     * configuration that is not JSON data Meterflow can keep ({@link JsonValues#problem}).
     */
    public record Invalid(CustomerChange change, String field, String detail) implements Read {
    }

    public Read read(String topic, byte[] key, byte[] value) {
        if (value == null) {
            return new Unreadable("record has no value (customer-changes is not compacted; tombstones mean nothing)", null);
        }
        CustomerChange change;
        try {
            change = deserializer.deserialize(topic, value);
        } catch (SchemaRegistryException e) {
            if (!e.isRecordsFault()) {
                // An outage of the registry says nothing about the change: refusing it would lose a good change.
                throw e;
            }
            return new Unreadable("value is not a readable CustomerChange: " + e.getMessage(), null);
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
        Schema writer = deserializer instanceof SpecificAvroDeserializer<?> avro ? avro.writerSchema(value) : null;
        Optional<String> notUtf8 = writer == null ? Optional.empty() : StrictUtf8.invalidString(writer, value);
        if (notUtf8.isPresent()) {
            String field = notUtf8.get();
            // Malformed bytes read as U+FFFD: two different values would be kept, keyed and compared as one.
            String detail = field + " is not valid UTF-8 (its bytes would be read as replacement characters, so"
                    + " different values would become one)";
            return field.startsWith("payload") ? new Invalid(change, field, detail) : new Unreadable(detail, null);
        }
        if (change.getPayload() instanceof CustomerCreated created && created.getBillingConfig() != null) {
            Optional<String> problem = JsonValues.problem(created.getBillingConfig());
            if (problem.isPresent()) {
                return new Invalid(change, "payload.billing_config", "billing_config: " + problem.get());
            }
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
