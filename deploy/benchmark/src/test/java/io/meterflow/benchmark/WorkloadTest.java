package io.meterflow.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.IngestAliasesSet;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    private final Workload workload = new Workload("t1", 100_000, 1000);

    @Test
    void onePercentOfRecordsAreDuplicatesAndAboutTenPercentOfTheRestUseLateAliases() {
        Workload.Expected expected = workload.expected();
        assertThat(expected.duplicates()).isEqualTo(1000);
        assertThat(expected.unique()).isEqualTo(99_000);
        assertThat((double) expected.lateUnique() / expected.unique()).isBetween(0.09, 0.11);
        assertThat(expected.movingUnique()).isPositive();
    }

    @Test
    void aDuplicateRepeatsItsOriginalExactly() {
        assertThat(workload.transactionId(199)).isEqualTo(workload.transactionId(149));
        assertThat(workload.event(199)).isEqualTo(workload.event(149));
        assertThat(workload.indexOf(workload.transactionId(199))).isEqualTo(149);
    }

    @Test
    void transactionIdsOfOtherPhasesAreNotThroughputRecords() {
        assertThat(workload.indexOf("t1-lat-5")).isEqualTo(-1);
        assertThat(workload.indexOf("t2-5")).isEqualTo(-1);
    }

    @Test
    void aMovingAliasEndsWithItsTargetCustomerAndOnlyThere() {
        int mover = workload.customers() - 1;
        int target = workload.moveTarget(mover);
        assertThat(aliases(workload.aliasesSet(mover, true))).doesNotContain(workload.alias(mover));
        assertThat(aliases(workload.aliasesSet(target, true))).contains(workload.alias(mover), workload.alias(target));
        assertThat(aliases(workload.aliasesSet(0, false))).containsExactly(workload.alias(0), workload.lateAlias(0));
    }

    @Test
    void lateRecordsAreAttachedToTheCustomerOfTheirAlias() {
        long late = 0;
        while (!workload.isLate(late)) {
            late++;
        }
        int customer = workload.customerIndex(late);
        assertThat(workload.identifier(late)).isEqualTo(workload.lateAlias(customer));
        assertThat(aliases(workload.aliasesSet(customer, false))).contains(workload.lateAlias(customer));
    }

    private static java.util.List<String> aliases(CustomerChange change) {
        return ((IngestAliasesSet) change.getPayload()).getIngestAliases();
    }
}
