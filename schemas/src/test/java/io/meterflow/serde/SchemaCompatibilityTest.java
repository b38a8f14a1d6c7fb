package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.SchemaCompatibility.Direction;
import io.meterflow.serde.SchemaCompatibility.Incompatible;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * The checker behind the release test can fail: each kind of change that would break a reader running the other
 * version is reported, in the direction it breaks.
 */
class SchemaCompatibilityTest {

    private static List<Direction> directions(List<Incompatible> problems) {
        return problems.stream().map(Incompatible::direction).distinct().toList();
    }

    @Test
    void everyCurrentSchemaIsCompatibleWithItself() {
        for (Schema schema : KnownSchemas.CURRENT) {
            assertThat(SchemaCompatibility.check(schema, schema)).as(schema.getName()).isEmpty();
        }
    }

    @Test
    void addingAFieldWithADefaultIsCompatibleBothWays() {
        Schema changed = SchemaEdits.withField(UsageEvent.getClassSchema(), "region", "string", "\"\"");

        assertThat(SchemaCompatibility.check(changed, UsageEvent.getClassSchema())).isEmpty();
    }

    @Test
    void removingAFieldThatHasADefaultIsCompatibleBothWays() {
        Schema changed = SchemaEdits.withoutField(AliasBinding.getClassSchema(), "archived");

        assertThat(SchemaCompatibility.check(changed, AliasBinding.getClassSchema())).isEmpty();
    }

    @Test
    void addingAFieldWithoutADefaultIsBackwardIncompatible() {
        Schema changed = SchemaEdits.withField(UsageEvent.getClassSchema(), "region", "string", null);

        List<Incompatible> problems = SchemaCompatibility.check(changed, UsageEvent.getClassSchema());

        assertThat(directions(problems)).containsExactly(Direction.BACKWARD);
        assertThat(problems).singleElement().satisfies(problem -> {
            assertThat(problem.type()).isEqualTo("READER_FIELD_MISSING_DEFAULT_VALUE");
            assertThat(problem.message()).contains("region");
            assertThat(problem.toString()).startsWith("BACKWARD READER_FIELD_MISSING_DEFAULT_VALUE at ");
        });
    }

    @Test
    void removingAFieldWithoutADefaultIsForwardIncompatible() {
        Schema changed = SchemaEdits.withoutField(AliasBinding.getClassSchema(), "change_id");

        List<Incompatible> problems = SchemaCompatibility.check(changed, AliasBinding.getClassSchema());

        assertThat(directions(problems)).containsExactly(Direction.FORWARD);
        assertThat(problems).extracting(Incompatible::type).containsExactly("READER_FIELD_MISSING_DEFAULT_VALUE");
        assertThat(problems.get(0).message()).contains("change_id");
    }

    @Test
    void changingAFieldFromStringToIntIsIncompatibleBothWays() {
        Schema changed = SchemaEdits.withFieldType(AliasBinding.getClassSchema(), "alias", "int");

        List<Incompatible> problems = SchemaCompatibility.check(changed, AliasBinding.getClassSchema());

        assertThat(directions(problems)).containsExactlyInAnyOrder(Direction.BACKWARD, Direction.FORWARD);
        assertThat(problems).extracting(Incompatible::type).containsOnly("TYPE_MISMATCH");
        assertThat(problems).extracting(Incompatible::location).allMatch(location -> location.contains("fields/0"));
    }

    @Test
    void removingAnEnumSymbolIsBackwardIncompatible() {
        Schema changed = SchemaEdits.withEnumSymbols(ResolvedUsage.getClassSchema(), "resolution",
                "DIRECT", "ALIAS", "REPLAYED");

        List<Incompatible> problems = SchemaCompatibility.check(changed, ResolvedUsage.getClassSchema());

        assertThat(directions(problems)).containsExactly(Direction.BACKWARD);
        assertThat(problems).singleElement().satisfies(problem -> {
            assertThat(problem.type()).isEqualTo("MISSING_ENUM_SYMBOLS");
            assertThat(problem.message()).contains("REASSIGNED");
        });
    }

    @Test
    void addingAnEnumSymbolIsForwardIncompatibleBecauseTheEnumsHaveNoDefault() {
        Schema changed = SchemaEdits.withEnumSymbols(ResolvedUsage.getClassSchema(), "kind", "ASSIGN", "RETRACT", "ADJUST");

        List<Incompatible> problems = SchemaCompatibility.check(changed, ResolvedUsage.getClassSchema());

        assertThat(directions(problems)).containsExactly(Direction.FORWARD);
        assertThat(problems).extracting(Incompatible::type).containsExactly("MISSING_ENUM_SYMBOLS");
        assertThat(problems.get(0).message()).contains("ADJUST");
    }

    @Test
    void renamingARecordIsIncompatible() {
        Schema changed = SchemaEdits.edited(AliasBinding.getClassSchema(), record -> record.put("name", "Binding"));

        List<Incompatible> problems = SchemaCompatibility.check(changed, AliasBinding.getClassSchema());

        assertThat(problems).extracting(Incompatible::type).contains("NAME_MISMATCH");
    }

    @Test
    void addingAKindOfValueToJsonValueIsForwardIncompatible() {
        Schema changed = SchemaEdits.edited(JsonValue.getClassSchema(),
                record -> ((com.fasterxml.jackson.databind.node.ArrayNode) SchemaEdits.field(record, "value").get("type"))
                        .add("double"));

        List<Incompatible> problems = SchemaCompatibility.check(changed, JsonValue.getClassSchema());

        assertThat(directions(problems)).containsExactly(Direction.FORWARD);
        assertThat(problems).extracting(Incompatible::type).contains("MISSING_UNION_BRANCH");
    }

    @Test
    void everyProblemOfSeveralEditsIsReported() {
        Schema changed = SchemaEdits.withFieldType(
                SchemaEdits.withField(AliasBinding.getClassSchema(), "region", "string", null), "change_id", "long");

        List<Incompatible> problems = SchemaCompatibility.check(changed, AliasBinding.getClassSchema());

        assertThat(problems).extracting(Incompatible::type)
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE", "TYPE_MISMATCH");
        assertThat(directions(problems)).containsExactlyInAnyOrder(Direction.BACKWARD, Direction.FORWARD);
    }
}
