package io.meterflow.serde;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Checks that a schema change keeps old and new code able to read each other's records, in both directions:
 * <b>backward</b> (the current schema reads data written with a released one: an upgraded consumer reads old
 * records still in a topic or changelog) and <b>forward</b> (a released schema reads data written with the current
 * one: a consumer not yet upgraded reads what an upgraded producer writes). Both together are Confluent's FULL
 * compatibility, which Meterflow needs because its apps upgrade one instance at a time.
 *
 * <p>Built on Avro's own resolution rules ({@link org.apache.avro.SchemaCompatibility}), so a change it accepts
 * is one the serdes can really decode.
 */
public final class SchemaCompatibility {

    /** Which way a check reads. */
    public enum Direction {
        /** The current schema reads records written with the released one. */
        BACKWARD,
        /** The released schema reads records written with the current one. */
        FORWARD
    }

    /** One reason why two schemas cannot read each other's records, in one direction. */
    public record Incompatible(Direction direction, String type, String location, String message) {

        @Override
        public String toString() {
            return direction + " " + type + " at " + location + ": " + message;
        }
    }

    private SchemaCompatibility() {
    }

    /**
     * Every incompatibility between {@code current} and {@code released}, backward then forward; empty when the
     * change is fully compatible.
     */
    public static List<Incompatible> check(Schema current, Schema released) {
        List<Incompatible> problems = new ArrayList<>();
        problems.addAll(check(Direction.BACKWARD, current, released));
        problems.addAll(check(Direction.FORWARD, released, current));
        return problems;
    }

    /** Every incompatibility when {@code reader} reads data written with {@code writer}. */
    private static List<Incompatible> check(Direction direction, Schema reader, Schema writer) {
        SchemaCompatibilityResult result = org.apache.avro.SchemaCompatibility
                .checkReaderWriterCompatibility(reader, writer).getResult();
        if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
            return List.of();
        }
        List<Incompatible> problems = new ArrayList<>();
        for (Incompatibility incompatibility : result.getIncompatibilities()) {
            problems.add(new Incompatible(direction, incompatibility.getType().name(),
                    incompatibility.getLocation(), incompatibility.getMessage()));
        }
        return problems;
    }

    /**
     * Checks every schema in {@link KnownSchemas#CURRENT} against every released version of the same record
     * ({@link KnownSchemas#releasedPaths()}), keyed by released path; only paths with problems are present.
     */
    public static Map<String, List<Incompatible>> checkReleased() {
        Map<String, Schema> current = new TreeMap<>();
        KnownSchemas.CURRENT.forEach(schema -> current.put(schema.getFullName(), schema));
        Map<String, List<Incompatible>> problems = new TreeMap<>();
        for (String path : KnownSchemas.releasedPaths()) {
            Schema released = KnownSchemas.released(path);
            Schema now = current.get(released.getFullName());
            if (now == null) {
                problems.put(path, List.of(new Incompatible(Direction.BACKWARD, "MISSING_RECORD", "/",
                        "released record " + released.getFullName() + " is no longer in KnownSchemas.CURRENT")));
                continue;
            }
            List<Incompatible> found = check(now, released);
            if (!found.isEmpty()) {
                problems.put(path, found);
            }
        }
        return problems;
    }
}
