package io.meterflow.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.http.HttpError;
import io.meterflow.ingest.validate.UsageValidator;
import io.meterflow.json.JsonValues;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.SpecificAvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The HTTP edge of validation: what {@code POST /v1/ingest} answers for each rule, with the reason codes the stream
 * uses for the same content on Kafka (see ValidationTest).
 */
class UsageBatchReaderTest {

    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    static final int LIMIT = UsageValidator.DEFAULT_MAX_EVENT_BYTES;

    final UsageBatchReader reader = new UsageBatchReader(new UsageValidator(Duration.ofDays(34).toMillis(),
            Duration.ofHours(24).toMillis()));
    final SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class,
            Map.of("schema.registry.url", "mock://reader-test-" + UUID.randomUUID()), false);

    /** One event as JSON; {@code properties} is JSON text (an object). */
    static String event(String transactionId, String properties) {
        return "{\"transaction_id\":\"" + transactionId + "\",\"customer_id\":\"acme\",\"event_type\":\"api_call\","
                + "\"timestamp\":\"" + NOW.minusSeconds(3600) + "\",\"properties\":" + properties + "}";
    }

    List<UsageEvent> read(String body) {
        return reader.read(body.getBytes(StandardCharsets.UTF_8), NOW.toEpochMilli());
    }

    HttpError refusal(String body) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> read(body));
        assertThat(thrown).isInstanceOf(HttpError.class);
        return (HttpError) thrown;
    }

    /** What ingest-stream measures for the record the API would publish: key bytes plus the framed value. */
    long recordBytes(UsageEvent event) {
        return event.getTransactionId().getBytes(StandardCharsets.UTF_8).length
                + serde.serializer().serialize("usage-events", event).length;
    }

    /** A properties object nesting objects {@code levels} deep, itself being level 1. */
    static String nested(int levels) {
        return "{\"a\":".repeat(levels) + "1" + "}".repeat(levels);
    }

    @Test
    void aLoneSurrogateInATransactionIdIs400SoTwoDifferentIdsCannotCollide() {
        HttpError surrogate = refusal("[" + event("tx-\\ud800-a", "{}") + "]");
        assertThat(surrogate.status()).isEqualTo(400);
        assertThat(surrogate.getMessage()).contains("[0] INVALID_STRING", "transaction_id", "U+D800");

        assertThat(read("[" + event("tx-?-a", "{}") + "]")).extracting(UsageEvent::getTransactionId)
                .containsExactly("tx-?-a");
    }

    @Test
    void aLoneSurrogateInAnyStringFieldPropertyNameOrValueIs400() {
        String ts = NOW.minusSeconds(60).toString();
        for (String body : List.of(
                "{\"transaction_id\":\"t\",\"customer_id\":\"acme\\udc00\",\"event_type\":\"e\",\"timestamp\":\"" + ts
                        + "\"}",
                "{\"transaction_id\":\"t\",\"customer_id\":\"acme\",\"event_type\":\"\\udc00\\ud800\",\"timestamp\":\""
                        + ts + "\"}",
                event("t", "{\"k\\ud800\":1}"),
                event("t", "{\"k\":{\"deeper\":[\"ok\",\"\\ud800\"]}}"))) {
            HttpError refused = refusal("[" + body + "]");
            assertThat(refused.status()).as(body).isEqualTo(400);
            assertThat(refused.getMessage()).as(body).contains("[0] INVALID_STRING").doesNotContain("\ud800");
        }
        assertThat(read("[" + event("t-\\ud83d\\ude00", "{\"\\ud83d\\ude00\":\"\\ud83d\\ude00\"}") + "]"))
                .hasSize(1);
    }

    @Test
    void propertiesNested200LevelsAre400NestedTooDeepNamingTheEvent() {
        HttpError refused = refusal("[" + event("ok", "{}") + "," + event("deep", nested(200)) + "]");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.getMessage()).contains("1 of 2 events", "[1] NESTED_TOO_DEEP",
                "deeper than " + UsageValidator.MAX_PROPERTIES_DEPTH);
    }

    @Test
    void propertiesNestedToTheLimitAreAcceptedAndOneLevelMoreIsNot() {
        int limit = UsageValidator.MAX_PROPERTIES_DEPTH;
        assertThat(read("[" + event("t", nested(limit)) + "]")).hasSize(1);
        assertThat(read("[" + event("t", "{\"a\":" + "[".repeat(limit - 1) + "]".repeat(limit - 1) + "}") + "]"))
                .hasSize(1);
        assertThat(refusal("[" + event("t", nested(limit + 1)) + "]").getMessage()).contains("[0] NESTED_TOO_DEEP");
    }

    @Test
    void aBodyNestedDeeperThanTheParserFollowsIsStill400NestedTooDeep() {
        HttpError refused = refusal("[" + event("ok", "{}") + "," + event("deep", "[".repeat(5000) + "]".repeat(5000))
                + "]");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.getMessage()).contains("[1] NESTED_TOO_DEEP");
    }

    @Test
    void aNumberLiteralLongerThanTheLimitIs400InvalidNumberForThatEvent() {
        String longest = "1".repeat(JsonValues.MAX_NUMBER_LENGTH);
        assertThat(read("[" + event("t", "{\"n\":" + longest + "}") + "]")).hasSize(1);
        HttpError refused = refusal("[" + event("t", "{\"n\":" + longest + "1}") + "]");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.getMessage()).contains("[0] INVALID_NUMBER", "properties.n");
    }

    @Test
    void anEventOverTheSizeLimitIs413NamingTheLimitWithoutRetryAndNothingIsReturned() {
        // Under the 1 MiB body limit, but its record would be over validation.max.event.bytes.
        String big = event("big", "{\"pad\":\"" + "x".repeat(LIMIT) + "\"}");
        HttpError refused = refusal("[" + event("small", "{}") + "," + big + "]");
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.headers()).containsEntry("x-should-retry", "false");
        assertThat(refused.getMessage()).contains("1 of 2 events", "[1] TOO_LARGE", String.valueOf(LIMIT),
                "validation.max.event.bytes").doesNotContain("[0]");
    }

    @Test
    void manyEventsThatExpandWhenEncodedAreMeasuredAsTheRecordsTheyBecome() {
        // Small JSON, larger Avro: [1,1,1,...] costs 2 bytes per item in JSON and 3 in Avro.
        int items = LIMIT / 3 + 1000;
        String body = "[" + event("dense", "{\"a\":[" + "1,".repeat(items - 1) + "1]}") + "]";
        assertThat(body.length()).isLessThan(LIMIT * 3 / 4 + 1000);
        assertThat(refusal(body).status()).isEqualTo(413);
    }

    @Test
    void theLargestAcceptedEventIsAcceptedAndOneByteMoreIs413() {
        // The probe's pad has a length of the same encoded size (3 bytes) as the final one.
        String padded = event("largest", "{\"pad\":\"" + "x".repeat(100_000) + "\"}");
        long base = recordBytes(read("[" + padded + "]").get(0)) - 100_000;
        int pad = (int) (LIMIT - base);
        List<UsageEvent> largest = read("[" + event("largest", "{\"pad\":\"" + "x".repeat(pad) + "\"}") + "]");
        assertThat(recordBytes(largest.get(0))).isEqualTo(LIMIT);

        HttpError oneMore = refusal("[" + event("largest", "{\"pad\":\"" + "x".repeat(pad + 1) + "\"}") + "]");
        assertThat(oneMore.status()).isEqualTo(413);
        assertThat(oneMore.getMessage()).contains("is " + (LIMIT + 1) + " bytes");
    }

    @Test
    void anOversizeEventAmongInvalidOnesStillAnswers413ListingEveryProblem() {
        String missing = "{\"transaction_id\":\"m\",\"customer_id\":\"acme\",\"event_type\":\"e\"}";
        String big = event("big", "{\"pad\":\"" + "x".repeat(LIMIT) + "\"}");
        HttpError refused = refusal("[" + missing + "," + big + "]");
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.getMessage()).contains("2 of 2 events", "[0] MISSING_FIELD", "[1] TOO_LARGE");
    }
}
