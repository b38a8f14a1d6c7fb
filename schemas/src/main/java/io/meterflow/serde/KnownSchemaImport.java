package io.meterflow.serde;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * Registers every {@link KnownSchemas known schema} in a Confluent-compatible registry under the ID the in-process
 * registry gives it ({@link MockSchemaRegistry#stableId}), with the registry's {@code IMPORT} mode, so that records
 * written with {@code mock://} are readable by any consumer of that registry, not only by Meterflow's own readers
 * (which fall back to the built-in schemas anyway, see {@link BuiltInSchemaFallback}).
 *
 * <p>Each schema goes under the subject named by its record's full name (Confluent's RecordNameStrategy), its
 * versions in release order: subjects no Meterflow serializer writes to, so the import never meets a subject in
 * use. For each subject with something to import: {@code PUT /mode/{subject}} {@code IMPORT}, then
 * {@code POST /subjects/{subject}/versions} with {@code id} per schema, then the mode back to {@code READWRITE}.
 * An ID the registry already holds with the same schema is left alone (so a second run changes nothing); an ID it
 * holds as another schema is a collision, reported and never overwritten.
 */
public final class KnownSchemaImport {

    /** What happened to one known schema. */
    public enum Outcome {
        /** Registered under its mock-derived ID by this run. */
        IMPORTED,
        /** The registry already had this schema under this ID. */
        PRESENT,
        /** Dry run: the registry does not have the ID; a run would import it. */
        MISSING,
        /** The registry has this ID as another schema; not imported. */
        COLLISION,
        /** The registry refused the import (its message is in the detail). */
        FAILED
    }

    /**
     * One known schema and what became of it.
     *
     * @param sources where it comes from: {@code current} and/or released files ({@code Rejection/v1.avsc})
     * @param detail  the registry's schema for a collision, its error for a failure, else empty
     */
    public record Entry(int id, Schema schema, List<String> sources, String subject, Outcome outcome, String detail) {

        Entry with(Outcome newOutcome, String newDetail) {
            return new Entry(id, schema, sources, subject, newOutcome, newDetail);
        }
    }

    /**
     * @param warnings problems that leave the imported schemas readable but need an operator, such as a subject
     *                 left in {@code IMPORT} mode
     */
    public record Result(List<Entry> entries, List<String> warnings) {

        public long count(Outcome outcome) {
            return entries.stream().filter(e -> e.outcome() == outcome).count();
        }

        /** True when every known schema is now in the registry under its mock-derived ID. */
        public boolean complete() {
            return entries.stream().allMatch(e -> e.outcome() == Outcome.IMPORTED || e.outcome() == Outcome.PRESENT);
        }
    }

    private KnownSchemaImport() {
    }

    /**
     * Imports what the registry lacks, or with {@code dryRun} only says what it lacks. A registry that cannot be
     * read (unreachable, 5xx, refused credentials) is a {@link SchemaRegistryException} before anything is written.
     */
    public static Result run(HttpSchemaRegistryClient registry, boolean dryRun) {
        List<Entry> entries = new ArrayList<>();
        for (Entry entry : candidates()) {
            entries.add(check(registry, entry));
        }
        List<String> warnings = new ArrayList<>();
        if (!dryRun) {
            Map<String, List<Integer>> bySubject = new LinkedHashMap<>();
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i).outcome() == Outcome.MISSING) {
                    bySubject.computeIfAbsent(entries.get(i).subject(), s -> new ArrayList<>()).add(i);
                }
            }
            bySubject.forEach((subject, positions) -> importSubject(registry, subject, positions, entries, warnings));
        }
        return new Result(List.copyOf(entries), List.copyOf(warnings));
    }

    /** Every distinct known schema, one per mock-derived ID, grouped by record, versions in release order. */
    public static List<Entry> candidates() {
        Map<Integer, Schema> schemas = new LinkedHashMap<>();
        Map<Integer, List<String>> sources = new LinkedHashMap<>();
        for (String path : KnownSchemas.releasedPaths()) {
            Schema schema = KnownSchemas.released(path);
            int id = MockSchemaRegistry.stableId(schema);
            schemas.putIfAbsent(id, schema);
            sources.computeIfAbsent(id, i -> new ArrayList<>()).add(path);
        }
        for (Schema schema : KnownSchemas.CURRENT) {
            int id = MockSchemaRegistry.stableId(schema);
            // The generated class's own text, so that a registry that gives one text one ID (Confluent's does) gives
            // serializers registering the current schema under their topic subjects this same ID.
            schemas.put(id, schema);
            sources.computeIfAbsent(id, i -> new ArrayList<>()).add("current");
        }
        Map<String, List<Entry>> byRecord = new LinkedHashMap<>();
        schemas.forEach((id, schema) -> byRecord.computeIfAbsent(schema.getFullName(), n -> new ArrayList<>())
                .add(new Entry(id, schema, List.copyOf(sources.get(id)), schema.getFullName(), Outcome.MISSING, "")));
        return byRecord.values().stream().flatMap(List::stream).toList();
    }

    private static Entry check(HttpSchemaRegistryClient registry, Entry entry) {
        Schema held;
        try {
            held = registry.schemaById(entry.id());
        } catch (SchemaRegistryException e) {
            if (e.httpStatus() == 404 && e.errorCode() == SchemaRegistryException.SCHEMA_NOT_FOUND) {
                return entry;
            }
            throw e;
        }
        if (SchemaNormalization.toParsingForm(held).equals(SchemaNormalization.toParsingForm(entry.schema()))) {
            return entry.with(Outcome.PRESENT, "");
        }
        return entry.with(Outcome.COLLISION, "the registry has ID " + entry.id() + " as " + held.getFullName() + ": "
                + held);
    }

    private static void importSubject(HttpSchemaRegistryClient registry, String subject, List<Integer> positions,
            List<Entry> entries, List<String> warnings) {
        try {
            registry.setMode(subject, "IMPORT");
        } catch (SchemaRegistryException e) {
            String why = "could not set subject '" + subject + "' to IMPORT mode: " + e.getMessage();
            positions.forEach(i -> entries.set(i, entries.get(i).with(Outcome.FAILED, why)));
            return;
        }
        try {
            boolean failed = false;
            for (int i : positions) {
                Entry entry = entries.get(i);
                if (failed) {
                    // Versions are imported in order; a later one must not land before an earlier one.
                    entries.set(i, entry.with(Outcome.FAILED, "not attempted after an earlier version failed"));
                    continue;
                }
                try {
                    registry.importSchema(subject, entry.schema(), entry.id());
                    entries.set(i, entry.with(Outcome.IMPORTED, ""));
                } catch (SchemaRegistryException e) {
                    entries.set(i, entry.with(Outcome.FAILED, e.getMessage()));
                    failed = true;
                }
            }
        } finally {
            try {
                registry.setMode(subject, "READWRITE");
            } catch (SchemaRegistryException e) {
                warnings.add("subject '" + subject + "' is still in IMPORT mode; set it back with PUT /mode/"
                        + subject + " {\"mode\":\"READWRITE\"}: " + e.getMessage());
            }
        }
    }
}
