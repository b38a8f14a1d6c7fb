package io.meterflow.ingest.emit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.ingest.route.UsageParser;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.AvroBinary;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.serde.SpecificAvroDeserializer;
import io.meterflow.serde.SpecificAvroSerializer;
import io.meterflow.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * Incoming events read by hand are the events Avro reads, and a record the hand reader does not plainly understand
 * is left to Avro, so that a parser that reads by hand answers every record, good or hostile, as Avro alone does.
 */
class EventCodecTest {

    private static final String TOPIC = "usage-events";
    private static final String[] TEXTS = {"", "a", "api_call", "Zoë 🚀", "\u0000", "x".repeat(300), "αλιας",
        "tab\tnew\nline", "\"quoted\"", "2026-11-22T10:15:30.5Z"};
    private static final String[] NUMBERS = {"0", "-1", "0.1", "12345678901234567890", "1e-7", "-0.0", "6.02E+23"};

    private final Map<String, Object> config =
            Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://event-codec-" + UUID.randomUUID());
    private final SpecificAvroSerializer<UsageEvent> serializer = new SpecificAvroSerializer<>();
    private final SpecificAvroDeserializer<UsageEvent> avro = strict();

    EventCodecTest() {
        serializer.configure(config, false);
    }

    private SpecificAvroDeserializer<UsageEvent> strict() {
        SpecificAvroDeserializer<UsageEvent> deserializer = SpecificAvroDeserializer.strict(UsageEvent.class);
        deserializer.configure(config, false);
        return deserializer;
    }

    @Test
    void theLayoutItReadsIsUsageEventsLayout() {
        assertThat(EventCodec.LAYOUT_MATCHES).isTrue();
    }

    @Test
    void readsRandomEventsAsAvroDoesWithTheSameClassesAndOrder() {
        Random random = new Random(20261129);
        for (int i = 0; i < 2_000; i++) {
            UsageEvent event = randomEvent(random);
            byte[] record = serializer.serialize(TOPIC, event);

            UsageEvent byAvro = avro.deserialize(TOPIC, record);
            UsageEvent byHand = EventCodec.read(AvroBinary.payloadOf(record));

            assertThat(byHand).as("event %d", i).isEqualTo(byAvro);
            assertThat(shape(byHand)).as("event %d", i).isEqualTo(shape(byAvro));
        }
    }

    @Test
    void readsBlocksWithNegativeCountsAsAvroDoes() throws IOException {
        Random random = new Random(7);
        byte[] header = Arrays.copyOf(serializer.serialize(TOPIC, randomEvent(random)), WireFormat.HEADER_SIZE);
        for (int i = 0; i < 200; i++) {
            UsageEvent event = randomEvent(random);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(header);
            // A blocking encoder writes arrays and maps in blocks of a negative count and their size in bytes.
            BinaryEncoder encoder = new EncoderFactory().configureBlockSize(64).blockingBinaryEncoder(out, null);
            new SpecificDatumWriter<>(UsageEvent.class).write(event, encoder);
            encoder.flush();
            byte[] record = out.toByteArray();

            assertThat(EventCodec.read(AvroBinary.payloadOf(record))).isEqualTo(avro.deserialize(TOPIC, record))
                    .isEqualTo(event);
        }
    }

