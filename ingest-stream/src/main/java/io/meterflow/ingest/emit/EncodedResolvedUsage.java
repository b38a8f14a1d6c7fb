package io.meterflow.ingest.emit;

import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageKind;
import io.meterflow.serde.AvroBinary;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link ResolvedUsage} that also carries the Avro encoding of its {@code properties} (a slice of the event it was
 * built from), so that {@link ResolvedUsageSerializer} copies those bytes instead of encoding the properties again.
 * It is written exactly as the plain record would be; a reader gets a plain {@code ResolvedUsage}.
 */
public final class EncodedResolvedUsage extends ResolvedUsage {

    private final AvroBinary encodedProperties;

    EncodedResolvedUsage(String transactionId, String customerId, String identifier, String eventType,
            String timestamp, Instant eventTime, Map<String, JsonValue> properties, UsageKind kind,
            Resolution resolution, boolean archived, Instant ingestedAt, Instant resolvedAt,
            AvroBinary encodedProperties) {
        super(transactionId, customerId, identifier, eventType, timestamp, eventTime, properties, kind, resolution,
                archived, ingestedAt, resolvedAt);
        this.encodedProperties = Objects.requireNonNull(encodedProperties, "encodedProperties");
    }

    /** The encoding of {@link #getProperties()} in the current schema. */
    public AvroBinary encodedProperties() {
        return encodedProperties;
    }
}
