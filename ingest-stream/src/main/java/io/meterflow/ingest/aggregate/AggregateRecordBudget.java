package io.meterflow.ingest.aggregate;

import io.meterflow.ingest.billablemetrics.BillableMetricRules;
import io.meterflow.ingest.emit.RecordBudget;

/**
 * The largest record the aggregation writes (to usage-aggregates and its changelogs), by construction. Unlike the
 * usage records it is not bounded by the event size but by the metric definition and the group values: a
 * usage-aggregates record carries, in its key and again in its value, the customer ID (at most 128 characters, as
 * every usage identifier), the metric's ID (at most {@value AggregateProcessor#MAX_METRIC_ID_BYTES} bytes: metrics with
 * longer IDs are not aggregated) and name (at most {@value BillableMetricRules#MAX_NAME_LENGTH} characters) and one
 * group: at most {@value BillableMetricRules#MAX_GROUP_KEY_SIZE}
 * names of at most {@value BillableMetricRules#MAX_KEY_LENGTH} characters with values of at most
 * {@value CompiledMetric#MAX_TEXT_LENGTH} characters (longer values are refused, {@code value.errors{reason=too_long}}),
 * at most three UTF-8 bytes per UTF-16 unit. Store keys hold less than that (one copy, no names); held events are
 * usage events (bounded by {@code validation.max.event.bytes}).
 */
public final class AggregateRecordBudget {

    private static final int GROUP_BYTES = BillableMetricRules.MAX_GROUP_KEY_SIZE
            * (3 * BillableMetricRules.MAX_KEY_LENGTH + 3 * CompiledMetric.MAX_TEXT_LENGTH + 16);
    private static final int CUSTOMER_BYTES = 4 * 128 + 8;

    private static final int METRIC_BYTES = AggregateProcessor.MAX_METRIC_ID_BYTES
            + 4 * BillableMetricRules.MAX_NAME_LENGTH + 16;

    /** The largest aggregation record: 2 × (metric + group + customer) + the usual overhead (89,200 bytes). */
    public static final int LARGEST = 2 * (METRIC_BYTES + GROUP_BYTES + CUSTOMER_BYTES) + RecordBudget.OVERHEAD_BYTES;

    private AggregateRecordBudget() {
    }

    /** Whether {@code topic} is the changelog of one of the aggregation's stores. */
    public static boolean isAggregationChangelog(String applicationId, String topic) {
        for (String store : AggregateLedger.storeNames()) {
            if (topic.equals(applicationId + "-" + store + "-changelog")) {
                return true;
            }
        }
        return false;
    }
}
