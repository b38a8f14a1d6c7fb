package io.meterflow.ingest.route;

import io.meterflow.ingest.emit.UsageCodec;
import io.meterflow.ingest.validate.RejectionReason;
import io.meterflow.ingest.validate.Violation;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.AvroBinary;
import io.meterflow.serde.InvalidStringException;
import io.meterflow.serde.NestedTooDeepException;
import io.meterflow.serde.SchemaRegistryException;
import io.meterflow.serde.SpecificAvroDeserializer;
import io.meterflow.serde.WireFormat;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads usage-events values into {@link UsageEvent}s, turning every way a record can be unreadable into data (a
 * rejection reason) instead of an exception that would stop the stream thread: {@code MALFORMED}, or
 * {@code INVALID_STRING} for strings that are not UTF-8 and {@code NESTED_TOO_DEEP} for values nested deeper than
 * the decoder can follow, so that the reasons match what the ingest API says about the same content. A schema ID
 * the registry answers it does not know (or a schema that is not Avro) is the record's fault, decided on the
 * registry's status and error code ({@link SchemaRegistryException#isRecordsFault()}); anything else the registry
 * does (unreachable, 5xx, 401/403) is not: that is rethrown, so the task retries the record rather than rejecting
 * good usage during a registry outage.
 *
 * <p>A value written with the current UsageEvent schema (by a schema ID already read once) is read by hand
 * ({@link UsageCodec#readByHand}) when it is plainly valid; everything else, and so every refusal, is read by Avro.
 */
public final class UsageParser {

    private final Deserializer<UsageEvent> deserializer;

    /**
     * @param deserializer reads the values; it should read strings strictly ({@link SpecificAvroDeserializer#strict}),
     *                     or invalid UTF-8 is read as U+FFFD and two different IDs can become equal
     */
    public UsageParser(Deserializer<UsageEvent> deserializer) {
        this.deserializer = deserializer;
    }

    /**
     * The result of reading one value: exactly one of {@code event} and {@code refused} is set. {@code binary} is
     * the event's encoding when the value was written with the current UsageEvent schema (null otherwise), so that
     * it is copied instead of encoded again ({@link UsageCodec#encodingAsRead}).
     */
    public record Parsed(UsageEvent event, Violation refused, AvroBinary binary) {

        static Parsed refused(RejectionReason reason, String detail) {
            return new Parsed(null, new Violation(reason, detail), null);
        }
    }

    public Parsed parse(String topic, byte[] value) {
        if (value == null) {
            return Parsed.refused(RejectionReason.MALFORMED, "the record value is null");
        }
        try {
            AvroBinary current = value.length > WireFormat.HEADER_SIZE && value[0] == WireFormat.MAGIC_BYTE
                    ? UsageCodec.encodingAsRead(deserializer, value) : null;
            UsageEvent read = current == null ? null : UsageCodec.readByHand(current);
            if (read != null) {
                return new Parsed(read, null, current);
            }
            UsageEvent event = deserializer.deserialize(topic, value);
            if (event == null) {
                return Parsed.refused(RejectionReason.MALFORMED, "the record value is empty");
            }
            return new Parsed(event, null, UsageCodec.encodingAsRead(deserializer, value));
        } catch (InvalidStringException e) {
            return Parsed.refused(RejectionReason.INVALID_STRING, e.getMessage());
        } catch (NestedTooDeepException e) {
            return Parsed.refused(RejectionReason.NESTED_TOO_DEEP, "properties nest objects and arrays too deeply to "
                    + "read: " + e.getMessage());
        } catch (SchemaRegistryException e) {
            if (e.isRecordsFault()) {
                return Parsed.refused(RejectionReason.MALFORMED, "not a readable UsageEvent: " + e.getMessage());
            }
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // Any decoding failure of a hostile or truncated payload: bad magic byte, wrong record type, negative
            // lengths, trailing bytes.
            return Parsed.refused(RejectionReason.MALFORMED, "not a readable UsageEvent: " + e);
        }
    }
}