    @Test
    void leavesToAvroWhatIsNotPlainlyValid() {
        byte[] good = serializer.serialize(TOPIC, event("tx-1", Map.of("k", new JsonValue("v"))));
        List<byte[]> refused = new ArrayList<>();
        for (int length = WireFormat.HEADER_SIZE; length < good.length; length++) {
            refused.add(Arrays.copyOf(good, length)); // every truncation
        }
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        refused.add(trailing);
        refused.add(serializer.serialize(TOPIC, event("tx-\uFFFD", Map.of())));
        refused.add(serializer.serialize(TOPIC, event("tx-1", Map.of("\uFFFD", new JsonValue(true)))));
        refused.add(serializer.serialize(TOPIC, event("tx-1", nested(EventCodec.MAX_DEPTH))));
        byte[] badBranch = serializer.serialize(TOPIC, event("tx-1", Map.of("k", new JsonValue(true))));
        badBranch[badBranch.length - 3] = 12; // the value's branch: 6, where there are six (0–5)
        refused.add(badBranch);
        byte[] hugeCount = serializer.serialize(TOPIC, event("tx-1", Map.of()));
        hugeCount[hugeCount.length - 1] = 0x7e; // a map block of 63 entries in no bytes
        refused.add(hugeCount);

        refused.addAll(oddEncodings());

        for (byte[] record : refused) {
            AvroBinary payload = AvroBinary.payloadOf(record);
            assertThatThrownBy(() -> EventCodec.read(payload)).as(Arrays.toString(record))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(UsageCodec.readByHand(payload)).isNull();
        }
        // A block with a negative count and its true size in bytes is read.
        byte[] sized = withTail(serializer.serialize(TOPIC, event("tx-1", Map.of())), 0x01, 0x08, 0x02, 'k', 0x02, 0x01,
                0x00);
        assertThat(EventCodec.read(AvroBinary.payloadOf(sized)).getProperties()).isEqualTo(Map.of("k",
                new JsonValue(true)));
        // The deepest nesting it reads itself.
        byte[] deepest = serializer.serialize(TOPIC, event("tx-1", nested(EventCodec.MAX_DEPTH - 1)));
        assertThat(EventCodec.read(AvroBinary.payloadOf(deepest))).isEqualTo(avro.deserialize(TOPIC, deepest));
    }

