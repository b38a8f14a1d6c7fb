package io.meterflow.ingest;

import static io.meterflow.ingest.AggregationSupport.event;
import static io.meterflow.ingest.AggregationSupport.metric;
import static io.meterflow.ingest.AggregationSupport.num;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.ingest.aggregate.AggregateLedger;
import io.meterflow.ingest.aggregate.AggregationMetrics;
import io.meterflow.ingest.aggregate.BackfillStatus;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Bound;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.WindowSize;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageAggregate;
import io.meterflow.schemas.internal.ingest.AggregateState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The aggregation in ingest-stream's real topology: usage in, bindings in, metrics in; aggregates out. */
class AggregationTest {

    static final String A = "c0a8e3b2-0000-4000-8000-00000000000a";
    static final String B = "c0a8e3b2-0000-4000-8000-00000000000b";
    static final String ALIAS = "ops@acme.example";
    static final Instant HOUR = Instant.parse("2026-11-22T09:00:00Z");
    static final Instant T1 = HOUR.plusSeconds(600);
    static final Instant T2 = HOUR.plusSeconds(1200);
    static final Instant T3 = HOUR.plusSeconds(1800);
    static final Instant EARLIER = HOUR.minus(Duration.ofHours(5));

    @TempDir
    Path stateDir;
    IngestHarness h;
    AggregationSupport a;

