package io.meterflow.aliassync;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.CustomerChange;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Rule 5 (second half): aliases have 1-128 characters, and a customer at most 2000 of them. */
class AliasLimitsTest extends AliasSyncTestBase {

    private static String[] aliases(int count) {
        return IntStream.range(0, count).mapToObj(i -> "alias-" + i).toArray(String[]::new);
    }

    @Test
    void acceptsAliasesOfOneAnd128Characters() {
        app.create("c-1", "x", "y".repeat(128), "😀".repeat(128));

        assertThat(app.aliasesOf("c-1")).containsExactly("x", "y".repeat(128), "😀".repeat(128));
        assertThat(app.rejections()).isEmpty();
    }

    @Test
    void refusesAWholeSetContainingAnEmptyAlias() {
        app.create("c-1", "keep");

        CustomerChange change = app.setAliases("c-1", "new", "");

        assertThat(app.aliasesOf("c-1")).containsExactly("keep");
        assertThat(app.owners()).doesNotContainKey("new");
        assertThat(app.rejections()).singleElement().satisfies(kv -> {
            assertThat(kv.value.getReason()).isEqualTo("INVALID_ALIAS");
            assertThat(kv.value.getDetail()).contains("ingest_aliases[1]");
            assertThat(kv.value.getChangeId()).isEqualTo(change.getChangeId());
            assertThat(kv.value.getOriginalValue()).isNotNull();
        });
    }

    @Test
    void refusesAnAliasOf129Characters() {
        app.create("c-1");

        app.setAliases("c-1", "z".repeat(129));

        assertThat(app.rejections()).singleElement().satisfies(kv -> {
            assertThat(kv.value.getReason()).isEqualTo("INVALID_ALIAS");
            assertThat(kv.value.getSubject()).isEqualTo("z".repeat(129));
        });
        assertThat(app.aliasesOf("c-1")).isEmpty();
    }

    @Test
    void refusesACreateWithAnInvalidAliasAndCreatesNothing() {
        app.create("c-1", "ok", "");

        assertThat(app.customers()).isEmpty();
        assertThat(app.owners()).isEmpty();
        assertThat(app.rejections()).extracting(kv -> kv.value.getReason()).containsExactly("INVALID_ALIAS");

        app.setName("c-1", "still unknown");
        assertThat(app.rejections()).extracting(kv -> kv.value.getReason())
                .containsExactly("INVALID_ALIAS", "UNKNOWN_CUSTOMER");
    }

    @Test
    void accepts2000Aliases() {
        app.create("c-1", aliases(2000));

        assertThat(app.aliasesOf("c-1")).hasSize(2000).startsWith("alias-0", "alias-1").endsWith("alias-1999");
        assertThat(app.owners()).hasSize(2001);
    }

    @Test
    void refuses2001AliasesAsTooMany() {
        app.create("c-1", "keep");

        app.setAliases("c-1", aliases(2001));

        assertThat(app.aliasesOf("c-1")).containsExactly("keep");
        assertThat(app.rejections()).singleElement().satisfies(kv -> {
            assertThat(kv.value.getReason()).isEqualTo("TOO_MANY_ALIASES");
            assertThat(kv.value.getDetail()).contains("2001");
        });
        assertThat(app.count(AliasSyncMetrics.REFUSALS, "reason", "TOO_MANY_ALIASES")).isEqualTo(1);
    }
}
