package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.Rejection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Rule 7: unknown customers and unreadable records are refused, and processing goes on. */
class RefusalTest extends AliasSyncTestBase {

    private static final byte[] KEY = "c-1".getBytes(StandardCharsets.UTF_8);

    @Test
    void refusesEveryKindOfChangeForAnUnknownCustomer() {
        app.setAliases("ghost", "a");
        app.setName("ghost", "Boo");
        app.setCustomFields("ghost", java.util.Map.of("k", "v"), java.util.List.of());
        CustomerChange archive = app.archive("ghost");

        assertThat(app.rejections()).hasSize(4).allSatisfy(kv -> {
            assertThat(kv.key).isEqualTo("ghost");
            assertThat(kv.value.getReason()).isEqualTo("UNKNOWN_CUSTOMER");
        });
        assertThat(app.rejections().get(3).value.getChangeId()).isEqualTo(archive.getChangeId());
        assertThat(app.customers()).isEmpty();
        assertThat(app.owners()).isEmpty();
        assertThat(app.count(AliasSyncMetrics.REFUSALS, "reason", "UNKNOWN_CUSTOMER")).isEqualTo(4);
    }

    @Test
    void refusesGarbageAsMalformedWithItsBytesAndKeepsProcessing() {
        byte[] garbage = {0, 0, 0, 0, 42, 1, 2, 3};

        app.sendRaw(KEY, garbage);
        app.create("c-1", "a");

        Rejection rejection = app.rejections().get(0).value;
        assertThat(rejection.getReason()).isEqualTo("MALFORMED");
        assertThat(rejection.getOriginalKey()).isEqualTo(ByteBuffer.wrap(KEY));
        assertThat(rejection.getOriginalValue()).isEqualTo(ByteBuffer.wrap(garbage));
        assertThat(rejection.getSourceTopic()).isEqualTo("customer-changes");
        assertThat(rejection.getSourcePartition()).isZero();
        assertThat(rejection.getSourceOffset()).isZero();
        assertThat(rejection.getChangeId()).isNull();
        assertThat(app.rejections()).hasSize(1);
        assertThat(app.aliasesOf("c-1")).containsExactly("a");
        assertThat(app.count(AliasSyncMetrics.CHANGES, "type", "malformed", "outcome", "refused")).isEqualTo(1);
        assertThat(app.count(AliasSyncMetrics.REFUSALS, "reason", "MALFORMED")).isEqualTo(1);
    }

    @Test
    void refusesPlainTextAndEmptyAndMissingValuesAsMalformed() {
        app.sendRaw(KEY, "{\"customer_id\":\"c-1\"}".getBytes(StandardCharsets.UTF_8));
        app.sendRaw(KEY, new byte[0]);
        app.sendRaw(KEY, null);
        app.sendRaw(null, null);

        assertThat(app.rejections()).hasSize(4)
                .allSatisfy(kv -> assertThat(kv.value.getReason()).isEqualTo("MALFORMED"));
        assertThat(app.rejections().get(3).key).isNull();
        assertThat(app.rejections()).extracting(kv -> kv.value.getSourceOffset()).containsExactly(0L, 1L, 2L, 3L);
    }

    @Test
    void refusesAChangeWhoseKeyIsNotItsCustomerId() {
        CustomerChange change = app.change("c-1", "change-x", AliasSyncDriver.created("Mismatch", "a"));
        byte[] value = app.topics.customerChanges().valueSerde().serializer().serialize("customer-changes", change);

        app.sendRaw("c-2".getBytes(StandardCharsets.UTF_8), value);

        assertThat(app.rejections()).singleElement().satisfies(kv -> {
            assertThat(kv.value.getReason()).isEqualTo("MALFORMED");
            assertThat(kv.value.getChangeId()).isEqualTo("change-x");
            assertThat(kv.value.getDetail()).contains("not the customer_id");
        });
        assertThat(app.customers()).isEmpty();
    }

    @Test
    void refusesAChangeWithoutAChangeId() {
        app.send(app.change("c-1", "", AliasSyncDriver.created("No ID")));

        assertThat(app.rejections()).singleElement()
                .satisfies(kv -> assertThat(kv.value.getDetail()).contains("change_id"));
        assertThat(app.customers()).isEmpty();
    }
}
