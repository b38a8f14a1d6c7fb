package io.meterflow.serde;

import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.CustomFieldsSet;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.CustomerArchived;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.EventTypeFilter;
import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.IngestAliasesSet;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.NameSet;
import io.meterflow.schemas.PropertyFilter;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.UsageKind;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** One filled-in record of every contract schema (and every CustomerChange payload), for round-trip tests. */
final class SampleRecords {

    /**
     * Properties covering every JSON value kind, with the numbers that a double would damage ({@code 0.1},
     * {@code 12345678901234567890}, {@code 1e-7}, {@code -0}, {@code 1E+400}, {@code 2.50}) and a string that looks
     * like a number: each must come back as the same literal text. A new tree on each call.
     */
    static Map<String, JsonValue> properties() {
        return Json.props(
                "region", Json.str("eu-west-1"), "tenth", Json.num("0.1"), "big", Json.num("12345678901234567890"),
                "tiny", Json.num("1e-7"), "negative_zero", Json.num("-0"), "huge", Json.num("1E+400"),
                "text_number", Json.str("0.1"), "flag", Json.bool(true), "off", Json.bool(false), "nothing", Json.nil(),
                "nested", Json.obj(
                        "a", Json.obj("b", Json.arr(Json.num("1"), Json.str("x"), Json.obj("c", Json.num("2.50")))),
                        "empty", Json.obj()),
                "list", Json.arr(Json.num("1"), Json.num("2.5"), Json.str("three"), Json.bool(false), Json.nil(),
                        Json.arr(), Json.arr(Json.num("0.1"))));
    }

    static final Instant T0 = Instant.parse("2026-11-22T10:15:30.123Z");

    record Sample(String name, SpecificRecord value) {
        @Override
        public String toString() {
            return name;
        }
    }

    private SampleRecords() {
    }

    static UsageEvent usageEvent() {
        return UsageEvent.newBuilder()
                .setTransactionId("tx-1")
                .setCustomerId("alice@example.com")
                .setEventType("api_call")
                .setTimestamp("2026-11-22T10:15:30.123Z")
                .setProperties(properties())
                .build();
    }

    static ResolvedUsage resolvedUsage() {
        return ResolvedUsage.newBuilder()
                .setTransactionId("tx-1")
                .setCustomerId("9f0c7a52-4a53-4c2e-8a8e-7d1c1e9b7a10")
                .setIdentifier("alice@example.com")
                .setEventType("api_call")
                .setTimestamp("2026-11-22T10:15:30.123Z")
                .setEventTime(T0)
                .setProperties(properties())
                .setKind(UsageKind.RETRACT)
                .setResolution(Resolution.REASSIGNED)
                .setArchived(true)
                .setIngestedAt(T0.plusMillis(5))
                .setResolvedAt(T0.plusMillis(9))
                .build();
    }

