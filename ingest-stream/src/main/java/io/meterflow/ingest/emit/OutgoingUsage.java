package io.meterflow.ingest.emit;

import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.serde.AvroBinary;
import java.util.Objects;

/**
 * A usage-resolved value on its way to the topic: the {@link ResolvedUsage}, and, when known, the encoding of its
 * properties (a slice of the event it was built from), which {@link UsageCodec#resolvedSerde} copies instead of
 * encoding them again. Built only by {@link UsageCodec}; a consumer of usage-resolved reads a plain ResolvedUsage.
 */
public final class OutgoingUsage {

    private final ResolvedUsage value;
    private final AvroBinary properties;

    OutgoingUsage(ResolvedUsage value, AvroBinary properties) {
        this.value = Objects.requireNonNull(value, "value");
        this.properties = properties;
    }

    /** The record, as a consumer of usage-resolved reads it. */
    public ResolvedUsage value() {
        return value;
    }

    /** The encoding of {@code value().getProperties()} in the current schema, or null. */
    AvroBinary properties() {
        return properties;
    }

    @Override
    public String toString() {
        return "OutgoingUsage[" + value + "]";
    }
}
