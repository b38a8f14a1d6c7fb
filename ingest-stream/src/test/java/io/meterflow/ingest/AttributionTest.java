package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.UsageKind;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttributionTest {

    static final String ACME = "c0a8e3b2-0000-4000-8000-000000000001";
    static final String GLOBEX = "c0a8e3b2-0000-4000-8000-000000000002";

    @TempDir
    Path stateDir;
    IngestHarness h;

    @BeforeEach
    void start() {
        h = new IngestHarness(stateDir);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void attributesUsageSentUnderACustomersOwnIdDirectly() {
        h.bindCustomer(ACME);
        UsageEvent event = h.event("t1", ACME);
        h.send(event);

        List<TestRecord<String, ResolvedUsage>> out = h.resolvedRecords();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo(ACME);
        ResolvedUsage usage = out.get(0).value();
        assertThat(usage.getTransactionId()).isEqualTo("t1");
        assertThat(usage.getCustomerId()).isEqualTo(ACME);
        assertThat(usage.getIdentifier()).isEqualTo(ACME);
        assertThat(usage.getKind()).isEqualTo(UsageKind.ASSIGN);
        assertThat(usage.getResolution()).isEqualTo(Resolution.DIRECT);
        assertThat(usage.getArchived()).isFalse();
        assertThat(usage.getEventType()).isEqualTo("api_call");
        assertThat(usage.getTimestamp()).isEqualTo(event.getTimestamp());
        assertThat(usage.getEventTime()).isEqualTo(java.time.Instant.parse(event.getTimestamp()));
        assertThat(usage.getProperties()).isEqualTo(event.getProperties());
        assertThat(usage.getIngestedAt()).isEqualTo(h.now());
        assertThat(usage.getResolvedAt()).isEqualTo(h.now());
        assertThat(h.status("t1").getStatus()).isEqualTo(UsageStatus.ATTRIBUTED);
        assertThat(h.count(IngestMetrics.OUTCOMES, "outcome", "attributed")).isEqualTo(1);
    }

    @Test
    void anUnreadableRecordOnAliasBindingsIsCountedAndBindsNothingWhileLaterBindingsStillApply() {
        byte[] notUtf8 = {'k', (byte) 0xff, 'x'};
        h.bindingsRaw.pipeInput("ops@acme.example".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                new byte[] {0, 0, 0, 0, 42, 1, 2, 3});
        h.bindingsRaw.pipeInput(notUtf8, new byte[] {0, 9, 9, 9, 9});
        h.bindingsRaw.pipeInput("ops@acme.example".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                new byte[1_000]);
        assertThat(h.count(IngestMetrics.BINDING_CHANGES, "change", "unreadable")).isEqualTo(3);

        h.send("t1", "ops@acme.example");
        assertThat(h.resolvedRecords()).isEmpty();
        assertThat(h.status("t1").getStatus()).isEqualTo(UsageStatus.PENDING);

        h.bind("ops@acme.example", ACME);
        assertThat(h.resolvedKeyValues()).extracting(kv -> kv.key).containsExactly(ACME);
    }

    @Test
    void everyRecordOnAliasBindingsThatBindsNoOneIsCountedWithWhy() {
        h.bindings.pipeInput((String) null,
                new AliasBinding("ops@acme.example", ACME, false, false, "change-keyless", h.now()), h.now());
        h.bind("i".repeat(129), ACME);
        h.bind("ops@acme.example", "c".repeat(129));

        assertThat(h.count(IngestMetrics.BINDING_CHANGES, "change", "keyless")).isEqualTo(1);
        assertThat(h.count(IngestMetrics.BINDING_CHANGES, "change", "ignored")).isEqualTo(2);
        // The binding to an over-long customer ID reaches the replica as a release; the other two never do.
        assertThat(h.count(IngestMetrics.BINDING_CHANGES, "change", "released")).isEqualTo(1);
        assertThat(h.count(IngestMetrics.BINDING_CHANGES, "change", "bound")).isZero();
        h.send("t1", "ops@acme.example");
        assertThat(h.status("t1").getStatus()).isEqualTo(UsageStatus.PENDING);
    }

    @Test
    void attributesUsageSentUnderABoundAliasThroughTheAlias() {
        h.bind("ops@acme.example", ACME);
        h.send("t1", "ops@acme.example");

        List<KeyValue<String, ResolvedUsage>> out = h.resolvedKeyValues();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key).isEqualTo(ACME);
        assertThat(out.get(0).value.getIdentifier()).isEqualTo("ops@acme.example");
        assertThat(out.get(0).value.getResolution()).isEqualTo(Resolution.ALIAS);
    }

    @Test
    void comparesIdentifiersExactlyAndCaseSensitively() {
        h.bind("Ops@Acme", ACME);
        h.send("t1", "ops@acme");

        assertThat(h.resolved.isEmpty()).isTrue();
        assertThat(h.status("t1").getStatus()).isEqualTo(UsageStatus.PENDING);
    }

    @Test
    void marksUsageOfAnArchivedCustomerAsArchivedAndStillAttributesIt() {
        h.bindArchived("legacy-key", ACME);
        h.send("t1", "legacy-key");

        ResolvedUsage usage = h.resolved.readValue();
        assertThat(usage.getCustomerId()).isEqualTo(ACME);
        assertThat(usage.getArchived()).isTrue();
    }

    @Test
    void parksUsageOfAnUnknownAliasAndReplaysItWhenTheAliasIsAttached() {
        h.send("t1", "new-org");
        h.send("t2", "new-org");
        h.send("t3", "other-org");
        assertThat(h.resolved.isEmpty()).isTrue();
        assertThat(h.status("t1").getStatus()).isEqualTo(UsageStatus.PENDING);
        assertThat(h.count(IngestMetrics.OUTCOMES, "outcome", "pending")).isEqualTo(3);

        h.advance(Duration.ofMinutes(10));
        h.bind("new-org", ACME);

        List<KeyValue<String, ResolvedUsage>> out = h.resolvedKeyValues();
        assertThat(out).extracting(kv -> kv.key).containsOnly(ACME);
        assertThat(out).extracting(kv -> kv.value.getTransactionId()).containsExactlyInAnyOrder("t1", "t2");
        assertThat(out).allSatisfy(kv -> {
            assertThat(kv.value.getKind()).isEqualTo(UsageKind.ASSIGN);
            assertThat(kv.value.getResolution()).isEqualTo(Resolution.REPLAYED);
            assertThat(kv.value.getIngestedAt()).isEqualTo(IngestHarness.START);
            assertThat(kv.value.getResolvedAt()).isEqualTo(h.now());
        });
        assertThat(h.status("t1").getStatus()).isEqualTo(UsageStatus.ATTRIBUTED);
        assertThat(h.status("t3").getStatus()).isEqualTo(UsageStatus.PENDING);
        assertThat(h.count(IngestMetrics.REPLAYED)).isEqualTo(2);

        // Left the pending store: binding again replays nothing.
        h.release("new-org");
        h.bind("new-org", ACME);
        assertThat(h.resolved.isEmpty()).isTrue();
    }

    @Test
    void replaysUsageSentUnderACustomerIdBeforeTheCustomerExistedAndNeverMovesIt() {
        h.send("t1", ACME);
        assertThat(h.resolved.isEmpty()).isTrue();

        h.bindCustomer(ACME);
        ResolvedUsage replayed = h.resolved.readValue();
        assertThat(replayed.getCustomerId()).isEqualTo(ACME);
        assertThat(replayed.getResolution()).isEqualTo(Resolution.REPLAYED);
        assertThat(h.status("t1").getIndexed()).isFalse();
    }

    @Test
    void neverMovesUsageSentUnderACustomersOwnId() {
        h.bindCustomer(ACME);
        h.send("t1", ACME);
        h.resolved.readValue();

        // Even a (hypothetical) rebinding of the ID finds nothing to move.
        h.release(ACME);
        h.bind(ACME, GLOBEX);
        assertThat(h.resolved.isEmpty()).isTrue();
        assertThat(h.status("t1").getCustomerId()).isEqualTo(ACME);
    }

    @Test
    void movesUsageWhenAnAliasIsRemovedFromOneCustomerAndBoundToAnother() {
        h.bind("shared-key", ACME);
        h.send("t1", "shared-key");
        h.send("t2", "shared-key");
        h.resolved.readValuesToList();

        h.release("shared-key");
        h.send("t3", "shared-key"); // unbound now: parked
        assertThat(h.resolved.isEmpty()).isTrue();

        h.bind("shared-key", GLOBEX);
        List<KeyValue<String, ResolvedUsage>> out = h.resolvedKeyValues();
        assertThat(out).hasSize(5);
        for (String txn : List.of("t1", "t2")) {
            List<KeyValue<String, ResolvedUsage>> moves = out.stream()
                    .filter(kv -> kv.value.getTransactionId().equals(txn)).toList();
            assertThat(moves).extracting(kv -> kv.key, kv -> kv.value.getKind(), kv -> kv.value.getResolution())
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(ACME, UsageKind.RETRACT, Resolution.REASSIGNED),
                            org.assertj.core.groups.Tuple.tuple(GLOBEX, UsageKind.ASSIGN, Resolution.REASSIGNED));
            assertThat(moves).allSatisfy(kv -> assertThat(kv.value.getCustomerId()).isEqualTo(kv.key));
        }
        KeyValue<String, ResolvedUsage> replayed = out.stream()
                .filter(kv -> kv.value.getTransactionId().equals("t3")).findFirst().orElseThrow();
        assertThat(replayed.key).isEqualTo(GLOBEX);
        assertThat(replayed.value.getResolution()).isEqualTo(Resolution.REPLAYED);
        assertThat(h.count(IngestMetrics.REASSIGNED)).isEqualTo(2);
        assertThat(h.count(IngestMetrics.RETRACTED)).isEqualTo(2);
        assertThat(h.count(IngestMetrics.REPLAYED)).isEqualTo(1);
        assertThat(h.status("t1").getCustomerId()).isEqualTo(GLOBEX);

        // New usage goes to the new owner directly.
        h.send("t4", "shared-key");
        assertThat(h.resolvedKeyValues()).extracting(kv -> kv.key).containsExactly(GLOBEX);
    }

    @Test
    void movesUsageAgainWhenTheAliasMovesAgain() {
        h.bind("k", ACME);
        h.send("t1", "k");
        h.bind("k", GLOBEX);
        h.bind("k", "c0a8e3b2-0000-4000-8000-000000000003");

        List<KeyValue<String, ResolvedUsage>> out = h.resolvedKeyValues();
        assertThat(out).extracting(kv -> kv.key, kv -> kv.value.getKind()).containsExactly(
                org.assertj.core.groups.Tuple.tuple(ACME, UsageKind.ASSIGN),
                org.assertj.core.groups.Tuple.tuple(ACME, UsageKind.RETRACT),
                org.assertj.core.groups.Tuple.tuple(GLOBEX, UsageKind.ASSIGN),
                org.assertj.core.groups.Tuple.tuple(GLOBEX, UsageKind.RETRACT),
                org.assertj.core.groups.Tuple.tuple("c0a8e3b2-0000-4000-8000-000000000003", UsageKind.ASSIGN));
    }

    @Test
    void movesNothingWhenAnAliasIsReboundToTheCustomerItAlreadyHad() {
        h.bind("k", ACME);
        h.send("t1", "k");
        h.resolved.readValue();

        h.release("k");
        h.send("t2", "k");
        h.bind("k", ACME);

        List<KeyValue<String, ResolvedUsage>> out = h.resolvedKeyValues();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).value.getTransactionId()).isEqualTo("t2");
        assertThat(out.get(0).value.getResolution()).isEqualTo(Resolution.REPLAYED);
        assertThat(h.count(IngestMetrics.RETRACTED)).isZero();
    }

    @Test
    void movesNothingWhenOnlyTheArchivedFlagChangesButNewUsageCarriesIt() {
        h.bind("k", ACME);
        h.send("t1", "k");
        h.resolved.readValue();

        h.bindArchived("k", ACME);
        assertThat(h.resolved.isEmpty()).isTrue();

        h.send("t2", "k");
        ResolvedUsage next = h.resolved.readValue();
        assertThat(next.getArchived()).isTrue();
        assertThat(next.getResolution()).isEqualTo(Resolution.ALIAS);
    }

    @Test
    void releasingAnAliasParksItsNewUsageAndMovesNothingYet() {
        h.bind("k", ACME);
        h.send("t1", "k");
        h.resolved.readValue();

        h.release("k");
        h.send("t2", "k");

        assertThat(h.resolved.isEmpty()).isTrue();
        assertThat(h.status("t1").getCustomerId()).isEqualTo(ACME);
        assertThat(h.status("t2").getStatus()).isEqualTo(UsageStatus.PENDING);
    }

    @Test
    void doesNotMoveUsageOlderThanTheAttributionHorizon() {
        try (IngestHarness short_ = new IngestHarness(stateDir.resolve("short"),
                Map.of(IngestConfig.ATTRIBUTION_HORIZON, "2d", IngestConfig.DEDUP_HORIZON, "5d",
                        IngestConfig.MAX_EVENT_AGE, "5d"))) {
            short_.bind("k", ACME);
            short_.send("old", "k");
            short_.advance(Duration.ofDays(3));
            short_.send("recent", "k");
            short_.resolved.readValuesToList();

            short_.release("k");
            short_.bind("k", GLOBEX);

            assertThat(short_.resolvedKeyValues())
                    .extracting(kv -> kv.value.getTransactionId()).containsOnly("recent");
            assertThat(short_.status("old").getCustomerId()).isEqualTo(ACME);
        }
    }
}