    static List<Sample> all() {
        String customerId = "9f0c7a52-4a53-4c2e-8a8e-7d1c1e9b7a10";
        CustomerChange.Builder change = CustomerChange.newBuilder()
                .setChangeId("change-1").setCustomerId(customerId).setOccurredAt(T0);
        return List.of(
                new Sample("UsageEvent", usageEvent()),
                new Sample("UsageEvent with every field missing", UsageEvent.newBuilder().build()),
                new Sample("CustomerChange CustomerCreated", change.setPayload(CustomerCreated.newBuilder()
                        .setName("Alice Ltd")
                        .setIngestAliases(List.of("alice@example.com", "org-42"))
                        .setCustomFields(Map.of("tier", "gold"))
                        .setExternalId("ext-7")
                        .setCustomerConfig(Map.of("salesforce_account_id", "0015e000"))
                        .setBillingConfig(Json.props("plan", Json.str("pro"), "rate", Json.num("0.0001")))
                        .build()).build()),
                new Sample("CustomerChange IngestAliasesSet", CustomerChange.newBuilder(change.build())
                        .setPayload(IngestAliasesSet.newBuilder().setIngestAliases(List.of("a", "b")).build()).build()),
                new Sample("CustomerChange NameSet", CustomerChange.newBuilder(change.build())
                        .setPayload(NameSet.newBuilder().setName("Alice Limited").build()).build()),
                new Sample("CustomerChange CustomFieldsSet", CustomerChange.newBuilder(change.build())
                        .setPayload(CustomFieldsSet.newBuilder().setCustomFields(Map.of("tier", "silver"))
                                .setRemovedKeys(List.of("legacy")).build()).build()),
                new Sample("CustomerChange CustomerArchived", CustomerChange.newBuilder(change.build())
                        .setPayload(CustomerArchived.newBuilder().build()).build()),
                new Sample("AliasBinding", AliasBinding.newBuilder()
                        .setAlias("alice@example.com").setCustomerId(customerId).setIsCustomerId(false)
                        .setArchived(true).setChangeId("change-1").setUpdatedAt(T0).build()),
                new Sample("Customer", Customer.newBuilder()
                        .setId(customerId).setName("Alice Ltd")
                        .setIngestAliases(List.of("alice@example.com"))
                        .setCustomFields(Map.of("tier", "gold"))
                        .setExternalId("ext-7")
                        .setCustomerConfig(Map.of("salesforce_account_id", "0015e000"))
                        .setBillingConfig(Json.props("plan", Json.str("pro"), "limits", Json.arr(Json.num("1"), Json.num("2"))))
                        .setCreatedAt(T0).setUpdatedAt(T0.plusSeconds(60)).setArchivedAt(T0.plusSeconds(120))
                        .setLastChangeId("change-3").build()),
                new Sample("Customer with optional fields empty", Customer.newBuilder()
                        .setId(customerId).setName("Bob").setCreatedAt(T0).setUpdatedAt(T0)
                        .setLastChangeId("change-1").build()),
                new Sample("ResolvedUsage", resolvedUsage()),
                new Sample("Rejection", Rejection.newBuilder()
                        .setReason("MALFORMED").setDetail("not Avro")
                        .setSourceTopic("usage-events").setSourcePartition(3).setSourceOffset(1L << 40)
                        .setOriginalKey(ByteBuffer.wrap("key".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                        .setOriginalValue(ByteBuffer.wrap(new byte[] {0, (byte) 0xFF, 0x7F, (byte) 0x80, 0}))
                        .setTransactionId("tx-9").setChangeId(null).setSubject("alias-1")
                        .setRejectedAt(T0).build()),
                new Sample("ExpiredUsage", ExpiredUsage.newBuilder()
                        .setEvent(usageEvent()).setIngestedAt(T0).setExpiredAt(T0.plus(java.time.Duration.ofDays(34)))
                        .build()),
                new Sample("BillableMetric", BillableMetric.newBuilder()
                        .setId("5b4c6d1e-0f7a-4c3b-9a2d-1e8f7a6b5c4d").setName("CPU hours")
                        .setAggregationType(AggregationType.SUM).setAggregationKey("cpu_hours")
                        .setEventTypeFilter(EventTypeFilter.newBuilder().setInValues(List.of("cpu_usage"))
                                .setNotInValues(null).build())
                        .setPropertyFilters(List.of(
                                PropertyFilter.newBuilder().setName("cpu_hours").setExists(true).build(),
                                PropertyFilter.newBuilder().setName("region").setExists(true)
                                        .setInValues(List.of("EU", "NA")).setNotInValues(List.of("test")).build()))
                        .setGroupKeys(List.of(List.of("region")))
                        .setCustomFields(Map.of("team", "infra"))
                        .setArchivedAt(T0.plusSeconds(3600)).setCreatedAt(T0).setUpdatedAt(T0.plusSeconds(3600))
                        .build()),
                new Sample("BillableMetric COUNT without options", BillableMetric.newBuilder()
                        .setId("6c5d7e2f-1a8b-4d4c-8b3e-2f9a8b7c6d5e").setName("Calls")
                        .setAggregationType(AggregationType.COUNT).setCreatedAt(T0).setUpdatedAt(T0)
                        .build()));
    }
}
