package io.meterflow.topics;

import java.util.List;
import java.util.Objects;

/** The names of Meterflow's topics; the defaults are the SPEC's names, each can be configured. */
public record TopicNames(
        String usageEvents,
        String customerChanges,
        String customers,
        String aliasBindings,
        String customerChangesRejected,
        String usageResolved,
        String usageRejected,
        String usageExpired,
        String billableMetrics,
        String usageAggregates) {

    public static final String USAGE_EVENTS = "usage-events";
    public static final String CUSTOMER_CHANGES = "customer-changes";
    public static final String CUSTOMERS = "customers";
    public static final String ALIAS_BINDINGS = "alias-bindings";
    public static final String CUSTOMER_CHANGES_REJECTED = "customer-changes-rejected";
    public static final String USAGE_RESOLVED = "usage-resolved";
    public static final String USAGE_REJECTED = "usage-rejected";
    public static final String USAGE_EXPIRED = "usage-expired";
    public static final String BILLABLE_METRICS = "billable-metrics";
    public static final String USAGE_AGGREGATES = "usage-aggregates";

    public TopicNames {
        for (String name : List.of(usageEvents, customerChanges, customers, aliasBindings, customerChangesRejected,
                usageResolved, usageRejected, usageExpired, billableMetrics, usageAggregates)) {
            Objects.requireNonNull(name, "topic name");
        }
    }

    public static TopicNames defaults() {
        return new TopicNames(USAGE_EVENTS, CUSTOMER_CHANGES, CUSTOMERS, ALIAS_BINDINGS, CUSTOMER_CHANGES_REJECTED,
                USAGE_RESOLVED, USAGE_REJECTED, USAGE_EXPIRED, BILLABLE_METRICS,
                USAGE_AGGREGATES);
    }
}
