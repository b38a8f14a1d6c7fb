package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.schemas.internal.aliassync.AliasAction;
import io.meterflow.schemas.internal.aliassync.AliasCommand;
import io.meterflow.schemas.internal.aliassync.AliasCommandBatch;
import io.meterflow.schemas.internal.aliassync.AliasCommandItem;
import io.meterflow.schemas.internal.aliassync.ClaimDecision;
import io.meterflow.schemas.internal.aliassync.ClaimOutcome;
import io.meterflow.schemas.internal.aliassync.ClaimOutcomeBatch;
import java.util.List;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * alias-sync's internal topics moved from one record per alias ({@code AliasCommand}, {@code ClaimOutcome}) to
 * batches ({@code AliasCommandBatch}, {@code ClaimOutcomeBatch}) on the same topics. A batch reads the records of the
 * earlier layout through its alias, and a registry that checks backward compatibility (Confluent's default) accepts
 * the batch under the subject that holds the single record; the earlier reader refuses a batch instead of reading
 * its first command and silently dropping the rest.
 */
class BatchedInternalRecordsTest {

    private static final String SCOPE = "batches-" + UUID.randomUUID();

    @AfterAll
    static void dropScope() {
        MockSchemaRegistry.dropScope(SCOPE);
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> SpecificAvroSerde<T> serde(Class<T> type) {
        SpecificAvroSerde<T> serde = new SpecificAvroSerde<>(type);
        serde.configure(java.util.Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + SCOPE), false);
        return serde;
    }

    @Test
    void eachBatchCanReadItsSingleRecordAsARegistryChecksOnRegistration() {
        assertThat(backward(AliasCommandBatch.getClassSchema(), AliasCommand.getClassSchema()))
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        assertThat(backward(ClaimOutcomeBatch.getClassSchema(), ClaimOutcome.getClassSchema()))
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    private static SchemaCompatibilityType backward(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType();
    }

    @Test
    void aSingleAliasCommandIsReadAsABatchHoldingItsCommandInTheLegacyFields() {
        AliasCommand single = AliasCommand.newBuilder().setAlias("ops").setCustomerId("c1")
                .setAction(AliasAction.RELEASE).setChangeId("x1").setArchived(true).setSourcePartition(2)
                .setSourceOffset(7).build();
        byte[] bytes = serde(AliasCommand.class).serializer().serialize("alias-commands", single);

        AliasCommandBatch read = serde(AliasCommandBatch.class).deserializer().deserialize("alias-commands", bytes);

        assertThat(read.getCommands()).isEmpty();
        assertThat(read.getAlias()).isEqualTo("ops");
        assertThat(read.getAction()).isEqualTo(AliasAction.RELEASE);
        assertThat(read.getCustomerId()).isEqualTo("c1");
        assertThat(read.getChangeId()).isEqualTo("x1");
        assertThat(read.getArchived()).isTrue();
        assertThat(read.getSourcePartition()).isEqualTo(2);
        assertThat(read.getSourceOffset()).isEqualTo(7);
    }

    @Test
    void aSingleClaimOutcomeIsReadAsABatchHoldingItsDecisionInTheLegacyFields() {
        ClaimOutcome single = ClaimOutcome.newBuilder().setCustomerId("c1").setAlias("ops")
                .setDecision(ClaimDecision.REFUSED).setChangeId("x1").setHolderCustomerId("c2")
                .setHolderIsCustomerId(true).setSourcePartition(1).setSourceOffset(9).build();
        byte[] bytes = serde(ClaimOutcome.class).serializer().serialize("claim-outcomes", single);

        ClaimOutcomeBatch read = serde(ClaimOutcomeBatch.class).deserializer().deserialize("claim-outcomes", bytes);

        assertThat(read.getOutcomes()).isEmpty();
        assertThat(read.getAlias()).isEqualTo("ops");
        assertThat(read.getDecision()).isEqualTo(ClaimDecision.REFUSED);
        assertThat(read.getHolderCustomerId()).isEqualTo("c2");
        assertThat(read.getHolderIsCustomerId()).isTrue();
        assertThat(read.getChangeId()).isEqualTo("x1");
        assertThat(read.getSourceOffset()).isEqualTo(9);
    }

    @Test
    void theSingleRecordReaderRefusesABatchInsteadOfReadingPartOfIt() {
        AliasCommandBatch batch = AliasCommandBatch.newBuilder().setCustomerId("c1").setChangeId("x1")
                .setSourcePartition(0).setSourceOffset(0)
                .setCommands(List.of(new AliasCommandItem("a", AliasAction.CLAIM),
                        new AliasCommandItem("b", AliasAction.CLAIM)))
                .build();
        byte[] bytes = serde(AliasCommandBatch.class).serializer().serialize("alias-commands", batch);

        assertThatThrownBy(() -> serde(AliasCommand.class).deserializer().deserialize("alias-commands", bytes))
                .isInstanceOf(SerializationException.class).hasMessageContaining("AliasCommandBatch");
    }
}
