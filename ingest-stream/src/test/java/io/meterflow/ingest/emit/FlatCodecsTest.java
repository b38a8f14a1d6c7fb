package io.meterflow.ingest.emit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.schemas.internal.ingest.IdentifierEntry;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.serde.SpecificAvroSerde;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/**
 * The bindings replica's and the identifier index's values, written and read by hand, are exactly what Avro writes
 * and reads; whatever the hand reader does not plainly understand is Avro's to answer.
 */
class FlatCodecsTest {

    private static final String REPLICA = "app-bindings-replica-changelog";
    private static final String INDEX = "app-usage-by-identifier-changelog";
    private static final List<String> TEXTS = List.of("", "cust-1", "ü-αλιας 🚀", "x".repeat(300),
            "bad \uD800 surrogate", "nul \u0000 inside");

    private final String scope = "flat-codecs-" + UUID.randomUUID();
    private final Map<String, Object> config = Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope);
    private final SpecificAvroSerde<BoundCustomer> plainBindings =
            SpecificAvroSerde.of(BoundCustomer.class, config, false);
    private final SpecificAvroSerde<IdentifierEntry> plainEntries =
            SpecificAvroSerde.of(IdentifierEntry.class, config, false);
    private final Serde<BoundCustomer> bindings = FlatCodecs.boundCustomer(config);
    private final Serde<IdentifierEntry> entries = FlatCodecs.identifierEntry(config);

    private static List<BoundCustomer> boundCustomers() {
        List<BoundCustomer> values = new ArrayList<>();
        for (String customer : TEXTS) {
            for (int flags = 0; flags < 4; flags++) {
                values.add(new BoundCustomer(customer, (flags & 1) != 0, (flags & 2) != 0));
            }
        }
        return values;
    }

    private static List<IdentifierEntry> identifierEntries() {
        List<IdentifierEntry> values = new ArrayList<>();
        for (long acceptedAt : new long[] {0, 1, -1, 1_764_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE}) {
            values.add(new IdentifierEntry(acceptedAt, null));
            for (String customer : TEXTS) {
                values.add(new IdentifierEntry(acceptedAt, customer));
            }
        }
        return values;
    }

    @Test
    void theLayoutsItIsWrittenForAreTheSchemasLayouts() {
        assertThat(SchemaLayout.matches(BoundCustomer.getClassSchema(), FlatCodecs.BOUND_CUSTOMER)).isTrue();
        assertThat(SchemaLayout.matches(IdentifierEntry.getClassSchema(), FlatCodecs.IDENTIFIER_ENTRY)).isTrue();
    }

    @Test
    void writesWhatAvroWritesAndReadsItBackAsAvroDoes() {
        for (BoundCustomer value : boundCustomers()) {
            byte[] written = bindings.serializer().serialize(REPLICA, value);
            assertThat(written).isEqualTo(plainBindings.serializer().serialize(REPLICA, value));
            BoundCustomer avro = plainBindings.deserializer().deserialize(REPLICA, written);
            assertThat(FlatCodecs.readBoundCustomer(written)).isEqualTo(avro);
            assertThat(bindings.deserializer().deserialize(REPLICA, written)).isEqualTo(avro);
        }
        for (IdentifierEntry value : identifierEntries()) {
            byte[] written = entries.serializer().serialize(INDEX, value);
            assertThat(written).isEqualTo(plainEntries.serializer().serialize(INDEX, value));
            IdentifierEntry avro = plainEntries.deserializer().deserialize(INDEX, written);
            assertThat(FlatCodecs.readIdentifierEntry(written)).isEqualTo(avro);
            assertThat(entries.deserializer().deserialize(INDEX, written)).isEqualTo(avro);
        }
        assertThat(bindings.serializer().serialize(REPLICA, null)).isNull();
        assertThat(bindings.deserializer().deserialize(REPLICA, null)).isNull();
        assertThatThrownBy(() -> bindings.serializer().serialize(REPLICA, new BoundCustomer(null, false, false)))
                .isInstanceOf(SerializationException.class);
    }

    /**
     * Every byte of each value overwritten with several values, every truncation and one trailing byte: whatever the
     * hand reader accepts, Avro reads as the same value, and the serde answers every input as Avro alone does.
     */
    @Test
    void anythingTheHandReaderAcceptsAvroReadsTheSame() {
        int accepted = 0;
        for (BoundCustomer value : boundCustomers()) {
            accepted += checkMutations(plainBindings.serializer().serialize(REPLICA, value), REPLICA,
                    FlatCodecs::readBoundCustomer, plainBindings, bindings);
        }
        for (IdentifierEntry value : identifierEntries()) {
            accepted += checkMutations(plainEntries.serializer().serialize(INDEX, value), INDEX,
                    FlatCodecs::readIdentifierEntry, plainEntries, entries);
        }
        assertThat(accepted).as("mutations read by hand (the hand reader must not refuse everything)")
                .isGreaterThan(1_000);
    }

    private static <T extends SpecificRecord> int checkMutations(byte[] value, String topic,
            Function<byte[], T> byHand, SpecificAvroSerde<T> plain, Serde<T> serde) {
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 5; i < value.length; i++) {
            for (int b : new int[] {0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, value[i] ^ 0x01}) {
                byte[] mutated = value.clone();
                mutated[i] = (byte) b;
                inputs.add(mutated);
            }
        }
        for (int length = 5; length < value.length; length++) {
            inputs.add(Arrays.copyOf(value, length));
        }
        byte[] longer = Arrays.copyOf(value, value.length + 1);
        inputs.add(longer);
        int accepted = 0;
        for (byte[] input : inputs) {
            Object avro = answer(() -> plain.deserializer().deserialize(topic, input));
            T hand;
            try {
                hand = byHand.apply(input);
            } catch (IllegalArgumentException refused) {
                hand = null;
            }
            if (hand != null) {
                accepted++;
                assertThat(avro).as("Avro's answer to %s, which the hand reader read as %s",
                        Arrays.toString(input), hand).isEqualTo(hand);
            }
            assertThat(answer(() -> serde.deserializer().deserialize(topic, input))).isEqualTo(avro);
        }
        return accepted;
    }

    /** A value, or the class of what was thrown instead. */
    private static Object answer(java.util.function.Supplier<?> read) {
        try {
            return Objects.requireNonNull(read.get());
        } catch (RuntimeException e) {
            return e.getClass();
        }
    }

    /**
     * A value written with another schema version (here BoundCustomer's booleans in the other order) is read by
     * Avro, which resolves fields by name: read by hand, its flags would be swapped.
     */
    @Test
    void aValueWrittenWithAnotherSchemaIsReadByAvro() {
        Schema current = BoundCustomer.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (String name : List.of("customer_id", "archived", "is_customer_id")) {
            Schema.Field field = current.getField(name);
            fields.add(new Schema.Field(field, field.schema()));
        }
        Schema reordered = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false,
                fields);
        GenericData.Record record = new GenericData.Record(reordered);
        record.put("customer_id", "cust-1");
        record.put("archived", false);
        record.put("is_customer_id", true);
        byte[] value = OtherSchemaVersion.framed(scope, REPLICA + "-value", reordered, record);

        assertThat(FlatCodecs.readBoundCustomer(value).getIsCustomerId()).as("what reading by hand would say")
                .isFalse();
        for (int read = 0; read < 2; read++) {
            BoundCustomer binding = bindings.deserializer().deserialize(REPLICA, value);
            assertThat(binding.getIsCustomerId()).isTrue();
            assertThat(binding.getArchived()).isFalse();
        }
    }
}
