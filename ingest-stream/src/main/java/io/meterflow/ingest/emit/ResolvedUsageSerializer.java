package io.meterflow.ingest.emit;

import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.serde.SpecificAvroSerializer;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes usage-resolved values as the plain Avro serializer does, copying the properties' encoding of an
 * {@link EncodedResolvedUsage} instead of encoding them again.
 */
public final class ResolvedUsageSerializer implements Serializer<ResolvedUsage> {

    private static final int PROPERTIES_FIELD = ResolvedUsage.getClassSchema().getField("properties").pos();

    private final SpecificAvroSerializer<ResolvedUsage> avro;

    public ResolvedUsageSerializer(SpecificAvroSerializer<ResolvedUsage> avro) {
        this.avro = avro;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        avro.configure(configs, isKey);
    }

    @Override
    public byte[] serialize(String topic, ResolvedUsage usage) {
        if (usage instanceof EncodedResolvedUsage encoded) {
            return avro.serialize(topic, usage, PROPERTIES_FIELD, encoded.encodedProperties());
        }
        return avro.serialize(topic, usage);
    }
}
