package io.meterflow.ingest.validate;

/** A rule a usage event broke: the reason code and a sentence naming the offending field or value. */
public record Violation(RejectionReason reason, String detail) {
}
