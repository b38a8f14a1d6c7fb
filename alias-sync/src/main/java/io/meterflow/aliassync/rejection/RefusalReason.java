package io.meterflow.aliassync.rejection;

/**
 * Why alias-sync refused a customer change, or part of one. The name is the {@code reason} written to
 * {@code customer-changes-rejected} and the {@code reason} tag of {@code meterflow.customer.refusals}.
 */
public enum RefusalReason {
    /**
     * The record could not be read: no value, not a CustomerChange, key not equal to its customer_id, no change_id,
     * a customer_id or change_id over 128 characters.
     */
    MALFORMED,
    /** A change other than a create for a customer that was never created. */
    UNKNOWN_CUSTOMER,
    /** A create, under a new change ID, for a customer that exists. */
    DUPLICATE_CUSTOMER,
    /**
     * A field breaks the rules for text and JSON data: a string that is not valid UTF-8, or a billing configuration
     * with a number that is not a JSON literal or nesting deeper than 64 levels. The whole change is refused; the
     * subject names the field.
     */
    INVALID_FIELD,
    /** An alias that is empty or longer than 128 characters; the whole change is refused. */
    INVALID_ALIAS,
    /** More than 2000 distinct aliases; the whole change is refused. */
    TOO_MANY_ALIASES,
    /** An alias another customer holds, or another customer's ID; only that alias is refused. */
    ALIAS_IN_USE,
    /** An alias this customer held became the ID of a newly created customer, whose own ID always resolves to it. */
    ALIAS_REVOKED,
    /**
     * The record is larger than {@code alias-sync.max.change.bytes} (refused unread), or the change would grow the
     * customer's state past what one Kafka record can hold; the whole change is refused.
     */
    TOO_LARGE;

    /** The tag value used in metrics. */
    public String tag() {
        return name();
    }
}
