package io.meterflow.ingest.validate;

/**
 * A rule a usage event broke: the reason code and a sentence naming the offending field or value. The detail goes
 * into rejections, the ledger and HTTP answers, so it is made safe for all of them here: at most
 * {@value #MAX_DETAIL_LENGTH} characters, and no lone surrogate (it may quote what the producer sent).
 */
public record Violation(RejectionReason reason, String detail) {

    /** Longest detail kept, in UTF-16 units (so at most 3 bytes each in UTF-8). */
    public static final int MAX_DETAIL_LENGTH = 1000;

    public Violation {
        detail = UnicodeText.printable(detail, MAX_DETAIL_LENGTH);
    }
}