    /**
     * A parser that has read the schema ID before reads by hand; one whose deserializer it cannot see into reads with
     * Avro alone. Both must answer every record alike: each byte of valid records overwritten, truncations, invalid
     * UTF-8, deep nesting, odd encodings.
     */
    @Test
    void aParserReadingByHandAnswersEveryRecordAsAvroAloneDoes() {
        UsageParser warm = new UsageParser(avro);
        SpecificAvroDeserializer<UsageEvent> plain = strict();
        UsageParser avroAlone = new UsageParser(plain::deserialize);
        Random random = new Random(42);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] good = serializer.serialize(TOPIC, randomEvent(random));
            records.add(good);
            for (int at = WireFormat.HEADER_SIZE; at < good.length; at++) {
                for (int b : new int[] {0x00, 0x01, 0x02, 0x7f, 0x80, 0xff}) {
                    byte[] changed = good.clone();
                    changed[at] = (byte) b;
                    records.add(changed);
                }
                records.add(Arrays.copyOf(good, at));
            }
        }
        byte[] marked = serializer.serialize(TOPIC, event("tx-1", Map.of("k", new JsonValue("MARK"))));
        int mark = indexOf(marked, "MARK".getBytes(StandardCharsets.UTF_8));
        for (byte[] invalid : new byte[][] {{(byte) 0xc3, 0x28}, {(byte) 0xed, (byte) 0xa0}, {(byte) 0xff, 0x41}}) {
            byte[] record = marked.clone();
            record[mark] = invalid[0];
            record[mark + 1] = invalid[1];
            records.add(record);
        }
        records.add(serializer.serialize(TOPIC, event("tx-1", nested(EventCodec.MAX_DEPTH + 5))));
        records.add(serializer.serialize(TOPIC, event("tx-\uFFFD", Map.of())));
        records.addAll(oddEncodings());
        warm.parse(TOPIC, records.get(0));

        int readByHand = 0;
        for (byte[] record : records) {
            UsageParser.Parsed byAvro = avroAlone.parse(TOPIC, record);
            UsageParser.Parsed parsed = warm.parse(TOPIC, record);

            assertThat(parsed.event()).as(() -> Arrays.toString(record) + ", by Avro " + byAvro.refused())
                    .isEqualTo(byAvro.event());
            assertThat(parsed.refused()).as(() -> Arrays.toString(record)).isEqualTo(byAvro.refused());
            assertThat(parsed.binary() != null).as("the encoding kept with each event read").isEqualTo(
                    parsed.event() != null);
            if (parsed.event() != null) {
                assertThat(shape(parsed.event())).isEqualTo(shape(byAvro.event()));
                if (UsageCodec.readByHand(AvroBinary.payloadOf(record)) != null) {
                    readByHand++;
                }
            }
        }
        assertThat(readByHand).as("records the warm parser read by hand").isGreaterThan(6);
    }

    /**
     * Properties {"k": true} encoded in ways Avro's writer never uses, each left to Avro: a union index in six bytes
     * (Avro refuses ints longer than five), a boolean byte of 2 (Avro reads false), a block with a negative count
     * whose size in bytes is not what its items take (Avro's checking pass skips by the size).
     */
    private List<byte[]> oddEncodings() {
        byte[] empty = serializer.serialize(TOPIC, event("tx-1", Map.of()));
        return List.of(
                withTail(empty, 0x02, 0x02, 'k', 0x82, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x00),
                withTail(empty, 0x02, 0x02, 'k', 0x02, 0x02, 0x00),
                withTail(empty, 0x01, 0x00, 0x02, 'k', 0x02, 0x01, 0x00),
                withTail(empty, 0x01, 0x06, 0x02, 'k', 0x02, 0x01, 0x00));
    }

    /** {@code record} (whose properties are empty: its last byte ends them) with its properties written as given. */
    private static byte[] withTail(byte[] record, int... properties) {
        byte[] changed = Arrays.copyOf(record, record.length - 1 + properties.length);
        for (int i = 0; i < properties.length; i++) {
            changed[record.length - 1 + i] = (byte) properties[i];
        }
        return changed;
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        for (int i = 0; i + part.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    private static UsageEvent event(String transactionId, Map<String, JsonValue> properties) {
        return UsageEvent.newBuilder().setTransactionId(transactionId).setCustomerId("alice@example.com")
                .setEventType("api_call").setTimestamp("2026-11-22T10:15:30.5Z").setProperties(properties).build();
    }

    /** Properties with objects nested {@code levels} deep below the properties object. */
    private static Map<String, JsonValue> nested(int levels) {
        Map<String, JsonValue> inner = new LinkedHashMap<>();
        inner.put("leaf", new JsonValue(new JsonNumber("1")));
        for (int i = 0; i < levels; i++) {
            Map<String, JsonValue> outer = new LinkedHashMap<>();
            outer.put("level" + i, new JsonValue(inner));
            inner = outer;
        }
        return inner;
    }

    private static UsageEvent randomEvent(Random random) {
        return UsageEvent.newBuilder()
                .setTransactionId(random.nextInt(8) == 0 ? null : "tx-" + random.nextLong())
                .setCustomerId(random.nextInt(8) == 0 ? null : text(random))
                .setEventType(random.nextInt(8) == 0 ? null : text(random))
                .setTimestamp(random.nextInt(8) == 0 ? null : text(random))
                .setProperties(object(random, 0))
                .build();
    }

    private static String text(Random random) {
        return TEXTS[random.nextInt(TEXTS.length)] + (random.nextBoolean() ? "" : random.nextInt(1000));
    }

    private static Map<String, JsonValue> object(Random random, int depth) {
        Map<String, JsonValue> map = new LinkedHashMap<>();
        int size = random.nextInt(depth == 0 ? 12 : 5);
        for (int i = 0; i < size; i++) {
            map.put(text(random), value(random, depth + 1));
        }
        return map;
    }

    private static JsonValue value(Random random, int depth) {
        int branch = random.nextInt(depth < 4 ? 6 : 4);
        return new JsonValue(switch (branch) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> text(random);
            case 3 -> new JsonNumber(NUMBERS[random.nextInt(NUMBERS.length)]);
            case 4 -> {
                List<JsonValue> list = new ArrayList<>();
                for (int i = random.nextInt(5); i > 0; i--) {
                    list.add(value(random, depth + 1));
                }
                yield list;
            }
            default -> object(random, depth);
        });
    }

    /** The event's containers as class names and key orders: what equals() does not compare. */
    private static String shape(UsageEvent event) {
        StringBuilder out = new StringBuilder();
        shape(event.getProperties(), out);
        return out.toString();
    }

    private static void shape(Object value, StringBuilder out) {
        if (value instanceof JsonValue json) {
            shape(json.getValue(), out);
        } else if (value instanceof Map<?, ?> map) {
            out.append(map.getClass().getName()).append('{');
            map.forEach((k, v) -> {
                out.append(k.getClass().getName()).append(':').append(k).append('=');
                shape(v, out);
            });
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append(list.getClass().getName()).append(list instanceof GenericData.Array<?> a ? a.getSchema() : "")
                    .append('[');
            list.forEach(v -> shape(v, out));
            out.append(']');
        } else {
            out.append(value == null ? "null" : value.getClass().getName() + ":" + value).append(',');
        }
    }
}
