package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.CustomFieldsSet;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.Rejection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Finding 1 of issue 12: no input may make alias-sync write a record over Kafka's limit (1 MiB per record, the
 * producer's {@code max.request.size} and the topics' {@code max.message.bytes}), because such a record stops the
 * app. A customer change is limited at the edge ({@code alias-sync.max.change.bytes}); a customer's state is
 * limited by a budget under the record limit; both refusals are {@code TOO_LARGE}. The last test sends the largest
 * changes and builds the largest state alias-sync accepts and measures every record it wrote, changelogs and
 * internal topics included.
 */
class RecordSizeTest {

    static final int RECORD_LIMIT = 1_048_576;
    /** Kafka's framing of one record alone in a batch: a 61-byte batch header, a record header and length varints. */
    static final int KAFKA_FRAMING = 512;
    static final int DEFAULT_MAX_CHANGE_BYTES = 512 * 1024;
    static final int LARGEST_MAX_CHANGE_BYTES = RECORD_LIMIT - 16 * 1024;
    static final String MAX_CHANGE_BYTES = "alias-sync.max.change.bytes";

    @TempDir
    Path dir;

    private final List<AliasSyncDriver> drivers = new ArrayList<>();

    @AfterEach
    void close() {
        drivers.forEach(AliasSyncDriver::close);
    }

    private AliasSyncDriver app(Map<String, String> settings) {
        AliasSyncDriver driver = new AliasSyncDriver(dir.resolve("state-" + drivers.size()), settings);
        drivers.add(driver);
        return driver;
    }

    static List<String> aliases(String prefix, int count, String unit) {
        return IntStream.range(0, count)
                .mapToObj(i -> (prefix + i + "-" + unit.repeat(128)).codePoints().limit(128)
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString())
                .toList();
    }

