package io.meterflow.ingest.aggregate;

import io.meterflow.schemas.BillableMetric;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Aggregated usage as one ingest-stream instance holds it: the aggregates of the customers whose usage-resolved
 * partitions it hosts as active tasks (usage-resolved is keyed by customer, so all of a customer's aggregates are in
 * one partition). The usage API asks the owner of each customer ({@link #owner}) and forwards when that is another
 * instance, as event search does; listing every customer asks every instance ({@link #customers}).
 *
 * <p>Values are exact decimals. Windows are UTC hours, UTC days, or the whole requested period; aggregates are kept
 * per hour and the other windows are derived from them (UNIQUE from the hours' distinct values, not their counts).
 */
public interface UsageAggregatesQuery {

    /** The windows an answer is cut into (Metronome's {@code window_size}). */
    enum WindowSize { HOUR, DAY, NONE }

    /**
     * A group's values: {@code keys} are one of the metric's {@code group_keys} in the metric's order, {@code values}
     * the event's values for them in the same order (an element is null where the event lacked the property).
     */
    record Group(List<String> keys, List<String> values) {
    }

    /**
     * One window of one customer and metric: the metric's value over the events that matched it in the window, or
     * null when none did for MAX and LATEST (COUNT, SUM and UNIQUE are 0 then). {@code group} is null for the
     * ungrouped total.
     */
    record WindowValue(Instant start, Instant end, Group group, BigDecimal value) {
    }

    /**
     * Where a customer's aggregates live: {@code hostedHere} when this instance hosts its partition as active task;
     * otherwise {@code host} is the instance that does (null when not known, e.g. without {@code application.server}
     * or during a rebalance).
     */
    record Owner(boolean hostedHere, HostInfo host) {
    }

    /**
     * How much of a grouped read to answer, so that a read holds a bounded number of groups and windows however many
     * distinct group values the period had. A group is a row of the answer in every window of the period once it had
     * usage in any of them, so a read picks its groups first:
     * <ul>
     *   <li>{@link #firstGroups}: the first {@code limit} groups in group order, in every window after
     *       {@code afterStart} (null: from the first), and when {@code values} is above 0 only in as many windows as a
     *       page of that many values can show: ⌊values ÷ groups⌋ + 1 (what {@code /v1/usage} rows list, a value per
     *       group and the total);</li>
     *   <li>{@link #rowsAfter}: the first {@code limit} rows of the answer's order (window, then group) that come
     *       after the row {@code (afterStart, afterGroup)}, or from the first row (a {@code /v1/usage/groups} page).</li>
     * </ul>
     * The total of an ungrouped read is one row per window, and the bound does not apply to it.
     */
    record Bound(int limit, boolean rows, Instant afterStart, List<String> afterGroup, int values) {

        public Bound {
            if (limit < 1 || values < 0) {
                throw new IllegalArgumentException("a bound keeps at least one group, not " + limit
                        + ", and a page of no fewer than 0 values, not " + values);
            }
            if (rows ? (afterStart == null) != (afterGroup == null) || values != 0 : afterGroup != null) {
                throw new IllegalArgumentException("a cursor of rows is a window start and group values; a cursor"
                        + " of groups a window start");
            }
        }

        /** Every group in every window (for callers that hold no bound, such as an older instance asking). */
        public static Bound all() {
            return new Bound(Integer.MAX_VALUE, false, null, null, 0);
        }

        /**
         * @param afterStart the start of the last window given (null: from the first)
         * @param values     the values a page may still hold (0: every window)
         */
        public static Bound firstGroups(int limit, Instant afterStart, int values) {
            return new Bound(limit, false, afterStart, null, values);
        }

        /** @param afterStart the start of the window of the last row given (null: from the first row) */
        public static Bound rowsAfter(int limit, Instant afterStart, List<String> afterGroup) {
            return new Bound(limit, true, afterStart, afterGroup, 0);
        }
    }

    /** Thrown by the reads when the customer's partition is not (or no longer) hosted here as active task. */
    final class NotHostedHere extends RuntimeException {
        public NotHostedHere(String customerId) {
            super("the aggregates of customer " + customerId + " are not hosted by this instance");
        }
    }

    Owner owner(String customerId);

    /**
     * The customer's usage of {@code metric} in windows of {@code size} from {@code start} (inclusive) to {@code end}
     * (exclusive), both on UTC hour boundaries (and on UTC day boundaries for DAY), one value per window in time
     * order: every window of the period is answered, with or without usage.
     *
     * @param groupKey    null: the ungrouped total, one value per window; otherwise one of the metric's
     *                    {@code group_keys} (the same names, in any order): one value per window and per group that
     *                    had usage in the period, ordered by window, then by the group's values
     * @param groupFilter for a grouped read, the values to keep per key (a key absent or mapped to an empty list keeps
     *                    every value); ignored for the total
     * @param bound       for a grouped read, which of its rows to answer; ignored for the total
     * @throws NotHostedHere when the customer's partition is not hosted here as active task
     */
    List<WindowValue> usage(String customerId, BillableMetric metric, List<String> groupKey,
            Map<String, List<String>> groupFilter, WindowSize size, Instant start, Instant end, Bound bound);

    /**
     * Customers that have any aggregate in this instance's active partitions, in ascending order of ID, strictly after
     * {@code after} (null: from the first), at most {@code limit}.
     */
    List<String> customers(String after, int limit);
}
