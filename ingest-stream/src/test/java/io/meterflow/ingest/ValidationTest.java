package io.meterflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.ingest.api.SearchAnswers;
import io.meterflow.ingest.emit.UsageCodec;
import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.query.EventStatus;
import io.meterflow.ingest.validate.RejectionReason;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import io.meterflow.topics.RejectedOriginal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidationTest {

    @TempDir
    Path stateDir;
    IngestHarness h;

    @BeforeEach
    void start() {
        h = new IngestHarness(stateDir);
        h.bind("k", "c0a8e3b2-0000-4000-8000-000000000001");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private Rejection rejectionOf(String transactionId, Consumer<UsageEvent.Builder> change) {
        UsageEvent.Builder builder = UsageEvent.newBuilder(h.event(transactionId, "k"));
        change.accept(builder);
        h.sendKeyed(builder.getTransactionId() == null ? "key" : builder.getTransactionId(), builder.build());
        TestRecord<String, Rejection> record = h.rejected.readRecord();
        assertThat(h.rejected.isEmpty()).isTrue();
        assertThat(h.resolved.isEmpty()).isTrue();
        return record.value();
    }

    private void assertRejected(Rejection rejection, RejectionReason reason, String detailPart) {
        assertThat(rejection.getReason()).isEqualTo(reason.name());
        assertThat(rejection.getDetail()).contains(detailPart);
        assertThat(h.count(IngestMetrics.REJECTIONS, "reason", reason.name())).isEqualTo(1);
        assertThat(h.count(IngestMetrics.OUTCOMES, "outcome", "rejected")).isEqualTo(1);
    }

    @Test
    void rejectsAnUnreadableRecordWithItsOriginalBytesAndCoordinates() {
        byte[] key = {1, 2, 3};
        byte[] value = "{\"transaction_id\": \"json is not avro\"}".getBytes(StandardCharsets.UTF_8);
        h.usageRaw.pipeInput(key, value, h.now());

        TestRecord<String, Rejection> record = h.rejected.readRecord();
        Rejection rejection = record.value();
        assertRejected(rejection, RejectionReason.MALFORMED, "not a readable UsageEvent");
        assertThat(record.key()).isNull();
        assertThat(rejection.getSourceTopic()).isEqualTo("usage-events");
        assertThat(rejection.getSourcePartition()).isZero();
        assertThat(rejection.getSourceOffset()).isZero();
        assertThat(rejection.getOriginalKey()).isEqualTo(ByteBuffer.wrap(key));
        assertThat(rejection.getOriginalValue()).isEqualTo(ByteBuffer.wrap(value));
        assertThat(rejection.getTransactionId()).isNull();
        assertThat(rejection.getRejectedAt()).isEqualTo(h.now());
    }

    @Test
    void keepsProcessingAfterPoisonRecords() {
        h.usageRaw.pipeInput(new byte[] {0}, new byte[] {0, 0, 0, 0, 1, (byte) 0xFF, (byte) 0xFF}, h.now());
        h.usageRaw.pipeInput(null, new byte[] {0, 0x7F, 0x7F, 0x7F, 0x7F, 2, 2}, h.now()); // unknown schema ID
        h.usageRaw.pipeInput(null, null, h.now());
        byte[] good = h.topics.usageEvents().valueSerde().serializer().serialize("usage-events", h.event("t1", "k"));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 3);
        h.usageRaw.pipeInput(null, truncated, h.now());
        h.send("t1", "k");

        assertThat(h.rejected.readValuesToList()).extracting(Rejection::getReason).containsOnly("MALFORMED").hasSize(4);
        assertThat(h.resolved.readValue().getTransactionId()).isEqualTo("t1");
        assertThat(h.rejected.readValuesToList()).isEmpty();
    }

    @Test
    void rejectsAMissingTransactionId() {
        Rejection r = rejectionOf(null, b -> b.setTransactionId(null));
        assertRejected(r, RejectionReason.MISSING_FIELD, "transaction_id");
        assertThat(r.getTransactionId()).isNull();
    }

    @Test
    void rejectsMissingFieldsNamingEachOfThem() {
        Rejection r = rejectionOf("t1", b -> b.setCustomerId(null).setTimestamp(null));
        assertRejected(r, RejectionReason.MISSING_FIELD, "customer_id, timestamp are missing");
        assertThat(r.getTransactionId()).isEqualTo("t1");
    }

    @Test
    void rejectsAMissingEventType() {
        assertRejected(rejectionOf("t1", b -> b.setEventType(null)), RejectionReason.MISSING_FIELD, "event_type");
    }

    @Test
    void rejectsAnEmptyField() {
        assertRejected(rejectionOf("t1", b -> b.setEventType("")), RejectionReason.EMPTY_FIELD, "event_type is empty");
    }

    @Test
    void rejectsATransactionIdLongerThan128Characters() {
        String longId = "x".repeat(129);
        assertRejected(rejectionOf(longId, b -> b.setTransactionId(longId)), RejectionReason.TRANSACTION_ID_TOO_LONG,
                "129 characters");
        assertThat(h.status(longId)).isNull();
    }

    @Test
    void acceptsA128CharacterTransactionIdCountedInCharacters() {
        String id = "é".repeat(128); // 256 UTF-8 bytes, 128 characters
        h.send(id, "k");
        assertThat(h.resolved.readValue().getTransactionId()).isEqualTo(id);
        String emoji = "\uD83D\uDE00".repeat(128); // 256 UTF-16 units, 128 characters
        h.send(emoji, "k");
        assertThat(h.resolved.readValue().getTransactionId()).isEqualTo(emoji);
    }

    @Test
    void rejectsACustomerIdLongerThan128Characters() {
        assertRejected(rejectionOf("t1", b -> b.setCustomerId("a".repeat(200))), RejectionReason.CUSTOMER_ID_TOO_LONG,
                "200 characters");
    }

    @Test
    void rejectsATimestampThatIsNotRfc3339() {
        assertRejected(rejectionOf("t1", b -> b.setTimestamp("22/11/2026 10:15")), RejectionReason.INVALID_TIMESTAMP,
                "22/11/2026 10:15");
    }

    @Test
    void rejectsATimestampWithAFiveDigitYear() {
        assertRejected(rejectionOf("t1", b -> b.setTimestamp("+12026-11-22T10:15:30Z")),
                RejectionReason.INVALID_TIMESTAMP, "4-digit year");
    }

    @Test
    void rejectsATimestampMoreThan24HoursInTheFuture() {
        String future = h.now().plus(Duration.ofHours(24)).plusSeconds(1).toString();
        assertRejected(rejectionOf("t1", b -> b.setTimestamp(future)), RejectionReason.TIMESTAMP_TOO_FAR_IN_FUTURE,
                "in the future");
    }

    @Test
    void acceptsATimestampJustWithin24HoursInTheFuture() {
        UsageEvent event = UsageEvent.newBuilder(h.event("t1", "k"))
                .setTimestamp(h.now().plus(Duration.ofHours(24)).toString()).build();
        h.send(event);
        assertThat(h.resolved.readValue().getTransactionId()).isEqualTo("t1");
    }

    @Test
    void rejectsATimestampMoreThan34DaysOld() {
        String old = h.now().minus(Duration.ofDays(34)).minusSeconds(1).toString();
        assertRejected(rejectionOf("t1", b -> b.setTimestamp(old)), RejectionReason.TIMESTAMP_TOO_OLD, "old");
    }

    @Test
    void judgesTimestampsByTheStreamsWallClock() {
        String inAnHour = h.now().plus(Duration.ofHours(25)).toString();
        h.advance(Duration.ofHours(2));
        UsageEvent event = UsageEvent.newBuilder(h.event("t1", "k")).setTimestamp(inAnHour).build();
        h.send(event);
        assertThat(h.resolved.readValue().getTransactionId()).isEqualTo("t1");
    }

    @Test
    void recordsARejectionForSearchWithoutReservingTheTransactionId() {
        String old = h.now().minus(Duration.ofDays(40)).toString();
        h.send(UsageEvent.newBuilder(h.event("t1", "k")).setTimestamp(old).build());
        assertThat(h.status("t1").getStatus()).isEqualTo(UsageStatus.REJECTED);
        assertThat(h.status("t1").getRejectionReason()).isEqualTo("TIMESTAMP_TOO_OLD");

        h.send("t1", "k");
        assertThat(h.resolved.readValue().getTransactionId()).isEqualTo("t1");
        assertThat(h.status("t1").getStatus()).isEqualTo(UsageStatus.ATTRIBUTED);
        assertThat(h.count(IngestMetrics.OUTCOMES, "outcome", "duplicate")).isZero();
    }

    @Test
    void doesNotOverwriteAnAcceptedEventWithALaterRejection() {
        h.send("t1", "k");
        h.send(UsageEvent.newBuilder(h.event("t1", "k")).setEventType("").build());

        assertThat(h.rejected.readValue().getReason()).isEqualTo("EMPTY_FIELD");
        assertThat(h.status("t1").getStatus()).isEqualTo(UsageStatus.ATTRIBUTED);
    }

    // ---- the rules both edges share (UsageBatchReaderTest has the HTTP side) ---------------------------------------

    private static Map<String, JsonValue> properties(String name, JsonValue value) {
        Map<String, JsonValue> properties = new LinkedHashMap<>();
        properties.put("ok", new JsonValue(new JsonNumber("0.1")));
        properties.put(name, value);
        return properties;
    }

    /** Properties nesting objects {@code levels} deep, the properties object being level 1. */
    private static Map<String, JsonValue> nested(int levels) {
        JsonValue value = new JsonValue(new JsonNumber("1"));
        for (int i = 1; i < levels; i++) {
            value = new JsonValue(Map.of("a", value));
        }
        return Map.of("a", value);
    }

    @Test
    void rejectsANumberWhoseTextIsNotANumberLiteralAndSearchCanStillAnswerForIt() {
        Rejection r = rejectionOf("forged", b -> b.setProperties(properties("price", new JsonValue(
                new JsonNumber("abc")))));
        assertRejected(r, RejectionReason.INVALID_NUMBER, "properties.price");
        assertThat(h.status("forged").getStatus()).isEqualTo(UsageStatus.REJECTED);

        String answer = SearchAnswers.json(EventStatus.of("forged", h.status("forged")));
        assertThat(answer).contains("\"status\":\"rejected\"", "\"rejection_reason\":\"INVALID_NUMBER\"")
                .doesNotContain("abc\"");
    }

    @Test
    void searchStillAnswersForAnEventParkedBeforeNumbersWereCheckedLeavingOutItsProperties() {
        UsageEvent forged = UsageEvent.newBuilder(h.event("old", "k"))
                .setProperties(properties("price", new JsonValue(new JsonNumber("1,\"injected\":2")))).build();
        h.statusStore().put("old", UsageCodec.pending(forged, null, 0L, 0L));

        String answer = SearchAnswers.json(EventStatus.of("old", h.status("old")));
        assertThat(answer).contains("\"status\":\"pending\"", "\"properties\":{}").doesNotContain("injected");
    }

    @Test
    void rejectsANumberWhoseTextWouldInjectJson() {
        assertRejected(rejectionOf("t1", b -> b.setProperties(properties("n", new JsonValue(List.of(new JsonValue(
                new JsonNumber("1,\"injected\":2"))))))), RejectionReason.INVALID_NUMBER, "properties.n[0]");
    }

    @Test
    void rejectsPropertiesNested200LevelsAsNestedTooDeepLikeTheApi() {
        assertRejected(rejectionOf("t1", b -> b.setProperties(nested(200))), RejectionReason.NESTED_TOO_DEEP,
                "deeper than 64 levels");
    }

    @Test
    void acceptsPropertiesNestedToTheLimitButNotOneLevelMore() {
        h.send(UsageEvent.newBuilder(h.event("t1", "k")).setProperties(nested(64)).build());
        assertThat(h.resolved.readValue().getTransactionId()).isEqualTo("t1");
        assertRejected(rejectionOf("t2", b -> b.setProperties(nested(65))), RejectionReason.NESTED_TOO_DEEP,
                "properties.a");
    }

    /** {@code event} as usage-events bytes, with the UTF-8 bytes of {@code marker} replaced by {@code bytes}. */
    private byte[] withBytes(UsageEvent event, String marker, byte... bytes) {
        byte[] value = h.topics.usageEvents().valueSerde().serializer().serialize("usage-events", event);
        byte[] find = marker.getBytes(StandardCharsets.UTF_8);
        assertThat(bytes).hasSameSizeAs(find);
        for (int i = 0; i + find.length <= value.length; i++) {
            if (Arrays.equals(value, i, i + find.length, find, 0, find.length)) {
                System.arraycopy(bytes, 0, value, i, bytes.length);
                return value;
            }
        }
        throw new AssertionError("marker not found");
    }

    @Test
    void rejectsATransactionIdThatIsNotUtf8InsteadOfReadingItAsTheReplacementCharacter() {
        // "tx-\uFFFD-a" is valid text; bytes FF FF FF in its place are not, and must not read as the same ID.
        byte[] invalid = withBytes(h.event("tx-###-a", "k"), "###", (byte) 0xFF, (byte) 0xFF, (byte) 0xFF);
        h.usageRaw.pipeInput(null, invalid, h.now());
        h.send("tx-\uFFFD-a", "k");

        Rejection rejection = h.rejected.readValue();
        assertRejected(rejection, RejectionReason.INVALID_STRING, "not valid UTF-8");
        assertThat(rejection.getOriginalValue()).isEqualTo(ByteBuffer.wrap(invalid));
        assertThat(h.resolved.readValue().getTransactionId()).isEqualTo("tx-\uFFFD-a");
        assertThat(h.count(IngestMetrics.OUTCOMES, "outcome", "duplicate")).isZero();
    }

    @Test
    void rejectsAPropertyNameOrStringValueThatIsNotUtf8() {
        UsageEvent event = UsageEvent.newBuilder(h.event("t1", "k"))
                .setProperties(properties("na#e", new JsonValue("val#e"))).build();
        h.usageRaw.pipeInput(null, withBytes(event, "na#e", "na".getBytes()[0], (byte) 0xC3, (byte) 0x28,
                (byte) 'e'), h.now());
        UsageEvent encodedSurrogate = UsageEvent.newBuilder(h.event("t2", "k"))
                .setProperties(properties("n", new JsonValue("v###"))).build();
        // ED A0 80 would be U+D800 encoded as if it were a character: not UTF-8.
        h.usageRaw.pipeInput(null, withBytes(encodedSurrogate, "###", (byte) 0xED, (byte) 0xA0, (byte) 0x80),
                h.now());

        assertThat(h.rejected.readValuesToList()).extracting(Rejection::getReason)
                .containsExactly("INVALID_STRING", "INVALID_STRING");
        assertThat(h.resolved.isEmpty()).isTrue();
    }

    @Test
    void aValueJustUnderTheTopicLimitIsRejectedTooLargeBeforeItIsReadAndNothingOfItIsStored() {
        byte[] garbage = new byte[1_048_480];
        new Random(12).nextBytes(garbage);
        byte[] key = "k".repeat(40).getBytes(StandardCharsets.UTF_8);
        h.usageRaw.pipeInput(key, garbage, h.now());

        TestRecord<String, Rejection> record = h.rejected.readRecord();
        Rejection rejection = record.value();
        assertRejected(rejection, RejectionReason.TOO_LARGE, "1048520 bytes");
        assertThat(rejection.getDetail()).contains("262144", "validation.max.event.bytes");
        assertThat(rejection.getOriginalTruncated()).isTrue();
        assertThat(rejection.getOriginalValueSize()).isEqualTo(garbage.length);
        assertThat(rejection.getOriginalKeySize()).isEqualTo(key.length);
        assertThat(rejection.getOriginalValueSha256()).isEqualTo(RejectedOriginal.sha256(garbage));
        assertThat(rejection.getOriginalKey().remaining() + rejection.getOriginalValue().remaining())
                .isLessThanOrEqualTo(RejectedOriginal.DEFAULT_MAX_BYTES);
        assertThat(h.statusStore().approximateNumEntries()).isZero();
    }

    /** A valid event whose usage-events record (null key) is exactly {@code bytes} long. */
    private byte[] eventOfExactly(String transactionId, int bytes) {
        UsageEvent probe = UsageEvent.newBuilder(h.event(transactionId, "k"))
                .setProperties(properties("pad", new JsonValue("x".repeat(100_000)))).build();
        // The probe's pad has a length of the same encoded size (3 bytes) as the final one.
        int base = h.topics.usageEvents().valueSerde().serializer().serialize("usage-events", probe).length - 100_000;
        UsageEvent event = UsageEvent.newBuilder(probe)
                .setProperties(properties("pad", new JsonValue("x".repeat(bytes - base)))).build();
        byte[] value = h.topics.usageEvents().valueSerde().serializer().serialize("usage-events", event);
        assertThat(value).hasSize(bytes);
        return value;
    }

    @Test
    void acceptsTheLargestEventAndRejectsOneByteMoreAsTooLarge() {
        int limit = h.config.maxEventBytes();
        h.usageRaw.pipeInput(null, eventOfExactly("largest", limit), h.now());
        assertThat(h.resolved.readValue().getTransactionId()).isEqualTo("largest");

        h.usageRaw.pipeInput(null, eventOfExactly("one-more", limit + 1), h.now());
        assertRejected(h.rejected.readValue(), RejectionReason.TOO_LARGE, (limit + 1) + " bytes");
        // The key counts too: the same event with a one-byte key is over the limit.
        h.usageRaw.pipeInput(new byte[] {1}, eventOfExactly("keyed", limit), h.now());
        assertThat(h.rejected.readValue().getReason()).isEqualTo("TOO_LARGE");
        assertThat(h.status("one-more")).isNull();
        assertThat(h.status("keyed")).isNull();
    }
}
