package io.meterflow.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import org.apache.avro.Schema;

/** Edits of a record schema's JSON, for building older, newer and broken versions of the contract in tests. */
final class SchemaEdits {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SchemaEdits() {
    }

    /** {@code schema} after {@code edit} changed its JSON (the top-level record object). */
    static Schema edited(Schema schema, Consumer<ObjectNode> edit) {
        try {
            ObjectNode json = (ObjectNode) JSON.readTree(schema.toString());
            edit.accept(json);
            return new Schema.Parser().parse(json.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The top-level field called {@code name}. */
    static ObjectNode field(ObjectNode record, String name) {
        for (JsonNode field : record.get("fields")) {
            if (field.get("name").asText().equals(name)) {
                return (ObjectNode) field;
            }
        }
        throw new AssertionError("no field " + name + " in " + record.get("name"));
    }

    static Schema withoutField(Schema schema, String name) {
        return edited(schema, record -> {
            ArrayNode fields = (ArrayNode) record.get("fields");
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i).get("name").asText().equals(name)) {
                    fields.remove(i);
                    return;
                }
            }
            throw new AssertionError("no field " + name);
        });
    }

    /** Adds a field; {@code defaultJson} is its default as JSON text, or null for none. */
    static Schema withField(Schema schema, String name, String type, String defaultJson) {
        return edited(schema, record -> {
            ObjectNode field = ((ArrayNode) record.get("fields")).addObject().put("name", name).put("type", type);
            if (defaultJson != null) {
                try {
                    field.set("default", JSON.readTree(defaultJson));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }

    static Schema withFieldType(Schema schema, String name, String type) {
        return edited(schema, record -> field(record, name).put("type", type));
    }

    /** Changes the symbols of the enum that is the type of field {@code name}. */
    static Schema withEnumSymbols(Schema schema, String name, String... symbols) {
        return edited(schema, record -> {
            ArrayNode list = ((ObjectNode) field(record, name).get("type")).putArray("symbols");
            for (String symbol : symbols) {
                list.add(symbol);
            }
        });
    }
}
