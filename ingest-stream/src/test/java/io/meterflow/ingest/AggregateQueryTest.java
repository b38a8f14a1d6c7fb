package io.meterflow.ingest;

import static io.meterflow.ingest.AggregationSupport.event;
import static io.meterflow.ingest.AggregationSupport.metric;
import static io.meterflow.ingest.AggregationSupport.num;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.ingest.aggregate.HostedAggregates;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Bound;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Group;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.WindowSize;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.WindowValue;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Windows derived from the hourly rows, read from the TopologyTestDriver's stores through {@link HostedAggregates}. */
class AggregateQueryTest {

    static final String A = "c0a8e3b2-0000-4000-8000-00000000000a";
    static final String B = "c0a8e3b2-0000-4000-8000-00000000000b";
    static final Instant DAY = Instant.parse("2026-11-21T00:00:00Z");
    static final Instant H5 = DAY.plus(Duration.ofHours(5));
    static final Instant H6 = DAY.plus(Duration.ofHours(6));

    @TempDir
    Path stateDir;
    IngestHarness h;
    AggregationSupport a;
    HostedAggregates query;
    BillableMetric users;
    BillableMetric peak;

    @BeforeEach
    void start() {
        h = new IngestHarness(stateDir);
        a = new AggregationSupport(h);
        h.bindCustomer(A);
        h.bindCustomer(B);
        users = metric("users", AggregationType.UNIQUE, "user", List.of(List.of("region"))).build();
        peak = metric("peak", AggregationType.MAX, "cpu", List.of()).build();
        a.define(users);
        a.define(peak);
        h.send(event("t1", A, H5.plusSeconds(1), "user", "ann", "region", "EU", "cpu", num("3")));
        h.send(event("t2", A, H5.plusSeconds(2), "user", "bob", "region", "EU", "cpu", num("1")));
        h.send(event("t3", A, H6.plusSeconds(1), "user", "bob", "region", "EU", "cpu", num("2")));
        h.send(event("t4", A, H6.plusSeconds(2), "user", "cid", "region", "EU"));
        h.send(event("t5", A, H6.plusSeconds(3), "user", "dan", "region", "NA"));
        h.send(event("t6", B, H6.plusSeconds(3), "user", "eve", "region", "NA"));
        query = a.hosted();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static List<BigDecimal> values(List<WindowValue> windows) {
        return windows.stream().map(WindowValue::value).toList();
    }

    @Test
    void hourWindowsAreTheRowsAndHoursWithoutUsageAreZeroForUnique() {
        List<WindowValue> hours = query.usage(A, users, null, null, WindowSize.HOUR, H5, H5.plus(Duration.ofHours(3)), Bound.all());
        assertThat(values(hours)).containsExactly(BigDecimal.valueOf(2), BigDecimal.valueOf(3), BigDecimal.ZERO);
        assertThat(hours.get(1).start()).isEqualTo(H6);
        assertThat(hours.get(1).end()).isEqualTo(H6.plus(Duration.ofHours(1)));
        assertThat(hours.get(0).group()).isNull();
    }

    @Test
    void aDayOfUniqueIsTheUnionOfItsHoursDistinctValuesNotTheSumOfTheirCounts() {
        List<WindowValue> days = query.usage(A, users, null, null, WindowSize.DAY, DAY, DAY.plus(Duration.ofDays(2)), Bound.all());
        assertThat(values(days)).containsExactly(BigDecimal.valueOf(4), BigDecimal.ZERO);
        List<WindowValue> period = query.usage(A, users, null, null, WindowSize.NONE, DAY, DAY.plus(Duration.ofDays(2)), Bound.all());
        assertThat(period).hasSize(1);
        assertThat(period.get(0).value()).isEqualTo(BigDecimal.valueOf(4));
        assertThat(period.get(0).end()).isEqualTo(DAY.plus(Duration.ofDays(2)));
    }

    @Test
    void maxOverADayIsTheLargestHourAndAWindowWithoutUsageIsNull() {
        List<WindowValue> hours = query.usage(A, peak, null, null, WindowSize.HOUR, H5, H5.plus(Duration.ofHours(3)), Bound.all());
        assertThat(values(hours)).containsExactly(BigDecimal.valueOf(3), BigDecimal.valueOf(2), null);
        assertThat(query.usage(A, peak, null, null, WindowSize.DAY, DAY, DAY.plus(Duration.ofDays(1)), Bound.all()).get(0).value())
                .isEqualTo(BigDecimal.valueOf(3));
    }

    @Test
    void groupedWindowsListEveryGroupWithUsageInThePeriodOrderedByValueAndFilterByValue() {
        List<WindowValue> hours = query.usage(A, users, List.of("region"), Map.of(), WindowSize.HOUR, H5,
                H5.plus(Duration.ofHours(2)), Bound.all());
        assertThat(hours).extracting(WindowValue::start, WindowValue::group, WindowValue::value).containsExactly(
                org.assertj.core.groups.Tuple.tuple(H5, new Group(List.of("region"), List.of("EU")), BigDecimal.valueOf(2)),
                org.assertj.core.groups.Tuple.tuple(H5, new Group(List.of("region"), List.of("NA")), BigDecimal.ZERO),
                org.assertj.core.groups.Tuple.tuple(H6, new Group(List.of("region"), List.of("EU")), BigDecimal.valueOf(2)),
                org.assertj.core.groups.Tuple.tuple(H6, new Group(List.of("region"), List.of("NA")), BigDecimal.ONE));

        List<WindowValue> eu = query.usage(A, users, List.of("region"), Map.of("region", List.of("EU")),
                WindowSize.DAY, DAY, DAY.plus(Duration.ofDays(1)), Bound.all());
        assertThat(eu).extracting(WindowValue::value).containsExactly(BigDecimal.valueOf(3));
    }

    @Test
    void windowsMustBeOnBoundariesAndTheGroupKeyOneOfTheMetrics() {
        assertThatThrownBy(() -> query.usage(A, users, null, null, WindowSize.DAY, H5, H6, Bound.all()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> query.usage(A, users, List.of("user"), null, WindowSize.HOUR, H5, H6, Bound.all()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void uniqueOverManyHoursIsExactWhenItsValuesTakeSeveralPasses() {
        String c = "c0a8e3b2-0000-4000-8000-00000000000c";
        h.bindCustomer(c);
        BillableMetric visitors = metric("visitors", AggregationType.UNIQUE, "visitor", List.of(List.of("site")))
                .build();
        a.define(visitors);
        Map<Instant, Set<String>> byDay = new TreeMap<>();
        Map<Instant, Set<String>> siteA = new TreeMap<>();
        int n = 0;
        for (int day = 0; day < 3; day++) {
            for (int hour = 0; hour < 4; hour++) {
                for (int i = 0; i < 15; i++) {
                    String visitor = "visitor-" + (day * 17 + hour * 5 + i * 3) % 60; // hours and days overlap
                    String site = i % 2 == 0 ? "a" : "b";
                    Instant start = DAY.minus(Duration.ofDays(2 - day)); // before the harness's clock
                    h.send(event("v" + n++, c, start.plus(Duration.ofHours(hour * 5)).plusSeconds(i),
                            "visitor", visitor, "site", site));
                    byDay.computeIfAbsent(start, d -> new HashSet<>()).add(visitor);
                    if (site.equals("a")) {
                        siteA.computeIfAbsent(start, d -> new HashSet<>()).add(visitor);
                    }
                }
            }
        }
        Instant first = DAY.minus(Duration.ofDays(2));
        Instant end = DAY.plus(Duration.ofDays(1));
        Set<String> all = new HashSet<>();
        byDay.values().forEach(all::addAll);
        // about three values of "visitor-NN" fit a pass: the union is read in many passes, and starts over
        HostedAggregates small = a.hosted(300);
        for (HostedAggregates read : List.of(query, small)) {
            assertThat(read.usage(c, visitors, null, null, WindowSize.NONE, first, end, Bound.all()).get(0).value())
                    .isEqualTo(BigDecimal.valueOf(all.size()));
            assertThat(values(read.usage(c, visitors, null, null, WindowSize.DAY, first, end, Bound.all())))
                    .containsExactlyElementsOf(byDay.values().stream().map(v -> BigDecimal.valueOf(v.size())).toList());
            assertThat(values(read.usage(c, visitors, List.of("site"), Map.of("site", List.of("a")), WindowSize.DAY,
                    first, end, Bound.all())))
                    .containsExactlyElementsOf(siteA.values().stream().map(v -> BigDecimal.valueOf(v.size())).toList());
        }
        assertThat(all).hasSizeGreaterThan(20);
    }

    @Test
    void aUniqueUnionWaitsForOneOfTheInstancesPermitsAndGivesItBack() throws Exception {
        Semaphore unions = new Semaphore(0);
        HostedAggregates read = a.hosted(unions, HostedAggregates.UNION_PASS_BYTES);
        // one row per window needs no union and no permit
        assertThat(values(read.usage(A, users, null, null, WindowSize.HOUR, H5, H6.plus(Duration.ofHours(1)),
                Bound.all()))).containsExactly(BigDecimal.valueOf(2), BigDecimal.valueOf(3));
        CompletableFuture<List<WindowValue>> day = CompletableFuture.supplyAsync(() -> read.usage(A, users, null, null,
                WindowSize.DAY, DAY, DAY.plus(Duration.ofDays(1)), Bound.all()));
        Thread.sleep(300);
        assertThat(day).as("a union of two hours, without a permit").isNotDone();
        unions.release();
        assertThat(values(day.get(10, TimeUnit.SECONDS))).containsExactly(BigDecimal.valueOf(4));
        assertThat(unions.availablePermits()).isEqualTo(1);
    }

    @Test
    void aBoundedGroupedReadAnswersTheRowsOfTheWholeAnswerThatItsBoundNames() {
        List<WindowValue> whole = query.usage(A, users, List.of("region"), Map.of(), WindowSize.HOUR, H5,
                H5.plus(Duration.ofHours(2)), Bound.all());
        assertThat(whole).hasSize(4); // (H5, EU), (H5, NA), (H6, EU), (H6, NA)
        assertThat(query.usage(A, users, List.of("region"), Map.of(), WindowSize.HOUR, H5, H5.plus(Duration.ofHours(2)),
                Bound.firstGroups(1, null, 0))).containsExactly(whole.get(0), whole.get(2));
        for (int after = -1; after < whole.size(); after++) {
            Bound bound = after < 0 ? Bound.rowsAfter(2, null, null)
                    : Bound.rowsAfter(2, whole.get(after).start(), whole.get(after).group().values());
            assertThat(query.usage(A, users, List.of("region"), Map.of(), WindowSize.HOUR, H5,
                    H5.plus(Duration.ofHours(2)), bound)).as("after row " + after)
                    .containsExactlyElementsOf(whole.subList(after + 1, Math.min(whole.size(), after + 3)));
        }
        // the total is one row per window whatever the bound
        assertThat(query.usage(A, users, null, null, WindowSize.HOUR, H5, H5.plus(Duration.ofHours(3)),
                Bound.rowsAfter(1, null, null))).hasSize(3);
    }

    @Test
    void customersAreListedInIdOrderAfterTheCursor() {
        assertThat(query.customers(null, 10)).containsExactly(A, B);
        assertThat(query.customers(A, 10)).containsExactly(B);
        assertThat(query.customers(null, 1)).containsExactly(A);
    }
}
