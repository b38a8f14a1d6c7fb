package io.meterflow.aliassync.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.aliassync.rejection.RefusalReason;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class AliasRulesTest {

    @Test
    void collapsesDuplicatesKeepingTheFirstOccurrenceOrder() {
        AliasRules.Result result = AliasRules.check(List.of("b", "a", "b", "c", "a"));

        assertThat(result.violation()).isEmpty();
        assertThat(result.aliases()).containsExactly("b", "a", "c");
    }

    @Test
    void comparesAliasesExactlyAndCaseSensitively() {
        assertThat(AliasRules.check(List.of("Alice", "alice", "alice ")).aliases())
                .containsExactly("Alice", "alice", "alice ");
    }

    @Test
    void countsCharactersNotUtf16Units() {
        String emoji = "😀".repeat(AliasRules.MAX_ALIAS_LENGTH);
        assertThat(emoji.length()).isEqualTo(2 * AliasRules.MAX_ALIAS_LENGTH);

        assertThat(AliasRules.check(List.of(emoji)).violation()).isEmpty();
        assertThat(AliasRules.check(List.of(emoji + "😀")).violation()).get()
                .extracting(AliasRules.Violation::reason).isEqualTo(RefusalReason.INVALID_ALIAS);
    }

    @Test
    void namesTheOffendingAliasByPosition() {
        AliasRules.Violation violation = AliasRules.check(List.of("ok", "", "fine")).violation().orElseThrow();

        assertThat(violation.reason()).isEqualTo(RefusalReason.INVALID_ALIAS);
        assertThat(violation.detail()).startsWith("ingest_aliases[1] is empty");
        assertThat(violation.subject()).isEmpty();
    }

    @Test
    void allowsExactly2000DistinctAliases() {
        List<String> aliases = java.util.stream.IntStream.range(0, 2000).mapToObj(i -> "a" + i).toList();

        assertThat(AliasRules.check(aliases).violation()).isEmpty();
        List<String> tooMany = new java.util.ArrayList<>(aliases);
        tooMany.add("one-more");
        assertThat(AliasRules.check(tooMany).violation()).get()
                .extracting(AliasRules.Violation::reason).isEqualTo(RefusalReason.TOO_MANY_ALIASES);
    }

    @Test
    void countsDistinctAliasesAgainstTheLimit() {
        List<String> twice = java.util.stream.IntStream.range(0, 4000).mapToObj(i -> "a" + (i % 2000)).toList();

        AliasRules.Result result = AliasRules.check(twice);

        assertThat(result.violation()).isEmpty();
        assertThat(result.aliases()).hasSize(2000);
    }

    @Test
    void anEmptyListIsValid() {
        assertThat(AliasRules.check(Collections.emptyList()).violation()).isEmpty();
    }

    @Test
    void truncatesNamesWithoutSplittingACharacter() {
        assertThat(AliasRules.truncateName("short")).isEqualTo("short");
        assertThat(AliasRules.truncateName("é".repeat(200))).isEqualTo("é".repeat(160));
        String name = "😀".repeat(161);
        assertThat(AliasRules.truncateName(name)).isEqualTo("😀".repeat(160));
    }
}