    @BeforeEach
    void start() {
        h = new IngestHarness(stateDir);
        a = new AggregationSupport(h);
        h.bindCustomer(A);
        h.bindCustomer(B);
        h.bind(ALIAS, A);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    /** Moves ALIAS to B: every event sent under it is retracted from A and assigned to B. */
    private void moveAliasToB() {
        h.bind(ALIAS, B);
    }

    @Test
    void countAddsAssignsAndAMoveTakesUsageFromOneCustomerToTheOtherInEachHour() {
        a.define(metric("count", AggregationType.COUNT, null, List.of()).build());
        h.send(event("t1", A, T1));
        h.send(event("t2", ALIAS, T2));
        h.send(event("t3", ALIAS, T3));
        h.send(event("t4", ALIAS, EARLIER.plusSeconds(5)));
        assertThat(a.value(A, "count", HOUR)).isEqualTo("3");
        assertThat(a.value(A, "count", EARLIER)).isEqualTo("1");

        moveAliasToB();

        assertThat(a.value(A, "count", HOUR)).isEqualTo("1");
        assertThat(a.value(B, "count", HOUR)).isEqualTo("2");
        assertThat(a.value(A, "count", EARLIER)).isEqualTo("0");
        assertThat(a.value(B, "count", EARLIER)).isEqualTo("1");
        UsageAggregate published = a.publishedTotal(B, "count", HOUR);
        assertThat(published.getValue()).isEqualTo("2");
        assertThat(published.getEventCount()).isEqualTo(2);
        assertThat(published.getWindowStart()).isEqualTo(HOUR);
        assertThat(published.getWindowEnd()).isEqualTo(HOUR.plusSeconds(3600));
        assertThat(published.getAggregationType()).isEqualTo("COUNT");
        assertThat(published.getBillableMetricName()).isEqualTo("metric count");
        assertThat(a.publishedTotal(A, "count", HOUR).getValue()).isEqualTo("1");
        assertThat(h.count(AggregationMetrics.RECORDS, "kind", "assign")).isEqualTo(7);
        assertThat(h.count(AggregationMetrics.RECORDS, "kind", "retract")).isEqualTo(3);
    }

    @Test
    void sumIsExactOnTheEventsDecimals() {
        a.define(metric("sum", AggregationType.SUM, "price", List.of()).build());
        h.send(event("t1", A, T1, "price", num("0.1")));
        h.send(event("t2", ALIAS, T2, "price", num("0.2")));
        h.send(event("t3", A, T3, "price", num("12345678901234567890")));
        assertThat(a.value(A, "sum", HOUR)).isEqualTo("12345678901234567890.3");

        moveAliasToB();

        assertThat(a.value(A, "sum", HOUR)).isEqualTo("12345678901234567890.1");
        assertThat(a.value(B, "sum", HOUR)).isEqualTo("0.2");
    }

    @Test
    void sumOfPointOneAndPointTwoIsPointThree() {
        a.define(metric("sum", AggregationType.SUM, "price", List.of()).build());
        h.send(event("t1", A, T1, "price", num("0.1")));
        h.send(event("t2", A, T2, "price", num("0.2")));
        assertThat(a.value(A, "sum", HOUR)).isEqualTo("0.3");
        assertThat(a.publishedTotal(A, "sum", HOUR).getValue()).isEqualTo("0.3");
    }

    @Test
    void maxFallsBackToTheNextValueWhenTheMaxIsRetracted() {
        a.define(metric("max", AggregationType.MAX, "cpu", List.of()).build());
        h.send(event("t1", A, T1, "cpu", num("5")));
        h.send(event("t2", ALIAS, T2, "cpu", num("9.50")));
        h.send(event("t3", A, T3, "cpu", num("2")));
        assertThat(a.value(A, "max", HOUR)).isEqualTo("9.5");

        moveAliasToB();

        assertThat(a.value(A, "max", HOUR)).isEqualTo("5");
        assertThat(a.value(B, "max", HOUR)).isEqualTo("9.5");
        assertThat(a.publishedTotal(A, "max", HOUR).getValue()).isEqualTo("5");
    }

    @Test
    void maxKeepsAValueTwoEventsShareWhenOneOfThemIsRetracted() {
        a.define(metric("max", AggregationType.MAX, "cpu", List.of()).build());
        h.send(event("t1", A, T1, "cpu", num("7")));
        h.send(event("t2", ALIAS, T2, "cpu", num("7.0")));
        moveAliasToB();
        assertThat(a.value(A, "max", HOUR)).isEqualTo("7");
        assertThat(a.total(A, "max", HOUR).getEventCount()).isEqualTo(1);
    }

    @Test
    void uniqueKeepsASharedValueWhenOneOfItsEventsIsRetracted() {
        a.define(metric("users", AggregationType.UNIQUE, "user", List.of()).build());
        h.send(event("t1", A, T1, "user", "alice"));
        h.send(event("t2", ALIAS, T2, "user", "alice"));
        h.send(event("t3", ALIAS, T3, "user", "bob"));
        assertThat(a.value(A, "users", HOUR)).isEqualTo("2");

        moveAliasToB();

        assertThat(a.value(A, "users", HOUR)).isEqualTo("1");
        assertThat(a.value(B, "users", HOUR)).isEqualTo("2");
    }

    @Test
    void latestFallsBackToTheEarlierEventWhenTheLatestIsRetracted() {
        a.define(metric("latest", AggregationType.LATEST, "seats", List.of()).build());
        h.send(event("t1", A, T1, "seats", num("10")));
        h.send(event("t3", ALIAS, T3, "seats", num("30")));
        h.send(event("t2", A, T2, "seats", num("20")));
        assertThat(a.value(A, "latest", HOUR)).isEqualTo("30");

        moveAliasToB();

        assertThat(a.value(A, "latest", HOUR)).isEqualTo("20");
        assertThat(a.total(A, "latest", HOUR).getLatestEventTime()).isEqualTo(T2.toEpochMilli());
        assertThat(a.value(B, "latest", HOUR)).isEqualTo("30");
    }

    @Test
    void latestBreaksATieOnEventTimeByTheGreaterTransactionId() {
        a.define(metric("latest", AggregationType.LATEST, "seats", List.of()).build());
        h.send(event("t-b", A, T1, "seats", num("2")));
        h.send(event("t-a", A, T1, "seats", num("1")));
        assertThat(a.value(A, "latest", HOUR)).isEqualTo("2");
    }

    @Test
    void aLateEventUpdatesItsPastHourAndIsCountedLate() {
        a.define(metric("count", AggregationType.COUNT, null, List.of()).build());
        Instant daysAgo = HOUR.minus(Duration.ofDays(3));
        h.send(event("old", A, daysAgo.plusSeconds(5)));
        assertThat(a.value(A, "count", daysAgo)).isEqualTo("1");
        assertThat(h.count(AggregationMetrics.UPDATES, "window", "late")).isEqualTo(1);

        h.send(event("now", A, h.now().plusSeconds(60)));
        assertThat(h.count(AggregationMetrics.UPDATES, "window", "current")).isEqualTo(1);
    }

    @Test
    void aDuplicateUsageEventChangesNothing() {
        a.define(metric("count", AggregationType.COUNT, null, List.of()).build());
        h.send(event("t1", A, T1));
        a.drain();
        h.send(event("t1", A, T1));
        h.send(event("t1", ALIAS, T2));
        assertThat(a.value(A, "count", HOUR)).isEqualTo("1");
        a.flush();
        assertThat(h.aggregates.isEmpty()).isTrue();
    }

    @Test
    void groupKeysGiveOneRowPerValueBesideTheTotalAndAMissingPropertyIsANullGroup() {
        a.define(metric("sum", AggregationType.SUM, "cpu", List.of(List.of("region"))).build());
        h.send(event("t1", A, T1, "cpu", num("1"), "region", "EU"));
        h.send(event("t2", A, T2, "cpu", num("2"), "region", "EU"));
        h.send(event("t3", A, T3, "cpu", num("4"), "region", "NA"));
        h.send(event("t4", A, T3, "cpu", num("8")));
        h.send(event("t5", A, T3, "cpu", num("16"), "region", num("1.0")));

        assertThat(a.value(A, "sum", HOUR)).isEqualTo("31");
        assertThat(a.slice(A, "sum", HOUR, 1, "EU").getValue()).isEqualTo("3");
        assertThat(a.slice(A, "sum", HOUR, 1, "NA").getValue()).isEqualTo("4");
        assertThat(a.slice(A, "sum", HOUR, 1, (String) null).getValue()).isEqualTo("8");
        assertThat(a.slice(A, "sum", HOUR, 1, "1.0").getValue()).isEqualTo("16");
        assertThat(a.publishedGroup(A, "sum", HOUR, "region", null).getValue()).isEqualTo("8");
        assertThat(a.publishedGroup(A, "sum", HOUR, "region", "EU").getEventCount()).isEqualTo(2);
    }

    @Test
    void aNonNumericOrOutOfRangeValueIsCountedAndContributesNothing() {
        a.define(metric("sum", AggregationType.SUM, "price", List.of()).build());
        h.send(event("t1", A, T1, "price", num("1")));
        h.send(event("t2", A, T1, "price", "12"));
        h.send(event("t3", A, T1, "price", new JsonValue(true)));
        h.send(event("t4", A, T1, "price", num("1e999999999")));
        h.send(event("t5", A, T1, "price", num("0.12345678901234567890123456789012345678901")));

        AggregateState total = a.total(A, "sum", HOUR);
        assertThat(total.getValue()).isEqualTo("1");
        assertThat(total.getEventCount()).isEqualTo(1);
        assertThat(h.count(AggregationMetrics.VALUE_ERRORS, "reason", "not_numeric")).isEqualTo(2);
        assertThat(h.count(AggregationMetrics.VALUE_ERRORS, "reason", "out_of_range")).isEqualTo(2);
    }

    @Test
    void filtersCompareTheTextFormOfPropertyValues() {
        BillableMetric metric = metric("f", AggregationType.COUNT, null, List.of())
                .setPropertyFilters(List.of(
                        io.meterflow.ingest.billablemetrics.SampleMetrics.filter("tier").setInValues(
                                List.of("gold", "2", "true")).build(),
                        io.meterflow.ingest.billablemetrics.SampleMetrics.filter("region").setNotInValues(
                                List.of("EU")).build()))
                .build();
        a.define(metric);
        h.send(event("t1", A, T1, "tier", "gold"));
        h.send(event("t2", A, T1, "tier", num("2")));
        h.send(event("t3", A, T1, "tier", new JsonValue(true)));
        h.send(event("t4", A, T1, "tier", num("2.0")));
        h.send(event("t5", A, T1, "tier", "gold", "region", "EU"));
        h.send(event("t6", A, T1, "tier", "gold", "region", new JsonValue((Object) null)));
        h.send(event("t7", A, T1));
        assertThat(a.value(A, "f", HOUR)).isEqualTo("4");
    }

    @Test
    void aMetricCreatedAfterUsageWasAttributedIsBackfilledFromTheHeldUsage() {
        h.send(event("t1", A, T1, "price", num("0.1")));
        h.send(event("t2", ALIAS, T2, "price", num("0.2")));
        h.send(event("t3", B, T3, "price", num("5")));
        moveAliasToB();

        a.define(metric("sum", AggregationType.SUM, "price", List.of()).build());

        assertThat(a.value(A, "sum", HOUR)).isEqualTo("0.1");
        assertThat(a.value(B, "sum", HOUR)).isEqualTo("5.2");
        assertThat(h.count(AggregationMetrics.BACKFILL_EVENTS)).isEqualTo(3);
        BackfillStatus status = a.hosted().backfill("sum");
        assertThat(status.running()).isFalse();
        assertThat(status.completeFrom()).isEqualTo(Instant.parse("2026-10-20T11:00:00Z"));
    }

    @Test
    void aMetricCreatedWhileUsageMovesIsExactWhenItsBackfillEnds(@TempDir Path other) {
        try (IngestHarness small = new IngestHarness(other, Map.of("aggregation.backfill.chunk.size", "2"))) {
            AggregationSupport s = new AggregationSupport(small);
            small.bindCustomer(A);
            small.bindCustomer(B);
            small.bind(ALIAS, A);
            for (int i = 0; i < 6; i++) {
                small.send(event("t" + i, ALIAS, T1, "price", num("1")));
            }
            small.send(event("direct", A, T1, "price", num("100")));
            s.define(metric("sum", AggregationType.SUM, "price", List.of()).build());
            assertThat(s.hosted().backfill("sum").running()).isTrue();

            small.bind(ALIAS, B); // moves all six while the backfill has folded only two
            small.send(event("t9", ALIAS, T2, "price", num("10")));
            small.send(event("t0-late", A, T2, "price", num("1000")));
            for (int i = 0; i < 10; i++) {
                small.advance(Duration.ofSeconds(1));
            }

            assertThat(s.hosted().backfill("sum").running()).isFalse();
            assertThat(s.value(A, "sum", HOUR)).isEqualTo("1100");
            assertThat(s.value(B, "sum", HOUR)).isEqualTo("16");
            assertThat(s.total(B, "sum", HOUR).getEventCount()).isEqualTo(7);
            assertThat(small.count(AggregationMetrics.RECORDS, "kind", "unmatched_retract")).isZero();
        }
    }

    @Test
    void aDefinitionChangedInPlaceIsRebuiltFromTheHeldUsageAndTheOldVersionSwept() {
        BillableMetric eu = metric("sum", AggregationType.SUM, "price", List.of()).setPropertyFilters(List.of(
                io.meterflow.ingest.billablemetrics.SampleMetrics.filter("price").setExists(true).build(),
                io.meterflow.ingest.billablemetrics.SampleMetrics.filter("region").setInValues(List.of("EU"))
                        .build())).build();
        a.define(eu);
        h.send(event("t1", A, T1, "price", num("1"), "region", "EU"));
        h.send(event("t2", A, T1, "price", num("10"), "region", "NA"));
        assertThat(a.value(A, "sum", HOUR)).isEqualTo("1");
        long before = a.version("sum");

        BillableMetric na = BillableMetric.newBuilder(eu).setPropertyFilters(List.of(
                io.meterflow.ingest.billablemetrics.SampleMetrics.filter("price").setExists(true).build(),
                io.meterflow.ingest.billablemetrics.SampleMetrics.filter("region").setInValues(List.of("NA"))
                        .build())).setUpdatedAt(h.now()).build();
        a.define(na);
        h.send(event("t3", A, T2, "price", num("100"), "region", "NA"));

        assertThat(a.version("sum")).isGreaterThan(before);
        assertThat(a.value(A, "sum", HOUR)).isEqualTo("110");
        assertThat(a.hosted().usage(A, na, null, null, WindowSize.HOUR, HOUR, HOUR.plusSeconds(3600), Bound.all())
                .get(0).value()).isEqualByComparingTo("110");
        assertThat(count(a.rows().all())).isEqualTo(2);
        h.advance(Duration.ofMinutes(1)); // the sweep drops the old version's row
        assertThat(count(a.rows().all())).isEqualTo(1);
    }

    @Test
    void anArchivedMetricStopsFoldingAndKeepsItsAggregates() {
        BillableMetric count = metric("count", AggregationType.COUNT, null, List.of()).build();
        a.define(count);
        h.send(event("t1", A, T1));
        a.define(BillableMetric.newBuilder(count).setArchivedAt(h.now()).setUpdatedAt(h.now()).build());
        h.send(event("t2", A, T2));
        moveAliasToB();
        assertThat(a.value(A, "count", HOUR)).isEqualTo("1");
    }

    @Test
    void theSweepDropsHeldEventsAndMaxValuesPastTheirHorizonsButKeepsUniqueValuesAndTheRows(@TempDir Path other) {
        Map<String, String> shortHorizons = Map.of("pending.horizon", "2h", "dedup.horizon", "2h",
                "attribution.horizon", "2h", "validation.max.event.age", "2h", "sweep.interval", "1m");
        try (IngestHarness small = new IngestHarness(other, shortHorizons)) {
            AggregationSupport s = new AggregationSupport(small);
            small.bindCustomer(A);
            s.define(metric("max", AggregationType.MAX, "cpu", List.of()).build());
            s.define(metric("users", AggregationType.UNIQUE, "user", List.of()).build());
            small.send(event("t1", A, T1, "cpu", num("5"), "user", "ann"));
            var values = small.driver.<org.apache.kafka.common.utils.Bytes, byte[]>getKeyValueStore(
                    AggregateLedger.VALUES);
            var events = small.driver.getKeyValueStore(AggregateLedger.EVENTS);
            assertThat(count(values.all())).isEqualTo(2);
            assertThat(count(events.all())).isEqualTo(1);

            small.advance(Duration.ofHours(2).plusMinutes(2)); // past the held events' 2 h
            assertThat(count(events.all())).isZero();
            assertThat(count(values.all())).isEqualTo(2);

            small.advance(Duration.ofHours(5)); // past hour end + age 2 h + replay or move 2 h + held 2 h
            assertThat(count(values.all())).isEqualTo(1); // UNIQUE's distinct value stays
            assertThat(s.value(A, "max", HOUR)).isEqualTo("5");
            assertThat(s.value(A, "users", HOUR)).isEqualTo("1");
        }
    }

    @Test
    void rowsAndUniqueValuesAreDroppedOnceTheRetentionHasPassedAndNotBefore(@TempDir Path other) {
        Map<String, String> shortHorizons = Map.of("pending.horizon", "2h", "dedup.horizon", "2h",
                "attribution.horizon", "2h", "validation.max.event.age", "2h", "sweep.interval", "1m",
                "aggregation.retention", "8h");
        try (IngestHarness small = new IngestHarness(other, shortHorizons)) {
            AggregationSupport s = new AggregationSupport(small);
            small.bindCustomer(A);
            s.define(metric("count", AggregationType.COUNT, null, List.of()).build());
            s.define(metric("users", AggregationType.UNIQUE, "user", List.of()).build());
            small.send(event("t1", A, T1, "user", "ann"));
            var values = small.driver.<org.apache.kafka.common.utils.Bytes, byte[]>getKeyValueStore(
                    AggregateLedger.VALUES);
            var rows = small.driver.getKeyValueStore(AggregateLedger.AGGREGATES);
            assertThat(count(rows.all())).isEqualTo(2);

            small.advance(Duration.ofHours(7)); // within hour end + 8 h
            assertThat(count(rows.all())).isEqualTo(2);
            assertThat(count(values.all())).isEqualTo(1);
            assertThat(s.value(A, "users", HOUR)).isEqualTo("1");

            small.advance(Duration.ofHours(3)); // past it
            assertThat(count(rows.all())).isZero();
            assertThat(count(values.all())).isZero();
            assertThat(s.value(A, "count", HOUR)).as("no row").isNull();
        }
    }

    @Test
    void aRetentionShorterThanTheTimeAWindowCanStillChangeIsRefusedNamingTheKeys() {
        Map<String, String> settings = Map.of("pending.horizon", "2h", "dedup.horizon", "2h",
                "attribution.horizon", "2h", "validation.max.event.age", "2h", "aggregation.retention", "5h");
        assertThatThrownBy(() -> io.meterflow.ingest.IngestConfig.from(io.meterflow.config.Settings.of(settings)))
                .hasMessageContaining("aggregation.retention (5h) is shorter than")
                .hasMessageContaining("validation.max.event.age");
    }

    private static int count(org.apache.kafka.streams.state.KeyValueIterator<?, ?> it) {
        int n = 0;
        try (it) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    @Test
    void aMetricWhoseIdIsLongerThanAKeyMayHoldIsNotAggregated() {
        String longId = "m".repeat(600);
        a.define(metric(longId, AggregationType.COUNT, null, List.of()).build());
        h.send(event("t1", A, T1));
        assertThat(a.hosted().backfill(longId)).isNull();
        a.flush();
        assertThat(h.aggregates.isEmpty()).isTrue();
    }

    @Test
    void anUnreadableRecordOnUsageResolvedIsCountedAndSkipped() {
        a.define(metric("count", AggregationType.COUNT, null, List.of()).build());
        h.resolvedRaw.pipeInput(A.getBytes(), new byte[] {0, 0, 0, 0, 42, 1, 2});
        h.resolvedRaw.pipeInput(A.getBytes(), (byte[]) null);
        h.send(event("t1", A, T1));
        assertThat(h.count(AggregationMetrics.RECORDS, "kind", "unreadable")).isEqualTo(2);
        assertThat(a.value(A, "count", HOUR)).isEqualTo("1");
    }

    @Test
    void theAggregationCanBeTurnedOff(@TempDir Path other) {
        try (IngestHarness off = new IngestHarness(other, Map.of("aggregation.enabled", "false"))) {
            assertThat(off.driver.getAllStateStores()).doesNotContainKey(AggregateLedger.AGGREGATES);
            off.bindCustomer(A);
            off.send(event("t1", A, T1));
            off.advance(off.config.aggregationPublishInterval());
            assertThat(off.aggregates.isEmpty()).isTrue();
        }
    }
}
