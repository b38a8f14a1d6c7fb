package io.meterflow.ingest.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class IdentifierKeyTest {

    @Test
    void keepsEachIdentifiersEntriesInItsOwnContiguousRange() {
        TreeMap<Bytes, String> index = new TreeMap<>();
        for (String identifier : List.of("ab", "abc", "a", "b", "ab\u0000", "ö")) {
            for (String txn : List.of("", "1", "z", "\uFFFF", "ab")) {
                index.put(IdentifierKey.of(identifier, txn), identifier + "/" + txn);
            }
        }
        var range = index.subMap(IdentifierKey.first("ab"), true, IdentifierKey.last("ab"), true);
        assertThat(range.values()).containsExactly("ab/", "ab/1", "ab/ab", "ab/z", "ab/\uFFFF");
    }

    @Test
    void readsBackTheIdentifierAndTransactionId() {
        Bytes key = IdentifierKey.of("ops@acme.example", "txn-é-1");
        assertThat(IdentifierKey.identifier(key)).isEqualTo("ops@acme.example");
        assertThat(IdentifierKey.transactionId(key)).isEqualTo("txn-é-1");
    }

    @Test
    void theSuccessorOfAKeyIsTheNextPossibleKey() {
        Bytes key = IdentifierKey.of("a", "t1");
        Bytes next = IdentifierKey.successor(key.get());
        assertThat(next.compareTo(key)).isPositive();
        assertThat(next).isEqualTo(IdentifierKey.of("a", "t1\u0000")); // nothing fits in between
        assertThat(next.compareTo(IdentifierKey.of("a", "t10"))).isNegative();
    }

    @Test
    void ordersPendingTimeKeysByTime() {
        assertThat(PendingTimeKey.of(1_000, "zzz").compareTo(PendingTimeKey.of(2_000, "aaa"))).isNegative();
        assertThat(PendingTimeKey.acceptedAt(PendingTimeKey.of(1_732_270_530_123L, "t"))).isEqualTo(1_732_270_530_123L);
        assertThat(PendingTimeKey.transactionId(PendingTimeKey.of(5, "tx-é"))).isEqualTo("tx-é");
    }
}
