package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.Rejection;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Rule 4: two customers on different partitions claim one free alias while both claims are in flight. Whatever
 * order the ownership partition sees the claims in, and whatever order the outcomes come back in, exactly one
 * customer ends up with the alias and the other is refused: never both, never neither.
 */
class ClaimRaceTest {

    private static final int CUSTOMER_PARTITIONS = 3;
    private static final int ALIAS_PARTITIONS = 2;

    private final PartitionedAliasSync app = new PartitionedAliasSync(CUSTOMER_PARTITIONS, ALIAS_PARTITIONS);
    private int changes;

    private CustomerChange change(String customerId, Object payload) {
        changes++;
        return CustomerChange.newBuilder().setChangeId("change-" + changes).setCustomerId(customerId)
                .setOccurredAt(Instant.ofEpochSecond(changes)).setPayload(payload).build();
    }

    /** Two customer IDs whose changes land on different partitions. */
    private String[] customersOnDifferentPartitions() {
        String first = "customer-a";
        String second = IntStream.range(0, 100).mapToObj(i -> "customer-b" + i)
                .filter(id -> app.customerPartition(id) != app.customerPartition(first))
                .findFirst().orElseThrow();
        return new String[] {first, second};
    }

    @ParameterizedTest(name = "customer {0} claims first, outcomes applied to customer {1} first")
    @CsvSource({"a,a", "a,b", "b,a", "b,b"})
    void exactlyOneOfTwoRacingCustomersGetsAFreeAlias(String claimsFirst, String appliedFirst) {
        String[] ids = customersOnDifferentPartitions();
        app.send(change(ids[0], AliasSyncDriver.created("A")));
        app.send(change(ids[1], AliasSyncDriver.created("B")));
        app.settle();
        String winner = claimsFirst.equals("a") ? ids[0] : ids[1];
        String loser = winner.equals(ids[0]) ? ids[1] : ids[0];

        // Both customers' partitions process their claim before the alias partition decides either.
        app.send(change(winner, AliasSyncDriver.aliasesSet("prize", "own-" + winner)));
        app.send(change(loser, AliasSyncDriver.aliasesSet("prize", "own-" + loser)));
        assertThat(app.commandsWaiting(app.aliasPartition("prize"))).isGreaterThanOrEqualTo(2);
        for (int p = 0; p < ALIAS_PARTITIONS; p++) {
            while (app.commandsWaiting(p) > 0) {
                app.decideNext(p);
            }
        }
        assertThat(app.outcomesWaiting(app.customerPartition(winner))).isPositive();
        assertThat(app.outcomesWaiting(app.customerPartition(loser))).isPositive();
        String first = appliedFirst.equals("a") ? ids[0] : ids[1];
        drainOutcomes(first);
        drainOutcomes(first.equals(ids[0]) ? ids[1] : ids[0]);
        app.settle();

        assertThat(app.bindings.get("prize").getCustomerId()).isEqualTo(winner);
        assertThat(app.customers.get(winner).getIngestAliases()).containsExactly("prize", "own-" + winner);
        assertThat(app.customers.get(loser).getIngestAliases()).containsExactly("own-" + loser);
        List<Record<String, Rejection>> refusals = app.rejections;
        assertThat(refusals).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(loser);
            assertThat(r.value().getReason()).isEqualTo("ALIAS_IN_USE");
            assertThat(r.value().getSubject()).isEqualTo("prize");
            assertThat(r.value().getOriginalValue()).isNotNull();
        });
    }

    @Test
    void aStaleGrantDoesNotGiveBackAnAliasThatMovedOnInTheMeantime() {
        String[] ids = customersOnDifferentPartitions();
        String a = ids[0];
        String b = ids[1];
        app.send(change(a, AliasSyncDriver.created("A")));
        app.send(change(b, AliasSyncDriver.created("B")));
        app.settle();

        // A claims, drops and claims "x" again; B claims it in between. Nothing is decided until all are sent.
        app.send(change(a, AliasSyncDriver.aliasesSet("x")));
        app.send(change(a, AliasSyncDriver.aliasesSet()));
        app.send(change(b, AliasSyncDriver.aliasesSet("x")));
        app.send(change(a, AliasSyncDriver.aliasesSet("x")));
        int x = app.aliasPartition("x");
        while (app.commandsWaiting(x) > 0) {
            app.decideNext(x);
        }
        // A's first grant arrives while A wants "x" again: it answers a superseded claim and must not count.
        int partitionOfA = app.customerPartition(a);
        app.applyNextOutcome(partitionOfA);
        assertThat(app.customers.get(a)).as("not published while a claim is in flight").isNotNull();
        assertThat(app.customers.get(a).getIngestAliases()).doesNotContain("x");
        app.settle();

        assertThat(app.bindings.get("x").getCustomerId()).isEqualTo(b);
        assertThat(app.customers.get(b).getIngestAliases()).containsExactly("x");
        assertThat(app.customers.get(a).getIngestAliases()).isEmpty();
        assertThat(app.rejections).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(a);
            assertThat(r.value().getSubject()).isEqualTo("x");
        });
    }

    private void drainOutcomes(String customerId) {
        int partition = app.customerPartition(customerId);
        while (app.outcomesWaiting(partition) > 0) {
            app.applyNextOutcome(partition);
        }
    }
}
