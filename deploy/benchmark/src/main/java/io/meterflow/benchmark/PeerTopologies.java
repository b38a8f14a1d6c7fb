package io.meterflow.benchmark;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.UsageKind;
import io.meterflow.topics.Topic;
import io.meterflow.topics.Topics;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The two peers Meterflow is measured against, with the same Confluent-framed Avro serdes as Meterflow's topics.
 */
final class PeerTopologies {

    static final String NAIVE_BINDINGS_STORE = "naive-bindings";

    private PeerTopologies() {
    }

    /** The limit: usage-events deserialized and copied to {@code output}, nothing else. */
    static Topology passThrough(Topics topics, String output) {
        Topic<String, UsageEvent> usage = topics.usageEvents();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(usage.name(), Consumed.with(usage.keySerde(), usage.valueSerde()).withName("usage-source"))
                .to(output, Produced.with(usage.keySerde(), usage.valueSerde()).withName("copy-sink"));
        return builder.build();
    }

    /**
     * What most teams write first: re-key usage by the identifier it was sent under, repartition, join it with a
     * KTable of the alias bindings, and write the match keyed by customer. Usage whose identifier has no binding
     * when it is joined is dropped; duplicates are counted twice; a binding that moves later moves nothing.
     */
    static Topology naiveJoin(Topics topics) {
        Topic<String, UsageEvent> usage = topics.usageEvents();
        Topic<String, AliasBinding> bindings = topics.aliasBindings();
        Topic<String, ResolvedUsage> resolved = topics.usageResolved();
        StreamsBuilder builder = new StreamsBuilder();
        KTable<String, AliasBinding> table = builder.table(bindings.name(),
                Consumed.with(bindings.keySerde(), bindings.valueSerde()).withName("bindings-source"),
                Materialized.<String, AliasBinding, KeyValueStore<Bytes, byte[]>>as(NAIVE_BINDINGS_STORE)
                        .withKeySerde(bindings.keySerde()).withValueSerde(bindings.valueSerde()));
        builder.stream(usage.name(), Consumed.with(usage.keySerde(), usage.valueSerde()).withName("usage-source"))
                .filter((key, event) -> event != null && event.getCustomerId() != null, Named.as("has-identifier"))
                .selectKey((key, event) -> event.getCustomerId(), Named.as("key-by-identifier"))
                .repartition(Repartitioned.<String, UsageEvent>as("usage-by-identifier")
                        .withKeySerde(Serdes.String()).withValueSerde(usage.valueSerde()))
                .join(table, PeerTopologies::attribute,
                        Joined.with(Serdes.String(), usage.valueSerde(), bindings.valueSerde()).withName("join-bindings"))
                .selectKey((identifier, attributed) -> attributed.getCustomerId(), Named.as("key-by-customer"))
                .to(resolved.name(), Produced.with(resolved.keySerde(), resolved.valueSerde()).withName("resolved-sink"));
        return builder.build();
    }

    private static ResolvedUsage attribute(UsageEvent event, AliasBinding binding) {
        Instant now = Instant.now();
        return ResolvedUsage.newBuilder()
                .setTransactionId(event.getTransactionId())
                .setCustomerId(binding.getCustomerId())
                .setIdentifier(event.getCustomerId())
                .setEventType(event.getEventType())
                .setTimestamp(event.getTimestamp())
                .setEventTime(Instant.parse(event.getTimestamp()))
                .setProperties(event.getProperties())
                .setKind(UsageKind.ASSIGN)
                .setResolution(binding.getIsCustomerId() ? Resolution.DIRECT : Resolution.ALIAS)
                .setArchived(binding.getArchived())
                .setIngestedAt(now)
                .setResolvedAt(now)
                .build();
    }
}
