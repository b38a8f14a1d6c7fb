package io.meterflow.ingest.ledger;

import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.serde.AvroBinary;
import io.meterflow.serde.SpecificAvroDeserializer;
import io.meterflow.serde.SpecificAvroSerde;
import io.meterflow.serde.SpecificAvroSerializer;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serde of {@value UsageLedger#USAGE_BY_TRANSACTION} values: a {@link UsageState} in Confluent-framed Avro, as
 * {@code SpecificAvroSerde} writes it, byte for byte; only the event field is copied from its known encoding (see
 * {@link StoredUsage}) instead of encoded again.
 */
public final class StoredUsageSerde implements Serde<StoredUsage> {

    private static final int EVENT_FIELD = UsageState.getClassSchema().getField("event").pos();
    /**
     * Whether UsageState's event field is written with exactly the UsageEvent schema (what the copied encodings are
     * in). Always so while the schemas say so; checked once so that a change to them falls back to encoding.
     */
    static final boolean EVENT_SCHEMA_MATCHES =
            UsageState.getClassSchema().getField("event").schema().equals(UsageEvent.getClassSchema());

    private final SpecificAvroSerializer<UsageState> serializer;
    private final SpecificAvroDeserializer<UsageState> deserializer;

    private StoredUsageSerde(SpecificAvroSerde<UsageState> avro) {
        this.serializer = avro.serializer();
        this.deserializer = avro.deserializer();
    }

    /** A serde configured with {@code serdeConfig} (the registry settings). */
    public static StoredUsageSerde of(Map<String, ?> serdeConfig) {
        return new StoredUsageSerde(SpecificAvroSerde.of(UsageState.class, serdeConfig, false));
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public Serializer<StoredUsage> serializer() {
        return (topic, stored) -> {
            if (stored == null) {
                return null;
            }
            AvroBinary event = EVENT_SCHEMA_MATCHES ? stored.event() : null;
            return serializer.serialize(topic, stored.state(), event == null ? -1 : EVENT_FIELD, event);
        };
    }

    @Override
    public Deserializer<StoredUsage> deserializer() {
        return (topic, data) -> {
            UsageState state = deserializer.deserialize(topic, data);
            boolean current = EVENT_SCHEMA_MATCHES && deserializer.writtenWithReaderSchema(data);
            return state == null ? null : StoredUsage.read(state, current ? data : null);
        };
    }
}
