package io.meterflow.ingest.emit;

import java.util.List;
import org.apache.avro.Schema;

/**
 * The field layout a hand-written codec is written for ({@link StateCodec}, {@link ResolvedCodec}): each field as
 * {@code name:type}, the type spelt by {@link #kind}. A codec is used only while its record's schema still has exactly
 * that layout; a schema change that alters it sends the record back through Avro until the codec is updated.
 */
final class SchemaLayout {

    private SchemaLayout() {
    }

    /** Whether {@code record}'s fields are exactly {@code layout}, in order. */
    static boolean matches(Schema record, List<String> layout) {
        List<Schema.Field> fields = record.getFields();
        if (fields.size() != layout.size()) {
            return false;
        }
        for (int i = 0; i < fields.size(); i++) {
            if (!layout.get(i).equals(fields.get(i).name() + ":" + kind(fields.get(i).schema()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A field type as a layout spells it: {@code string}, {@code long timestamp-millis}, {@code nullable string},
     * {@code enum <full name>}, {@code record <full name>}, {@code map <values>}.
     */
    static String kind(Schema type) {
        return switch (type.getType()) {
            case UNION -> type.getTypes().size() == 2 && type.getTypes().get(0).getType() == Schema.Type.NULL
                    ? "nullable " + kind(type.getTypes().get(1)) : "union";
            case ENUM, RECORD -> type.getType().getName() + " " + type.getFullName();
            case MAP -> "map " + kind(type.getValueType());
            default -> type.getType().getName()
                    + (type.getLogicalType() == null ? "" : " " + type.getLogicalType().getName());
        };
    }
}
