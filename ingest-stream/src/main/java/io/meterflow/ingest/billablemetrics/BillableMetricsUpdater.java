package io.meterflow.ingest.billablemetrics;

import io.meterflow.schemas.BillableMetric;
import io.meterflow.serde.SchemaRegistryException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global processor {@code billable-metrics-update}: applies each record of billable-metrics to the global store
 * {@code billable-metrics} of this instance (and, when the instance starts, each record of the topic again, as Kafka
 * Streams re-processes a global topic through its processor on restore).
 *
 * <p>The topic is read as bytes and decoded here, so that a record another producer wrote cannot stop the global
 * thread (which would stop the whole client): a record without a key, whose key is not UTF-8, that is not a
 * {@link BillableMetric}, whose ID is not its key, or that breaks {@link BillableMetricRules} changes nothing (the
 * metric keeps its previous definition), is logged with its coordinates and counted. A tombstone removes the metric
 * (the API never writes one: archiving keeps a metric). A schema registry that fails is not the record's fault
 * unless it answered that the schema does not exist ({@link SchemaRegistryException#isRecordsFault()}): its error is
 * rethrown rather than dropping a definition.
 */
public final class BillableMetricsUpdater implements Processor<byte[], byte[], Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(BillableMetricsUpdater.class);

    public static final String CHANGES = "meterflow.billable.metrics.changes";

    /** The counters of what became of each record read. */
    public static final class Changes {
        final Counter applied;
        final Counter removed;
        final Counter refused;

        public Changes(MeterRegistry registry) {
            String description = "Records of billable-metrics applied to this instance's global store, or refused";
            applied = Counter.builder(CHANGES).tag("change", "applied").description(description).register(registry);
            removed = Counter.builder(CHANGES).tag("change", "removed").description(description).register(registry);
            refused = Counter.builder(CHANGES).tag("change", "refused").description(description).register(registry);
        }
    }

    private final Deserializer<BillableMetric> values;
    private final Changes changes;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, BillableMetric> store;

    /** @param values reads billable-metrics values; it should read strings strictly (IDs must not collide) */
    public BillableMetricsUpdater(Deserializer<BillableMetric> values, Changes changes) {
        this.values = values;
        this.changes = changes;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(BillableMetricsStore.STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (record.key() == null) {
            refuse("it has no key (billable-metrics is keyed by metric ID)");
            return;
        }
        String id;
        try {
            id = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(record.key())).toString();
        } catch (CharacterCodingException e) {
            refuse("its key is not UTF-8");
            return;
        }
        if (record.value() == null) {
            store.delete(id);
            changes.removed.increment();
            return;
        }
        BillableMetric metric;
        try {
            metric = values.deserialize(topic(), record.value());
        } catch (SchemaRegistryException e) {
            if (!e.isRecordsFault()) {
                throw e;
            }
            refuse("it is not a BillableMetric (" + e.getMessage() + ")");
            return;
        } catch (SerializationException e) {
            refuse("it is not a BillableMetric (" + e.getMessage() + ")");
            return;
        }
        if (!id.equals(metric.getId())) {
            refuse("its value is metric " + metric.getId() + ", not its key " + id);
            return;
        }
        Optional<String> violation = BillableMetricRules.violation(metric);
        if (violation.isPresent()) {
            refuse("metric " + id + " is not a valid definition: " + violation.get());
            return;
        }
        store.put(id, metric);
        changes.applied.increment();
    }

    private String topic() {
        return context.recordMetadata().map(m -> m.topic()).orElse("billable-metrics");
    }

    private void refuse(String why) {
        changes.refused.increment();
        String where = context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
                .orElse("billable-metrics");
        LOG.warn("Ignored the record at {}: {}; the metric keeps its previous definition", where, why);
    }
}
