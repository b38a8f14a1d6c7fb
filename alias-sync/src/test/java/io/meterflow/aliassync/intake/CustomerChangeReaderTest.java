package io.meterflow.aliassync.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.schemas.CustomerArchived;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.SchemaRegistryException;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.serde.SpecificAvroSerde;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CustomerChangeReaderTest {

    private static final Map<String, String> SERDE = Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://reader-test");
    private final SpecificAvroSerde<CustomerChange> serde = SpecificAvroSerde.of(CustomerChange.class, SERDE, false);
    private final CustomerChangeReader reader = new CustomerChangeReader(serde.deserializer());

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] change(String customerId, String changeId) {
        return serde.serializer().serialize("t", CustomerChange.newBuilder().setChangeId(changeId)
                .setCustomerId(customerId).setOccurredAt(Instant.EPOCH)
                .setPayload(CustomerArchived.newBuilder().build()).build());
    }

    @Test
    void readsAChangeKeyedByItsCustomerId() {
        assertThat(reader.read("t", utf8("c-1"), change("c-1", "x")))
                .isInstanceOfSatisfying(CustomerChangeReader.Readable.class,
                        r -> assertThat(r.change().getChangeId()).isEqualTo("x"));
    }

    @Test
    void refusesAnotherRecordTypeEvenIfItIsValidAvro() {
        byte[] usage = SpecificAvroSerde.of(UsageEvent.class, SERDE, false).serializer()
                .serialize("t", UsageEvent.newBuilder().build());

        assertThat(reader.read("t", utf8("c-1"), usage))
                .isInstanceOfSatisfying(CustomerChangeReader.Unreadable.class,
                        u -> assertThat(u.detail()).contains("not a readable CustomerChange"));
    }

    @Test
    void refusesAChangeWhoseSchemaIdTheRegistryDoesNotKnow() {
        byte[] unknownId = {0, 0, 0, 0x30, 0x39, 0};

        assertThat(reader.read("t", utf8("c-1"), unknownId))
                .isInstanceOfSatisfying(CustomerChangeReader.Unreadable.class,
                        u -> assertThat(u.detail()).contains("Schema ID 12345 is unknown"));
        CustomerChangeReader overHttp = new CustomerChangeReader((topic, data) -> {
            throw new SchemaRegistryException("Schema 12345 not found", 404, SchemaRegistryException.SCHEMA_NOT_FOUND);
        });
        assertThat(overHttp.read("t", utf8("c-1"), unknownId)).isInstanceOf(CustomerChangeReader.Unreadable.class);
    }

    /** The same decision as ingest-stream's: a registry that fails says nothing about the change, so it is retried. */
    @Test
    void rethrowsARegistryServerErrorRefusedCredentialsOrAnUnreachableRegistry() {
        for (SchemaRegistryException notTheRecords : List.of(
                new SchemaRegistryException("Service Unavailable", 503, 50001),
                new SchemaRegistryException("Unauthorized", 401, 401),
                new SchemaRegistryException("<html>404 Not Found</html>", 404, SchemaRegistryException.NONE),
                new SchemaRegistryException("Schema registry is unreachable", new IOException("Connection refused")))) {
            CustomerChangeReader failing = new CustomerChangeReader((topic, data) -> {
                throw notTheRecords;
            });
            assertThatThrownBy(() -> failing.read("t", utf8("c-1"), new byte[] {0, 0, 0, 0x30, 0x39, 0}))
                    .isSameAs(notTheRecords);
        }
    }

    @Test
    void refusesAMissingKeyAndAnEmptyCustomerId() {
        assertThat(reader.read("t", null, change("c-1", "x")))
                .isInstanceOfSatisfying(CustomerChangeReader.Unreadable.class,
                        u -> assertThat(u.changeId()).isEqualTo("x"));
        assertThat(reader.read("t", utf8(""), change("", "x")))
                .isInstanceOfSatisfying(CustomerChangeReader.Unreadable.class,
                        u -> assertThat(u.detail()).contains("customer_id is empty"));
    }

    @Test
    void refusesABlankChangeId() {
        assertThat(reader.read("t", utf8("c-1"), change("c-1", "  ")))
                .isInstanceOfSatisfying(CustomerChangeReader.Unreadable.class,
                        u -> assertThat(u.detail()).contains("change_id is empty"));
    }

    @Test
    void refusesIdsLongerThan128CharactersWithoutRepeatingALongChangeId() {
        String id128 = "😀".repeat(128);

        assertThat(reader.read("t", utf8(id128), change(id128, id128))).isInstanceOf(CustomerChangeReader.Readable.class);
        assertThat(reader.read("t", utf8("c-1"), change("c-1", "x".repeat(129))))
                .isInstanceOfSatisfying(CustomerChangeReader.Unreadable.class, u -> {
                    assertThat(u.detail()).contains("change_id has 129 characters");
                    assertThat(u.changeId()).isNull();
                });
        assertThat(reader.read("t", utf8("c".repeat(129)), change("c".repeat(129), "x")))
                .isInstanceOfSatisfying(CustomerChangeReader.Unreadable.class,
                        u -> assertThat(u.detail()).contains("customer_id has 129 characters"));
    }

    @Test
    void comparesTheKeyWithTheCustomerIdByteForByte() {
        // 0xFF is not UTF-8: decoded it would read as U+FFFD, the same text as a key of EF BF BD.
        byte[] notUtf8 = {(byte) 0xff};

        assertThat(reader.read("t", notUtf8, change("\uFFFD", "x"))).isInstanceOf(CustomerChangeReader.Unreadable.class);
        assertThat(reader.read("t", utf8("\uFFFD"), change("\uFFFD", "x")))
                .isInstanceOf(CustomerChangeReader.Readable.class);
    }
}
