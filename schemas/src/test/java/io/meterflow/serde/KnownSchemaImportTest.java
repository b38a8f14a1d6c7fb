package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.UsageEvent;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The import command: every built-in schema into a real registry under its mock-derived ID, with IMPORT mode. */
class KnownSchemaImportTest {

    private final String scope = "import-" + UUID.randomUUID();
    private FakeSchemaRegistry registry;

    @BeforeEach
    void startRegistry() throws Exception {
        registry = FakeSchemaRegistry.start();
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
        MockSchemaRegistry.dropScope(scope);
    }

    private HttpSchemaRegistryClient client() {
        return SerdeConfig.httpRegistry(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registry.url()));
    }

    private static String parsingForm(Schema schema) {
        return SchemaNormalization.toParsingForm(schema);
    }

    @Test
    void everyKnownSchemaIsRegisteredUnderItsMockDerivedId() {
        KnownSchemaImport.Result result = KnownSchemaImport.run(client(), false);

        assertThat(result.complete()).isTrue();
        assertThat(result.warnings()).isEmpty();
        assertThat(result.entries()).isNotEmpty().allSatisfy(entry -> {
            assertThat(entry.outcome()).isEqualTo(KnownSchemaImport.Outcome.IMPORTED);
            assertThat(entry.id()).isEqualTo(MockSchemaRegistry.stableId(entry.schema()));
            assertThat(parsingForm(registry.schema(entry.id()))).isEqualTo(parsingForm(entry.schema()));
            assertThat(registry.mode(entry.subject())).isEqualTo("READWRITE");
        });
        for (Schema current : KnownSchemas.CURRENT) {
            assertThat(registry.schema(MockSchemaRegistry.stableId(current))).as(current.getFullName()).isNotNull();
        }
        for (String path : KnownSchemas.releasedPaths()) {
            assertThat(registry.schema(MockSchemaRegistry.stableId(KnownSchemas.released(path)))).as(path).isNotNull();
        }
        // One subject per record, named by it, with its versions in release order.
        assertThat(registry.versions("io.meterflow.schemas.Rejection")).containsExactly(
                MockSchemaRegistry.stableId(KnownSchemas.released("Rejection/v1.avsc")),
                MockSchemaRegistry.stableId(Rejection.getClassSchema()));
    }

    @Test
    void afterTheImportAReaderWithoutAnyFallbackReadsRecordsWrittenWithTheInProcessRegistry() {
        byte[] bytes = SpecificAvroSerde.of(UsageEvent.class, Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope),
                false).serializer().serialize("usage-events", SampleRecords.usageEvent());
        KnownSchemaImport.run(client(), false);

        // What any consumer of the registry does (Confluent's deserializer, say): fetch the writer schema by ID.
        Schema writer = client().schemaById(ByteBuffer.wrap(bytes, 1, 4).getInt());

        assertThat(writer).isEqualTo(UsageEvent.getClassSchema());
    }

    @Test
    void serializersRegisteringTheCurrentSchemaUnderTheirTopicSubjectGetTheImportedId() {
        KnownSchemaImport.run(client(), false);

        byte[] bytes = SpecificAvroSerde.of(UsageEvent.class, Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registry.url()),
                false).serializer().serialize("usage-events", SampleRecords.usageEvent());

        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(MockSchemaRegistry.stableId(UsageEvent.getClassSchema()));
    }

    @Test
    void aSecondRunFindsEverythingPresentAndChangesNothing() {
        KnownSchemaImport.run(client(), false);
        int registrations = registry.calls("POST /subjects/io.meterflow.schemas.UsageEvent/versions");

        KnownSchemaImport.Result again = KnownSchemaImport.run(client(), false);

        assertThat(again.complete()).isTrue();
        assertThat(again.entries()).allSatisfy(e -> assertThat(e.outcome()).isEqualTo(KnownSchemaImport.Outcome.PRESENT));
        assertThat(registry.calls("POST /subjects/io.meterflow.schemas.UsageEvent/versions")).isEqualTo(registrations);
    }

    @Test
    void aDryRunWritesNothing() {
        KnownSchemaImport.Result result = KnownSchemaImport.run(client(), true);

        assertThat(result.entries()).allSatisfy(e -> assertThat(e.outcome()).isEqualTo(KnownSchemaImport.Outcome.MISSING));
        assertThat(registry.subjects()).isEmpty();
        assertThat(registry.calls("PUT /mode/io.meterflow.schemas.UsageEvent")).isZero();
    }

    @Test
    void anIdTheRegistryHoldsAsAnotherSchemaIsReportedAndNeverOverwritten() throws Exception {
        int usageEventId = MockSchemaRegistry.stableId(UsageEvent.getClassSchema());
        try (FakeSchemaRegistry colliding = FakeSchemaRegistry.start(usageEventId)) {
            colliding.register("alias-bindings-value", AliasBinding.getClassSchema());

            KnownSchemaImport.Result result = KnownSchemaImport.run(
                    SerdeConfig.httpRegistry(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, colliding.url())), false);

            assertThat(result.complete()).isFalse();
            KnownSchemaImport.Entry collision = result.entries().stream()
                    .filter(e -> e.outcome() == KnownSchemaImport.Outcome.COLLISION).findFirst().orElseThrow();
            assertThat(collision.id()).isEqualTo(usageEventId);
            assertThat(collision.detail()).contains("io.meterflow.schemas.AliasBinding");
            assertThat(colliding.schema(usageEventId)).isEqualTo(AliasBinding.getClassSchema());
            // Every other schema is imported all the same.
            assertThat(result.count(KnownSchemaImport.Outcome.IMPORTED)).isEqualTo(result.entries().size() - 1);
        }
    }

    @Test
    void aRegistryThatRefusesModeChangesFailsEachSubjectWithItsMessage() {
        registry.refuseModeChanges();

        KnownSchemaImport.Result result = KnownSchemaImport.run(client(), false);

        assertThat(result.complete()).isFalse();
        assertThat(result.entries()).allSatisfy(e -> {
            assertThat(e.outcome()).isEqualTo(KnownSchemaImport.Outcome.FAILED);
            assertThat(e.detail()).contains("IMPORT mode", "Mode changes are not allowed");
        });
        assertThat(registry.subjects()).isEmpty();
    }

    @Test
    void aSubjectThatAlreadyHasVersionsIsNotForcedIntoImportMode() {
        registry.register("io.meterflow.schemas.UsageEvent", SchemaEdits.withoutField(UsageEvent.getClassSchema(),
                "event_type"));

        KnownSchemaImport.Result result = KnownSchemaImport.run(client(), false);

        KnownSchemaImport.Entry usageEvent = result.entries().stream()
                .filter(e -> e.subject().equals("io.meterflow.schemas.UsageEvent")
                        && e.sources().contains("current")).findFirst().orElseThrow();
        assertThat(usageEvent.outcome()).isEqualTo(KnownSchemaImport.Outcome.FAILED);
        assertThat(usageEvent.detail()).contains("Cannot import since found existing subjects");
        assertThat(registry.mode("io.meterflow.schemas.UsageEvent")).isEqualTo("READWRITE");
    }
}
