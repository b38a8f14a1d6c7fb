package io.meterflow.ingest.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class AggregateKeysTest {

    @Test
    void keysSortByCustomerIdAsUtf8BytesEvenWithNulCharactersAndEachCustomerIsOneRange() {
        List<String> customers = List.of("a", "a\u0000", "a\u0000b", "a\u0001", "ab", "b", "\u00e9");
        List<Bytes> rows = new ArrayList<>();
        for (String c : customers) {
            rows.add(AggregateKeys.row(c, "m", 7, 0, 0, List.of()));
        }
        List<Bytes> sorted = new ArrayList<>(rows);
        sorted.sort(Bytes::compareTo);
        assertThat(sorted).isEqualTo(rows);
        for (int i = 0; i < customers.size(); i++) {
            String c = customers.get(i);
            assertThat(AggregateKeys.customerId(rows.get(i))).isEqualTo(c);
            for (Bytes other : rows) {
                boolean inRange = other.compareTo(AggregateKeys.customerFirst(c)) >= 0
                        && other.compareTo(AggregateKeys.customerLast(c)) <= 0;
                assertThat(inRange).isEqualTo(other.equals(rows.get(i)));
            }
        }
    }

    @Test
    void aRowKeyDecodesToItsPartsAndNoRowKeyIsAPrefixOfAnother() {
        Bytes row = AggregateKeys.row("c", "metric", 7, 3_600_000L, 2, Arrays.asList("EU", null));
        AggregateKeys.Row decoded = AggregateKeys.decodeRow(row, new int[] {1, 2});
        assertThat(decoded).isEqualTo(new AggregateKeys.Row("c", "metric", 7, 3_600_000L, 2, Arrays.asList("EU", null)));
        assertThat(AggregateKeys.hourOf(row.get())).isEqualTo(3_600_000L);
        assertThat(AggregateKeys.metricIdOf(row.get())).isEqualTo("metric");
        assertThat(AggregateKeys.versionOf(row.get())).isEqualTo(7);

        Bytes shorter = AggregateKeys.row("c", "metric", 7, 3_600_000L, 1, List.of("E"));
        Bytes longer = AggregateKeys.row("c", "metric", 7, 3_600_000L, 1, List.of("EU"));
        assertThat(startsWith(longer, shorter)).isFalse();
        Bytes value = AggregateKeys.value(shorter, "x");
        assertThat(value.compareTo(AggregateKeys.valuesFirst(shorter)) >= 0
                && value.compareTo(AggregateKeys.valuesLast(shorter)) <= 0).isTrue();
        assertThat(longer.compareTo(AggregateKeys.valuesFirst(shorter)) >= 0
                && longer.compareTo(AggregateKeys.valuesLast(shorter)) <= 0).isFalse();
    }

    private static boolean startsWith(Bytes key, Bytes prefix) {
        byte[] k = key.get();
        byte[] p = prefix.get();
        return k.length >= p.length && Arrays.equals(Arrays.copyOf(k, p.length), p);
    }
}
