package io.meterflow.ingest.bindings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.serde.SchemaRegistryException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * A binding whose schema the registry cannot serve right now is not dropped as unreadable: only the answer that the
 * schema does not exist makes the record unreadable, as for usage and customer changes.
 */
class BindingsFanoutRegistryTest {

    private static final byte[] UNKNOWN_ID = {0, 0, 0, 0x30, 0x39, 0};

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private BindingsFanoutProcessor fanout(SchemaRegistryException failure) {
        Deserializer<AliasBinding> failing = (topic, data) -> {
            throw failure;
        };
        BindingsFanoutProcessor processor = new BindingsFanoutProcessor(new IngestMetrics(meters), failing);
        MockProcessorContext<String, BoundCustomer> context = new MockProcessorContext<>();
        context.setRecordMetadata("alias-bindings", 0, 42);
        processor.init(context);
        return processor;
    }

    private static Record<byte[], byte[]> binding() {
        return new Record<>("ops@acme.example".getBytes(StandardCharsets.UTF_8), UNKNOWN_ID, 0L);
    }

    private double unreadable() {
        return meters.find(IngestMetrics.BINDING_CHANGES).tag("change", "unreadable").counter().count();
    }

    @Test
    void aBindingWhoseSchemaTheRegistryDoesNotKnowIsCountedUnreadable() {
        fanout(new SchemaRegistryException("Schema 12345 not found", 404, SchemaRegistryException.SCHEMA_NOT_FOUND))
                .process(binding());

        assertThat(unreadable()).isEqualTo(1);
    }

    @Test
    void aRegistryServerErrorRefusedCredentialsOrAnUnreachableRegistryAreRethrownNotCountedAsUnreadable() {
        for (SchemaRegistryException outage : List.of(
                new SchemaRegistryException("Service Unavailable", 503, 50001),
                new SchemaRegistryException("Unauthorized", 401, 401),
                new SchemaRegistryException("Schema registry is unreachable", new IOException("Connection refused")))) {
            assertThatThrownBy(() -> fanout(outage).process(binding())).isSameAs(outage);
        }
        assertThat(unreadable()).isZero();
    }
}
