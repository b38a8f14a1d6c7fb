package io.meterflow.ingest;

import static io.meterflow.ingest.AggregationSupport.event;
import static io.meterflow.ingest.AggregationSupport.metric;
import static io.meterflow.ingest.AggregationSupport.num;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.ingest.aggregate.HostedAggregates;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Group;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.WindowSize;
import io.meterflow.ingest.aggregate.UsageAggregatesQuery.WindowValue;
import io.meterflow.schemas.AggregationType;
import io.meterflow.schemas.BillableMetric;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
        List<WindowValue> hours = query.usage(A, users, null, null, WindowSize.HOUR, H5, H5.plus(Duration.ofHours(3)));
        assertThat(values(hours)).containsExactly(BigDecimal.valueOf(2), BigDecimal.valueOf(3), BigDecimal.ZERO);
        assertThat(hours.get(1).start()).isEqualTo(H6);
        assertThat(hours.get(1).end()).isEqualTo(H6.plus(Duration.ofHours(1)));
        assertThat(hours.get(0).group()).isNull();
    }

    @Test
    void aDayOfUniqueIsTheUnionOfItsHoursDistinctValuesNotTheSumOfTheirCounts() {
        List<WindowValue> days = query.usage(A, users, null, null, WindowSize.DAY, DAY, DAY.plus(Duration.ofDays(2)));
        assertThat(values(days)).containsExactly(BigDecimal.valueOf(4), BigDecimal.ZERO);
        List<WindowValue> period = query.usage(A, users, null, null, WindowSize.NONE, DAY, DAY.plus(Duration.ofDays(2)));
        assertThat(period).hasSize(1);
        assertThat(period.get(0).value()).isEqualTo(BigDecimal.valueOf(4));
        assertThat(period.get(0).end()).isEqualTo(DAY.plus(Duration.ofDays(2)));
    }

    @Test
    void maxOverADayIsTheLargestHourAndAWindowWithoutUsageIsNull() {
        List<WindowValue> hours = query.usage(A, peak, null, null, WindowSize.HOUR, H5, H5.plus(Duration.ofHours(3)));
        assertThat(values(hours)).containsExactly(BigDecimal.valueOf(3), BigDecimal.valueOf(2), null);
        assertThat(query.usage(A, peak, null, null, WindowSize.DAY, DAY, DAY.plus(Duration.ofDays(1))).get(0).value())
                .isEqualTo(BigDecimal.valueOf(3));
    }

    @Test
    void groupedWindowsListEveryGroupWithUsageInThePeriodOrderedByValueAndFilterByValue() {
        List<WindowValue> hours = query.usage(A, users, List.of("region"), Map.of(), WindowSize.HOUR, H5,
                H5.plus(Duration.ofHours(2)));
        assertThat(hours).extracting(WindowValue::start, WindowValue::group, WindowValue::value).containsExactly(
                org.assertj.core.groups.Tuple.tuple(H5, new Group(List.of("region"), List.of("EU")), BigDecimal.valueOf(2)),
                org.assertj.core.groups.Tuple.tuple(H5, new Group(List.of("region"), List.of("NA")), BigDecimal.ZERO),
                org.assertj.core.groups.Tuple.tuple(H6, new Group(List.of("region"), List.of("EU")), BigDecimal.valueOf(2)),
                org.assertj.core.groups.Tuple.tuple(H6, new Group(List.of("region"), List.of("NA")), BigDecimal.ONE));

        List<WindowValue> eu = query.usage(A, users, List.of("region"), Map.of("region", List.of("EU")),
                WindowSize.DAY, DAY, DAY.plus(Duration.ofDays(1)));
        assertThat(eu).extracting(WindowValue::value).containsExactly(BigDecimal.valueOf(3));
    }

    @Test
    void windowsMustBeOnBoundariesAndTheGroupKeyOneOfTheMetrics() {
        assertThatThrownBy(() -> query.usage(A, users, null, null, WindowSize.DAY, H5, H6))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> query.usage(A, users, List.of("user"), null, WindowSize.HOUR, H5, H6))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void customersAreListedInIdOrderAfterTheCursor() {
        assertThat(query.customers(null, 10)).containsExactly(A, B);
        assertThat(query.customers(A, 10)).containsExactly(B);
        assertThat(query.customers(null, 1)).containsExactly(A);
    }
}