    private static byte[] key(String customerId) {
        return customerId.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(AliasSyncDriver app, CustomerChange change) {
        return app.topics.customerChanges().valueSerde().serializer().serialize("customer-changes", change);
    }

    /**
     * A create for {@code customerId} with {@code aliases} whose record (key and Confluent-framed value, as
     * alias-sync measures it) is exactly {@code bytes} long, padded with a custom field.
     */
    static CustomerChange createOfExactly(AliasSyncDriver app, String customerId, List<String> aliases, int bytes) {
        CustomerCreated created = AliasSyncDriver.created("Customer " + customerId, aliases.toArray(String[]::new));
        CustomerChange change = app.change(customerId, app.nextChangeId(), created);
        int pad = 0;
        for (int attempt = 0; attempt < 5; attempt++) {
            created.setCustomFields(Map.of("pad", "p".repeat(pad)));
            int size = key(customerId).length + value(app, change).length;
            if (size == bytes) {
                return change;
            }
            pad += bytes - size;
        }
        throw new AssertionError("could not build a change of exactly " + bytes + " bytes");
    }

    private static byte[] garbage(int bytes) {
        byte[] garbage = new byte[bytes];
        new Random(42).nextBytes(garbage);
        return garbage;
    }

    private static List<Rejection> rejections(AliasSyncDriver app) {
        return app.rejections().stream().map(kv -> kv.value).toList();
    }

    @Test
    void aChangeOneByteOverTheLimitIsRefusedAsTooLargeAndNothingIsApplied() {
        AliasSyncDriver app = app(Map.of());
        CustomerChange change = createOfExactly(app, "c-1", aliases("a", 10, "x"), DEFAULT_MAX_CHANGE_BYTES + 1);
        byte[] value = value(app, change);

        app.sendRaw(key("c-1"), value);

        assertThat(app.customers()).isEmpty();
        assertThat(app.customerStore().get("c-1") == null).as("nothing stored for c-1").isTrue();
        assertThat(app.owners()).isEmpty();
        assertThat(rejections(app)).singleElement().satisfies(rejection -> {
            assertThat(rejection.getReason()).isEqualTo("TOO_LARGE");
            assertThat(rejection.getDetail()).contains(String.valueOf(DEFAULT_MAX_CHANGE_BYTES + 1))
                    .contains(MAX_CHANGE_BYTES).contains(String.valueOf(DEFAULT_MAX_CHANGE_BYTES));
            assertThat(rejection.getOriginalTruncated()).isTrue();
            assertThat(rejection.getOriginalValueSize()).isEqualTo(value.length);
        });
        assertThat(app.count(AliasSyncMetrics.REFUSALS, "reason", "TOO_LARGE")).isEqualTo(1);
    }

    @Test
    void aChangeOfExactlyTheLimitIsApplied() {
        AliasSyncDriver app = app(Map.of());
        List<String> aliases = aliases("a", 2000, "x");

        app.send(createOfExactly(app, "c-1", aliases, DEFAULT_MAX_CHANGE_BYTES));

        assertThat(app.aliasesOf("c-1")).containsExactlyElementsOf(aliases);
        assertThat(app.rejections()).isEmpty();
    }

    @Test
    void aMegabyteOfGarbageIsRefusedWithARejectionThatFitsItsTopic() {
        AliasSyncDriver app = app(Map.of());
        byte[] garbage = garbage(1_048_480);

        app.sendRaw(key("c-1"), garbage);

        List<KeyValue<byte[], byte[]>> written = app.rawRecords(app.topics.customerChangesRejected().name());
        assertThat(written).singleElement().satisfies(kv -> {
            assertThat(kv.value.length).isLessThan(70 * 1024);
            Rejection rejection = app.topics.customerChangesRejected().valueSerde().deserializer()
                    .deserialize("customer-changes-rejected", kv.value);
            assertThat(rejection.getReason()).isEqualTo("TOO_LARGE");
            assertThat(rejection.getOriginalTruncated()).isTrue();
            assertThat(rejection.getOriginalValueSize()).isEqualTo(garbage.length);
            assertThat(rejection.getOriginalValueSha256()).hasSize(64);
        });
        app.create("c-1", "still-running");
        assertThat(app.aliasesOf("c-1")).containsExactly("still-running");
    }

    @Test
    void customFieldsThatWouldGrowTheCustomerPastItsBudgetAreRefusedAsTooLarge() {
        AliasSyncDriver app = app(Map.of());
        app.create("c-1", "a");
        // Each change is well under the change limit, but custom fields accumulate in the customer's state.
        for (int i = 0; i < 3; i++) {
            app.setCustomFields("c-1", Map.of("field-" + i, String.valueOf(i).repeat(400_000)), List.of());
        }

        Customer customer = app.customerStore().get("c-1");
        assertThat(customer.getCustomFields()).containsOnlyKeys("field-0", "field-1");
        assertThat(rejections(app)).singleElement().satisfies(rejection -> {
            assertThat(rejection.getReason()).isEqualTo("TOO_LARGE");
            assertThat(rejection.getDetail()).contains("customer");
        });
        // Shrinking is always possible: removing a field is applied.
        app.setCustomFields("c-1", Map.of(), List.of("field-0"));
        assertThat(app.customerStore().get("c-1").getCustomFields()).containsOnlyKeys("field-1");
    }

    /** 2000 distinct aliases of 128 characters, every one of them four bytes in UTF-8: the worst case, 1,028,000 bytes. */
    static List<String> fourByteAliases(String salt) {
        return IntStream.range(0, 2000).mapToObj(i -> {
            StringBuilder alias = new StringBuilder();
            // Four characters from U+1F300..U+1F33F spell the index and a salt; the rest is U+1F600.
            for (int digit : new int[] {i / 64 / 64, i / 64 % 64, i % 64, salt.hashCode() & 63}) {
                alias.appendCodePoint(0x1F300 + digit);
            }
            return alias.append("😀".repeat(124)).toString();
        }).toList();
    }

    @Test
    void twoThousandAliasesOfFourByteCharactersAreOverTheDefaultChangeLimit() {
        AliasSyncDriver app = app(Map.of());
        app.create("c-1");

        app.setAliases("c-1", fourByteAliases("a").toArray(String[]::new));

        assertThat(app.aliasesOf("c-1")).isEmpty();
        assertThat(rejections(app)).singleElement().satisfies(rejection -> {
            assertThat(rejection.getReason()).isEqualTo("TOO_LARGE");
            assertThat(rejection.getDetail()).contains(MAX_CHANGE_BYTES);
        });
    }

    @Test
    void twoThousandAliasesOfFourByteCharactersFitAloneUnderTheLargestChangeLimitButNotWithCustomFields() {
        AliasSyncDriver app = app(Map.of(MAX_CHANGE_BYTES, String.valueOf(LARGEST_MAX_CHANGE_BYTES)));
        app.create("alone");
        CustomerCreated withFields = AliasSyncDriver.created("With fields");
        withFields.setCustomFields(Map.of("notes", "n".repeat(10_000)));
        app.send(app.change("with-fields", app.nextChangeId(), withFields));

        app.setAliases("alone", fourByteAliases("b").toArray(String[]::new));
        app.setAliases("with-fields", fourByteAliases("c").toArray(String[]::new));

        assertThat(app.aliasesOf("alone")).hasSize(2000);
        assertThat(app.aliasesOf("with-fields")).isEmpty();
        assertThat(rejections(app)).singleElement().satisfies(rejection -> {
            assertThat(rejection.getReason()).isEqualTo("TOO_LARGE");
            assertThat(rejection.getDetail()).contains("with-fields", "2000 ingest aliases", "record");
        });
    }

    /**
     * The largest change accepted and the largest state reached, then everything that makes copies of a change (a
     * claim refused for each of many aliases, a replacement, an archive) and every kind of oversized or broken input:
     * every record on every topic alias-sync wrote fits under the record limit with Kafka's framing.
     */
    @ParameterizedTest(name = "with alias-sync.max.change.bytes = {0}")
    @ValueSource(ints = {DEFAULT_MAX_CHANGE_BYTES, LARGEST_MAX_CHANGE_BYTES})
    void everyRecordAliasSyncWritesFitsUnderTheRecordLimitForTheLargestChangeAndState(int maxChangeBytes) {
        AliasSyncDriver app = app(Map.of(MAX_CHANGE_BYTES, String.valueOf(maxChangeBytes)));
        List<String> aliases = aliases("held-", 2000, "x");
        String longId = "i".repeat(128);

        // The largest change: a create of exactly the limit, with 2000 aliases of 128 characters.
        app.send(createOfExactly(app, "big", aliases, maxChangeBytes));
        // A customer with the longest IDs, whose state then grows until the budget refuses more.
        app.send(createOfExactly(app, longId, aliases("own-", 2000, "é"), Math.min(maxChangeBytes, 600_000)));
        for (int i = 0; i < 4; i++) {
            Map<String, String> fields = new HashMap<>();
            fields.put("f" + i, "v".repeat(Math.min(maxChangeBytes, 1_000_000) - 2_000));
            app.send(app.change(longId, "c".repeat(120) + i, CustomFieldsSet.newBuilder().setCustomFields(fields)
                    .setRemovedKeys(List.of()).build()));
        }
        // The worst case of aliases: 2000 of 128 four-byte characters (over the default change limit).
        app.create("emoji");
        app.setAliases("emoji", fourByteAliases("d").toArray(String[]::new));
        // A rival claims all of big's aliases in a change as large as allowed: each refusal carries the original.
        app.send(createOfExactly(app, "rival", aliases, maxChangeBytes));
        app.setAliases("big", aliases("next-", 2000, "x").toArray(String[]::new));
        app.archive("big");
        app.archive(longId);
        // Broken and oversized input: garbage of one byte over the limit and of nearly a megabyte, a key that is
        // not its change's customer, an alias far over 128 characters, IDs over 128 characters.
        app.sendRaw(key("big"), garbage(maxChangeBytes + 1));
        app.sendRaw(key("big"), garbage(1_048_480));
        app.sendRaw("k".repeat(200_000).getBytes(StandardCharsets.UTF_8),
                value(app, app.change("big", app.nextChangeId(), AliasSyncDriver.aliasesSet("x"))));
        app.setAliases("big", "a".repeat(200_000));
        app.send(app.change("c".repeat(129), app.nextChangeId(), AliasSyncDriver.created("Long ID")));
        app.send(app.change("big", "d".repeat(129), AliasSyncDriver.aliasesSet("y")));

        Map<String, Integer> largest = new TreeMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String topic : app.driver.producedTopicNames()) {
            for (KeyValue<byte[], byte[]> record : app.rawRecords(topic)) {
                int size = (record.key == null ? 0 : record.key.length) + (record.value == null ? 0 : record.value.length);
                largest.merge(topic, size, Math::max);
                counts.merge(topic, 1, Integer::sum);
            }
        }
        System.out.printf("max.change.bytes=%d: largest record (key + value bytes) per topic %s; records %s%n",
                maxChangeBytes, largest, counts);
        assertThat(largest).isNotEmpty().allSatisfy((topic, size) ->
                assertThat(size).as(topic).isLessThanOrEqualTo(RECORD_LIMIT - KAFKA_FRAMING));
        assertThat(app.count(AliasSyncMetrics.REFUSALS, "reason", "TOO_LARGE")).isGreaterThanOrEqualTo(3);
    }
}
