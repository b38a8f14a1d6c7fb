package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.Rejection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Finding 6 of issue 12, on Kafka: a change whose text or JSON data breaks the rules the customer API applies (a
 * billing configuration nested deeper than 64 levels or with a forged number, a string that is not UTF-8) is refused
 * as {@code INVALID_FIELD} naming the field, nothing of it is applied, and processing goes on.
 */
class FieldValidationTest extends AliasSyncTestBase {

    private static JsonValue nested(int depth) {
        JsonValue value = new JsonValue("leaf");
        for (int i = 1; i < depth; i++) {
            value = new JsonValue(Map.of("a", value));
        }
        return value;
    }

    private static final class CreatedBytes {
        volatile byte[] value;
    }

    private CustomerChange createWithBilling(String customerId, Map<String, JsonValue> billing) {
        CustomerCreated created = AliasSyncDriver.created("Billing", "alias-of-" + customerId);
        created.setBillingConfig(billing);
        return app.send(app.change(customerId, app.nextChangeId(), created));
    }

    private Rejection onlyRejection() {
        List<Rejection> rejections = app.rejections().stream().map(kv -> kv.value).toList();
        assertThat(rejections).hasSize(1);
        return rejections.get(0);
    }

    @Test
    void aBillingConfigurationNested70LevelsIsRefusedAsInvalidFieldAndNothingIsApplied() {
        createWithBilling("c-1", Map.of("stripe", nested(69)));

        Rejection rejection = onlyRejection();
        assertThat(rejection.getReason()).isEqualTo("INVALID_FIELD");
        assertThat(rejection.getSubject()).isEqualTo("payload.billing_config");
        assertThat(rejection.getDetail()).contains("billing_config", "deeper than 64");
        assertThat(app.customers()).isEmpty();
        assertThat(app.owners()).isEmpty();
        assertThat(app.count(AliasSyncMetrics.REFUSALS, "reason", "INVALID_FIELD")).isEqualTo(1);
        assertThat(app.count(AliasSyncMetrics.CHANGES, "type", "created", "outcome", "refused")).isEqualTo(1);

        app.create("c-2", "next");
        assertThat(app.aliasesOf("c-2")).containsExactly("next");
    }

    @Test
    void aBillingConfigurationNestedThousandsOfLevelsIsRefusedAndProcessingGoesOn() throws Exception {
        // Deep enough that reading or walking it may exhaust a thread's stack: refused either way, never thrown. The
        // record is written on a thread with a stack large enough for it, as a producer elsewhere could.
        CreatedBytes deep = new CreatedBytes();
        Thread writer = new Thread(null, () -> {
            CustomerCreated created = AliasSyncDriver.created("Deep", "deep-alias");
            created.setBillingConfig(Map.of("stripe", nested(20_000)));
            deep.value = app.topics.customerChanges().valueSerde().serializer()
                    .serialize("customer-changes", app.change("c-1", "deep-change", created));
        }, "deep-writer", 1L << 30);
        writer.start();
        writer.join();

        app.sendRaw("c-1".getBytes(StandardCharsets.UTF_8), deep.value);

        assertThat(onlyRejection().getReason()).isIn("MALFORMED", "INVALID_FIELD");
        assertThat(app.customers()).isEmpty();
        app.create("c-2", "next");
        assertThat(app.aliasesOf("c-2")).containsExactly("next");
    }

    @Test
    void aBillingConfigurationNested64LevelsIsKept() {
        createWithBilling("c-1", Map.of("stripe", nested(63)));

        assertThat(app.rejections()).isEmpty();
        assertThat(app.customer("c-1").getBillingConfig()).containsKey("stripe");
    }

    @Test
    void aForgedNumberInTheBillingConfigurationIsRefused() {
        createWithBilling("c-1", Map.of("rate", new JsonValue(new JsonNumber("1,\"injected\":2"))));

        assertThat(onlyRejection().getDetail()).contains("$.rate", "not a JSON number literal");
        assertThat(app.customers()).isEmpty();
    }

    /** The change's encoding with the first occurrence of {@code marker} replaced by bytes that are not UTF-8. */
    private byte[] withInvalidUtf8(CustomerChange change, String marker) {
        byte[] value = app.topics.customerChanges().valueSerde().serializer().serialize("customer-changes", change);
        byte[] target = marker.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + target.length <= value.length; i++) {
            if (ByteBuffer.wrap(value, i, target.length).equals(ByteBuffer.wrap(target))) {
                value[i] = (byte) 0xff;
                return value;
            }
        }
        throw new AssertionError(marker + " not found");
    }

    @Test
    void anAliasOrACustomFieldThatIsNotUtf8IsRefusedNamingIt() {
        CustomerChange alias = app.change("c-1", "change-a", AliasSyncDriver.created("A", "good", "Xbad"));
        CustomerCreated fields = AliasSyncDriver.created("B");
        fields.setCustomFields(Map.of("Ykey", "value"));
        CustomerChange field = app.change("c-2", "change-b", fields);

        app.sendRaw("c-1".getBytes(StandardCharsets.UTF_8), withInvalidUtf8(alias, "Xbad"));
        app.sendRaw("c-2".getBytes(StandardCharsets.UTF_8), withInvalidUtf8(field, "Ykey"));

        List<Rejection> rejections = app.rejections().stream().map(kv -> kv.value).toList();
        assertThat(rejections).extracting(Rejection::getReason).containsExactly("INVALID_FIELD", "INVALID_FIELD");
        assertThat(rejections).extracting(Rejection::getSubject)
                .containsExactly("payload.ingest_aliases[1]", "payload.custom_fields[\"\uFFFDkey\"] (a key)");
        assertThat(rejections.get(0).getDetail()).contains("not valid UTF-8");
        assertThat(app.customers()).isEmpty();
        assertThat(app.owners()).isEmpty();
    }

    @Test
    void aChangeIdThatIsNotUtf8IsMalformed() {
        CustomerChange change = app.change("c-1", "Zchange", AliasSyncDriver.created("C"));

        app.sendRaw("c-1".getBytes(StandardCharsets.UTF_8), withInvalidUtf8(change, "Zchange"));

        Rejection rejection = onlyRejection();
        assertThat(rejection.getReason()).isEqualTo("MALFORMED");
        assertThat(rejection.getDetail()).contains("change_id is not valid UTF-8");
        assertThat(app.customers()).isEmpty();
    }
}
