package io.meterflow.aliassync.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.Customer;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.serde.SpecificAvroSerde;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SizeBudgetTest {

    private final SizeBudget budget = new SizeBudget(SizeBudget.DEFAULT_MAX_CHANGE_BYTES, 100);

    private static Customer customer(String notes) {
        return Customer.newBuilder().setId("c-1").setName("Name").setIngestAliases(List.of("a", "😀"))
                .setCustomFields(Map.of("notes", notes)).setCustomerConfig(new HashMap<>())
                .setCreatedAt(Instant.EPOCH).setUpdatedAt(Instant.EPOCH).setLastChangeId("change").build();
    }

    @Test
    void measuresARecordExactlyAsTheSerdeWritesIt() {
        Customer customer = customer("é".repeat(1000));
        byte[] written = SpecificAvroSerde.of(Customer.class,
                Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://size-" + UUID.randomUUID()), false)
                .serializer().serialize("customers", customer);

        assertThat(SizeBudget.encodedSize(customer)).isEqualTo(written.length);
    }

    @Test
    void aChangeOfTheLimitIsAcceptedAndOneByteMoreIsNot() {
        assertThat(budget.changeTooLarge(SizeBudget.DEFAULT_MAX_CHANGE_BYTES)).isEmpty();
        assertThat(budget.changeTooLarge(SizeBudget.DEFAULT_MAX_CHANGE_BYTES + 1L)).hasValueSatisfying(detail ->
                assertThat(detail).contains("524289", "524288", "alias-sync.max.change.bytes"));
    }

    @Test
    void aCustomerRecordKeepsRoomForWhatAnArchiveAdds() {
        int fixed = SizeBudget.encodedSize(customer(""));
        int fits = SizeBudget.MAX_STATE_BYTES - SizeBudget.GROWTH_BYTES - fixed;

        // A string of n ASCII bytes over 8191 bytes adds a 3-byte length instead of the empty string's 1.
        assertThat(budget.customerTooLarge(customer("x".repeat(fits - 2)))).isEmpty();
        assertThat(budget.customerTooLarge(customer("x".repeat(fits - 1)))).hasValueSatisfying(detail ->
                assertThat(detail).contains("c-1", "2 ingest aliases", "1 custom fields"));
    }

    @Test
    void bookkeepingCountsItsRecentIdsAndRefusalsAsFullAndRefusesTooManyChangesInFlight() {
        SizeBudget mostIds = new SizeBudget(SizeBudget.DEFAULT_MAX_CHANGE_BYTES, 1000);
        Map<String, Integer> inFlight = new HashMap<>();
        // Change IDs of 128 four-byte characters, the longest there can be.
        IntStream.range(0, 1000).forEach(i -> inFlight.put(new StringBuilder().appendCodePoint(0x1F300 + i / 64)
                .appendCodePoint(0x1F300 + i % 64).append("😀".repeat(126)).toString(), 1));
        CustomerClaims claims = CustomerClaims.newBuilder().setCustomerId("c-1").setCreatedChangeId("create")
                .setRecentChangeIds(new ArrayList<>()).setRequestedAliases(new ArrayList<>())
                .setPendingClaims(new HashMap<>()).setUnansweredClaims(inFlight).build();

        // 1000 changes in flight: room for them with 100 recent IDs kept, not with 1000.
        assertThat(budget.claimsTooLarge(claims)).isEmpty();
        assertThat(mostIds.claimsTooLarge(claims)).hasValueSatisfying(detail ->
                assertThat(detail).contains("1000 changes with claims in flight"));
    }
}
