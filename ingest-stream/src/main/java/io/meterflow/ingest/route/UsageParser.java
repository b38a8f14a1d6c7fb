package io.meterflow.ingest.route;

import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.AvroBinary;
import io.meterflow.serde.SchemaRegistryException;
import io.meterflow.serde.SpecificAvroDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads usage-events values into {@link UsageEvent}s, turning every way a record can be unreadable into data (a
 * {@code MALFORMED} reason) instead of an exception that would stop the stream thread. Only a schema registry that
 * cannot be reached (or refuses us) is not the record's fault: that is rethrown, so the task retries the record
 * rather than rejecting good usage during a registry outage.
 */
public final class UsageParser {

    private final Deserializer<UsageEvent> deserializer;

    public UsageParser(Deserializer<UsageEvent> deserializer) {
        this.deserializer = deserializer;
    }

    /**
     * The result of reading one value: exactly one of {@code event} and {@code malformed} is set. {@code binary} is
     * the event's encoding when the value was written with the current UsageEvent schema (null otherwise), so that
     * the ledger can store it without encoding the event again.
     */
    public record Parsed(UsageEvent event, String malformed, AvroBinary binary) {

        Parsed(UsageEvent event, String malformed) {
            this(event, malformed, null);
        }
    }

    public Parsed parse(String topic, byte[] value) {
        if (value == null) {
            return new Parsed(null, "the record value is null");
        }
        try {
            UsageEvent event = deserializer.deserialize(topic, value);
            if (event == null) {
                return new Parsed(null, "the record value is empty");
            }
            boolean current = deserializer instanceof SpecificAvroDeserializer<?> avro
                    && avro.writtenWithReaderSchema(value);
            return new Parsed(event, null, current ? AvroBinary.payloadOf(value) : null);
        } catch (SchemaRegistryException e) {
            if (isRecordsFault(e)) {
                return new Parsed(null, "not a readable UsageEvent: " + e.getMessage());
            }
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // Any decoding failure of a hostile or truncated payload: bad magic byte, wrong record type, negative
            // lengths, trailing bytes, deeply nested JSON values.
            return new Parsed(null, "not a readable UsageEvent: " + e);
        }
    }

    /**
     * An unknown schema ID (or one that is not Avro) is the record's fault; an unreachable registry, a server error
     * or an authorization failure is not. The registry client reports both as {@link SchemaRegistryException}, so
     * the distinction is made on what it says.
     */
    static boolean isRecordsFault(SchemaRegistryException e) {
        if (e.getCause() != null) {
            return false;
        }
        String message = String.valueOf(e.getMessage());
        return message.contains("HTTP 404") || message.contains("is unknown to mock registry")
                || message.contains("schema, not Avro");
    }
}
