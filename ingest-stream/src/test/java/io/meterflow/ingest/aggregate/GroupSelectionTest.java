package io.meterflow.ingest.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Bound;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link GroupSelection} against the answer it stands for: every group that had usage in every window, in the
 * answer's order, from which a bound takes the first groups or the rows after a cursor. Rows come in hour order, as the
 * store gives them; each row adds one to its window, so a row's count says whether all of its group's rows were
 * combined.
 */
class GroupSelectionTest {

    private static final long HOUR = 3_600_000L;

    private record Usage(long hour, List<String> group) {
    }

    private record Expected(long start, List<String> group, long rows) {
    }

    private static List<String> group(Random random, int distinct) {
        int value = random.nextInt(distinct);
        // a group of two values, one of which may be absent (null sorts first)
        return Arrays.asList(value % 7 == 0 ? null : "v" + value, "k" + (value % 3));
    }

    private static List<Usage> usage(Random random, int hours, int rows, int distinct) {
        List<Usage> usage = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            usage.add(new Usage(random.nextInt(hours) * HOUR, group(random, distinct)));
        }
        usage.sort((x, y) -> Long.compare(x.hour(), y.hour()));
        return usage;
    }

    /** The starts of the windows of {@code length} in a period of {@code hours}. */
    private static List<Long> starts(int hours, long length) {
        List<Long> starts = new ArrayList<>();
        for (long s = 0; s < hours * HOUR; s += length) {
            starts.add(s);
        }
        return starts;
    }

    /** Every group in every window, in the answer's order, with its rows there. */
    private static List<Expected> everything(List<Usage> usage, List<Long> starts, long length) {
        TreeSet<List<String>> groups = new TreeSet<>(HostedAggregates::compareGroups);
        usage.forEach(u -> groups.add(u.group()));
        List<Expected> all = new ArrayList<>();
        for (long start : starts) {
            for (List<String> group : groups) {
                long rows = usage.stream().filter(u -> u.group().equals(group) && u.hour() >= start
                        && u.hour() < start + length).count();
                all.add(new Expected(start, group, rows));
            }
        }
        return all;
    }

    private static List<Expected> selected(Bound bound, List<Usage> usage, List<Long> starts, long length,
            int[] held) {
        GroupSelection<AtomicLong> selection = new GroupSelection<>(bound, starts.get(0), length, AtomicLong::new);
        for (Usage u : usage) {
            long window = starts.get(0) + Math.floorDiv(u.hour() - starts.get(0), length) * length;
            AtomicLong combined = selection.at(u.group(), window);
            if (combined != null) {
                combined.incrementAndGet();
            }
            held[0] = Math.max(held[0], selection.heldGroups());
            held[1] = Math.max(held[1], selection.heldWindows());
        }
        return selection.rows(starts).stream()
                .map(r -> new Expected(r.start(), r.group(), r.combined() == null ? 0 : r.combined().get())).toList();
    }

    @Test
    void theFirstGroupsAreTheWindowsAfterTheCursorThatAPageOfValuesCanShowWithAllTheirRows() {
        Random random = new Random(7);
        for (int run = 0; run < 300; run++) {
            int hours = 1 + random.nextInt(30);
            long length = (1 + random.nextInt(6)) * HOUR;
            List<Long> starts = starts(hours, length);
            List<Usage> usage = usage(random, hours, random.nextInt(300), 1 + random.nextInt(60));
            int limit = 1 + random.nextInt(12);
            Long after = random.nextBoolean() ? null : starts.get(random.nextInt(starts.size()));
            int values = random.nextBoolean() ? 0 : random.nextInt(40);
            List<Expected> all = everything(usage, starts, length);
            List<List<String>> first = all.stream().map(Expected::group).distinct().limit(limit).toList();
            List<Long> shown = starts.stream().filter(s -> after == null || s > after)
                    .limit(values == 0 || first.isEmpty() ? Long.MAX_VALUE : values / first.size() + 1).toList();
            int[] held = new int[2];
            Bound bound = Bound.firstGroups(limit, after == null ? null : Instant.ofEpochMilli(after), values);
            assertThat(selected(bound, usage, starts, length, held)).as("run " + run)
                    .containsExactlyElementsOf(all.stream()
                            .filter(e -> first.contains(e.group()) && shown.contains(e.start())).toList());
            assertThat(held[0]).isLessThanOrEqualTo(limit);
            if (values > 0) {
                assertThat(held[1]).isLessThanOrEqualTo(values + limit);
            }
        }
    }

    @Test
    void aPageOfRowsAfterACursorIsTheWholeAnswersNextRowsAndHoldsAboutTwiceItsLimit() {
        Random random = new Random(11);
        for (int run = 0; run < 150; run++) {
            int hours = 1 + random.nextInt(48);
            long length = (1 + random.nextInt(4)) * HOUR;
            List<Long> starts = starts(hours, length);
            List<Usage> usage = usage(random, hours, random.nextInt(400), 1 + random.nextInt(80));
            int limit = 1 + random.nextInt(10);
            List<Expected> all = everything(usage, starts, length);
            // from the first row, then after rows of the answer (every one in a small answer)
            int step = Math.max(1, all.size() / 40);
            for (int after = -1; after < all.size(); after += after < 0 ? 1 + random.nextInt(step) : step) {
                Bound bound = after < 0 ? Bound.rowsAfter(limit, null, null)
                        : Bound.rowsAfter(limit, Instant.ofEpochMilli(all.get(after).start()), all.get(after).group());
                int[] held = new int[2];
                List<Expected> page = selected(bound, usage, starts, length, held);
                assertThat(page).as("run %d after row %d", run, after)
                        .containsExactlyElementsOf(all.subList(after + 1, Math.min(all.size(), after + 1 + limit)));
                assertThat(held[0]).isLessThanOrEqualTo(2 * limit);
                // the cursor's window for up to limit groups, later windows for about limit rows more
                assertThat(held[1]).isLessThanOrEqualTo(3 * limit + 1);
            }
        }
    }

    @Test
    void windowsThatAPageCanNoLongerReachAreDroppedAsGroupsAreFound() {
        GroupSelection<AtomicLong> selection = new GroupSelection<>(Bound.rowsAfter(4, null, null), 0, HOUR,
                AtomicLong::new);
        for (int hour = 0; hour < 4; hour++) {
            selection.at(List.of("a"), hour * HOUR).incrementAndGet();
        }
        assertThat(selection.heldWindows()).isEqualTo(4); // alone, "a" fills the page over four windows
        for (String group : List.of("b", "c", "d")) {
            assertThat(selection.at(List.of(group), 4 * HOUR)).isNull(); // the fifth window is past the page
        }
        assertThat(selection.heldWindows()).as("four groups fill the page in the first window").isEqualTo(1);
        assertThat(selection.rows(List.of(0L, HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR)))
                .extracting(r -> r.group().get(0), r -> r.combined() == null ? 0 : r.combined().get())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 1L), org.assertj.core.groups.Tuple.tuple("b", 0L),
                        org.assertj.core.groups.Tuple.tuple("c", 0L), org.assertj.core.groups.Tuple.tuple("d", 0L));
    }

    @Test
    void aGroupThatLeavesTheSmallestKeepsOnlyItsRowInTheCursorsWindow() {
        GroupSelection<AtomicLong> selection = new GroupSelection<>(
                Bound.rowsAfter(1, Instant.ofEpochMilli(0), List.of("b")), 0, HOUR, AtomicLong::new);
        selection.at(List.of("c"), 0).incrementAndGet(); // after the cursor's group, in the cursor's window
        selection.at(List.of("c"), HOUR).incrementAndGet(); // the smallest group, in the next window
        selection.at(List.of("a"), HOUR).incrementAndGet(); // smaller: "c" is now only after the cursor
        assertThat(selection.heldWindows()).isEqualTo(2);
        assertThat(selection.rows(List.of(0L, HOUR))).extracting(r -> r.start(), r -> r.group().get(0))
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, "c"));
    }

    @Test
    void aCursorFromAnotherPeriodOrGroupingStillGivesRowsInOrder() {
        Random random = new Random(3);
        List<Usage> usage = usage(random, 10, 200, 30);
        List<Long> starts = starts(10, HOUR);
        List<Expected> all = everything(usage, starts, HOUR);
        // a cursor between windows (not a window start) and with a group of another size
        Bound bound = Bound.rowsAfter(5, Instant.ofEpochMilli(3 * HOUR + 1), List.of("zz"));
        List<Expected> page = selected(bound, usage, starts, HOUR, new int[2]);
        assertThat(page).containsExactlyElementsOf(all.stream().filter(e -> e.start() > 3 * HOUR).limit(5).toList());
    }
}
