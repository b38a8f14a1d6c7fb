package io.meterflow.ingest.aggregate;

import io.meterflow.ingest.aggregate.UsageAggregatesQuery.Bound;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The groups, and the windows of them, that a grouped read keeps while it scans a customer's rows, so that it holds a
 * bounded number however many distinct group values the period had: at most 2 × {@link Bound#limit} groups; for a
 * page of rows fewer than 3 × limit windows of them, and for a page of values at most values + limit.
 *
 * <p>A group is kept while it is among the {@code limit} smallest groups seen so far, or (a page of rows after a
 * cursor) among the {@code limit} smallest after the cursor's group. Each of the two sets only ever gives up its
 * largest member for a smaller group, so its largest member never grows: a group turned away or dropped is turned away
 * again whenever another of its rows comes, and every group kept at the end had all its rows combined. That is all a
 * page needs: in the cursor's window its rows are the groups after the cursor's, and in every later window the
 * smallest groups. Each later window holds at least a row (or a value) per smallest group, so only the first
 * ⌈limit ÷ smallest groups⌉ later windows can reach a page of rows, and ⌊values ÷ smallest groups⌋ + 1 a page of
 * values; windows past that are dropped as groups are found.
 *
 * @param <W> what is combined per group and window
 */
final class GroupSelection<W> {

    /** A row of the answer: a window (its start) of a group, with what was combined there (null: no usage). */
    record Row<W>(long start, List<String> group, W combined) {
    }

    private final Bound bound;
    private final long windowLength;
    private final Supplier<W> create;
    private final NavigableSet<List<String>> smallest = new TreeSet<>(HostedAggregates::compareGroups);
    /** With a cursor: the smallest groups after the cursor's group. */
    private final NavigableSet<List<String>> afterCursor;
    private final long cursorWindow;
    /** The first window that comes after the cursor's (or the first window of the period, without a cursor). */
    private final long laterWindows;
    private final Map<List<String>, TreeMap<Long, W>> kept = new HashMap<>();
    /** Windows from {@link #laterWindows} on that can still reach a page of rows; fewer as groups are found. */
    private long horizon = Long.MAX_VALUE;

    /**
     * @param firstWindow  the start of the period's first window
     * @param windowLength the length of a window (of the whole period for NONE)
     */
    GroupSelection(Bound bound, long firstWindow, long windowLength, Supplier<W> create) {
        this.bound = bound;
        this.windowLength = windowLength;
        this.create = create;
        boolean cursor = bound.afterStart() != null;
        this.afterCursor = cursor && bound.rows() ? new TreeSet<>(HostedAggregates::compareGroups) : null;
        this.cursorWindow = cursor ? bound.afterStart().toEpochMilli() : Long.MIN_VALUE;
        this.laterWindows = cursor ? cursorWindow + windowLength : firstWindow;
    }

    /**
     * Where a row of {@code group} in the window starting at {@code window} is combined; null when the answer cannot
     * show it.
     */
    W at(List<String> group, long window) {
        TreeMap<Long, W> windows = kept.get(group);
        if (windows == null) {
            if (!admit(group)) {
                return null;
            }
            windows = new TreeMap<>();
            kept.put(group, windows);
        }
        return shown(group, window) ? windows.computeIfAbsent(window, w -> create.get()) : null;
    }

    /** Makes {@code group} part of the answer even without usage (the ungrouped total). */
    void include(List<String> group) {
        if (!kept.containsKey(group) && admit(group)) {
            kept.put(group, new TreeMap<>());
        }
    }

    private boolean admit(List<String> group) {
        boolean admitted = offer(smallest, group);
        if (afterCursor != null && HostedAggregates.compareGroups(group, bound.afterGroup()) > 0) {
            admitted |= offer(afterCursor, group);
        }
        return admitted;
    }

    private boolean offer(NavigableSet<List<String>> set, List<String> group) {
        if (set.size() < bound.limit()) {
            set.add(group);
            if (set == smallest && (bound.rows() || bound.values() > 0)) {
                narrow();
            }
            return true;
        }
        List<String> largest = set.last();
        if (HostedAggregates.compareGroups(group, largest) >= 0) {
            return false;
        }
        set.pollLast();
        set.add(group);
        if (!smallest.contains(largest) && (afterCursor == null || !afterCursor.contains(largest))) {
            kept.remove(largest);
        } else if (set == smallest) {
            kept.get(largest).tailMap(cursorWindow, false).clear(); // still after the cursor, in its window only
        } else {
            kept.get(largest).remove(cursorWindow); // still among the smallest, in later windows only
        }
        return true;
    }

    /**
     * Each window after the cursor's holds a row per smallest group (a page of rows), or a value per smallest group and
     * the total (a page of values): fewer of them can reach the page.
     */
    private void narrow() {
        long windows = bound.rows() ? (bound.limit() + smallest.size() - 1) / smallest.size()
                : bound.values() / smallest.size() + 1;
        if (windows >= horizon) {
            return;
        }
        horizon = windows;
        long end = laterWindows + horizon * windowLength;
        kept.values().forEach(byWindow -> byWindow.tailMap(end, true).clear());
    }

    private boolean shown(List<String> group, long window) {
        if (!bound.rows()) {
            return window > cursorWindow && reachable(window);
        }
        if (window < cursorWindow) {
            return false;
        }
        if (window == cursorWindow) {
            return afterCursor.contains(group);
        }
        return smallest.contains(group) && reachable(window);
    }

    private boolean reachable(long window) {
        return (window - laterWindows) / windowLength < horizon;
    }

    /** The rows of the answer, in its order (window, then group), for the windows starting at {@code starts}. */
    List<Row<W>> rows(List<Long> starts) {
        List<Row<W>> rows = new ArrayList<>();
        for (long start : starts) {
            if (bound.rows() ? start < cursorWindow : start <= cursorWindow || !reachable(start)) {
                continue;
            }
            for (List<String> group : start == cursorWindow ? afterCursor : smallest) {
                if (bound.rows() && rows.size() == bound.limit()) {
                    return rows;
                }
                TreeMap<Long, W> windows = kept.get(group);
                rows.add(new Row<>(start, group, windows == null ? null : windows.get(start)));
            }
        }
        return rows;
    }

    /** The groups held now, for tests of the bound. */
    int heldGroups() {
        return kept.size();
    }

    /** The windows combined now, for tests of the bound. */
    int heldWindows() {
        return kept.values().stream().mapToInt(Map::size).sum();
    }
}
