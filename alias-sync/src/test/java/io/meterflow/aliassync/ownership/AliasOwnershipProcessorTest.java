package io.meterflow.aliassync.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.aliassync.AliasSyncMetrics;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.internal.aliassync.AliasAction;
import io.meterflow.schemas.internal.aliassync.AliasCommand;
import io.meterflow.schemas.internal.aliassync.AliasCommandBatch;
import io.meterflow.schemas.internal.aliassync.AliasCommandItem;
import io.meterflow.schemas.internal.aliassync.ClaimDecision;
import io.meterflow.schemas.internal.aliassync.ClaimOutcome;
import io.meterflow.schemas.internal.aliassync.ClaimOutcomeBatch;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.topics.TopicNames;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The decision table of the ownership stage, one command at a time; then batches, and the one-command layout. */
class AliasOwnershipProcessorTest {

    private final MockProcessorContext<String, SpecificRecord> context = new MockProcessorContext<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AliasOwnershipProcessor processor = new AliasOwnershipProcessor(new AliasSyncMetrics(registry));
    private KeyValueStore<String, AliasBinding> store;
    private Topics topics;

    @BeforeEach
    void init() {
        topics = Topics.create(TopicNames.defaults(), Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://ownership"));
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(AliasOwnershipProcessor.ALIAS_BINDING_STORE),
                Serdes.String(), topics.valueSerde(AliasBinding.class)).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        context.setCurrentSystemTimeMs(1_000L);
        processor.init(context);
    }

    private static AliasCommandBatch batch(String customer, String changeId, AliasCommandItem... commands) {
        return AliasCommandBatch.newBuilder().setCustomerId(customer).setChangeId(changeId).setArchived(false)
                .setSourcePartition(0).setSourceOffset(0).setCommands(List.of(commands)).build();
    }

    private void command(String alias, String customer, AliasAction action, String changeId) {
        context.resetForwards();
        processor.process(new Record<>(alias, batch(customer, changeId, new AliasCommandItem(alias, action)), 0L));
    }

    /** Each answer forwarded, one per alias, whatever batches carried them. */
    private List<ClaimOutcome> outcomes() {
        return context.forwarded(AliasOwnershipProcessor.CLAIM_OUTCOMES_SINK).stream()
                .map(f -> (ClaimOutcomeBatch) f.record().value())
                .flatMap(b -> b.getOutcomes().stream().map(o -> ClaimOutcome.newBuilder().setCustomerId(b.getCustomerId())
                        .setAlias(o.getAlias()).setDecision(o.getDecision()).setChangeId(b.getChangeId())
                        .setHolderCustomerId(o.getHolderCustomerId()).setHolderIsCustomerId(o.getHolderIsCustomerId())
                        .setSourcePartition(b.getSourcePartition()).setSourceOffset(b.getSourceOffset()).build()))
                .toList();
    }

    private List<Record<? extends String, ? extends SpecificRecord>> bindingsWritten() {
        return context.forwarded(AliasOwnershipProcessor.ALIAS_BINDINGS_SINK).stream()
                .<Record<? extends String, ? extends SpecificRecord>>map(f -> f.record()).toList();
    }

    @Test
    void grantsAFreeAliasAndWritesItsBinding() {
        command("a", "c1", AliasAction.CLAIM, "x1");

        assertThat(outcomes()).singleElement().satisfies(o -> {
            assertThat(o.getDecision()).isEqualTo(ClaimDecision.GRANTED);
            assertThat(o.getCustomerId()).isEqualTo("c1");
            assertThat(o.getChangeId()).isEqualTo("x1");
        });
        assertThat(bindingsWritten()).singleElement().satisfies(r -> assertThat(r.key()).isEqualTo("a"));
        assertThat(store.get("a").getCustomerId()).isEqualTo("c1");
    }

    @Test
    void refusesTheSecondOfTwoClaimsWhicheverCustomerItIs() {
        command("a", "c2", AliasAction.CLAIM, "x1");
        command("a", "c1", AliasAction.CLAIM, "x2");

        assertThat(outcomes()).singleElement().satisfies(o -> {
            assertThat(o.getDecision()).isEqualTo(ClaimDecision.REFUSED);
            assertThat(o.getCustomerId()).isEqualTo("c1");
            assertThat(o.getHolderCustomerId()).isEqualTo("c2");
        });
        assertThat(bindingsWritten()).isEmpty();
        assertThat(store.get("a").getCustomerId()).isEqualTo("c2");
    }

    @Test
    void grantsARepeatedClaimOfTheOwnerWithoutWritingAgain() {
        command("a", "c1", AliasAction.CLAIM, "x1");
        command("a", "c1", AliasAction.CLAIM, "x2");

        assertThat(outcomes()).extracting(ClaimOutcome::getDecision).containsExactly(ClaimDecision.GRANTED);
        assertThat(bindingsWritten()).isEmpty();
    }

    @Test
    void ignoresAReleaseByACustomerThatDoesNotHoldTheAlias() {
        command("a", "c1", AliasAction.CLAIM, "x1");
        command("a", "c2", AliasAction.RELEASE, "x2");

        assertThat(bindingsWritten()).isEmpty();
        assertThat(store.get("a").getCustomerId()).isEqualTo("c1");
        assertThat(registry.find(AliasSyncMetrics.ALIAS_COMMANDS).tags("action", "release", "result", "ignored")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void releasesWithATombstone() {
        command("a", "c1", AliasAction.CLAIM, "x1");
        command("a", "c1", AliasAction.RELEASE, "x2");

        assertThat(bindingsWritten()).singleElement().satisfies(r -> assertThat(r.value()).isNull());
        assertThat(store.get("a")).isNull();
    }

    @Test
    void neverReleasesACustomersOwnId() {
        command("c1", "c1", AliasAction.BIND_CUSTOMER_ID, "create");
        command("c1", "c1", AliasAction.RELEASE, "x2");

        assertThat(store.get("c1").getIsCustomerId()).isTrue();
    }

    @Test
    void aCustomerIdTakesOverAnAliasAndTellsItsHolder() {
        command("c9", "c1", AliasAction.CLAIM, "x1");
        command("c9", "c9", AliasAction.BIND_CUSTOMER_ID, "create-c9");

        assertThat(store.get("c9").getCustomerId()).isEqualTo("c9");
        assertThat(store.get("c9").getIsCustomerId()).isTrue();
        assertThat(outcomes()).singleElement().satisfies(o -> {
            assertThat(o.getDecision()).isEqualTo(ClaimDecision.REVOKED);
            assertThat(o.getCustomerId()).isEqualTo("c1");
            assertThat(o.getHolderCustomerId()).isEqualTo("c9");
        });
    }

    @Test
    void archiveMarksOnlyTheOwnersBindingAndOnlyOnce() {
        command("a", "c1", AliasAction.CLAIM, "x1");
        command("a", "c2", AliasAction.ARCHIVE, "x2");
        assertThat(store.get("a").getArchived()).isFalse();

        command("a", "c1", AliasAction.ARCHIVE, "x3");
        assertThat(store.get("a").getArchived()).isTrue();
        assertThat(store.get("a").getChangeId()).isEqualTo("x3");
        command("a", "c1", AliasAction.ARCHIVE, "x4");
        assertThat(bindingsWritten()).isEmpty();
    }

    @Test
    void decidesABatchInOrderAndAnswersItsClaimsInOneRecord() {
        command("held", "c2", AliasAction.CLAIM, "x0");
        context.resetForwards();
        context.resetCommit();

        processor.process(new Record<>("c1", batch("c1", "x1",
                new AliasCommandItem("c1", AliasAction.BIND_CUSTOMER_ID),
                new AliasCommandItem("a", AliasAction.CLAIM),
                new AliasCommandItem("held", AliasAction.CLAIM),
                new AliasCommandItem("a", AliasAction.RELEASE),
                new AliasCommandItem("b", AliasAction.CLAIM)), 0L));

        assertThat(context.forwarded(AliasOwnershipProcessor.CLAIM_OUTCOMES_SINK)).singleElement()
                .satisfies(f -> assertThat(f.record().key()).isEqualTo("c1"));
        assertThat(context.committed()).as("a commit is asked for, so that the answers are read at once").isTrue();
        assertThat(outcomes()).extracting(ClaimOutcome::getAlias, ClaimOutcome::getDecision).containsExactly(
                org.assertj.core.groups.Tuple.tuple("a", ClaimDecision.GRANTED),
                org.assertj.core.groups.Tuple.tuple("held", ClaimDecision.REFUSED),
                org.assertj.core.groups.Tuple.tuple("b", ClaimDecision.GRANTED));
        assertThat(outcomes()).allSatisfy(o -> assertThat(o.getChangeId()).isEqualTo("x1"));
        assertThat(bindingsWritten().stream().map(r -> (String) r.key()).toList()).containsExactly("c1", "a", "a", "b");
        assertThat(store.get("a")).isNull();
        assertThat(store.get("held").getCustomerId()).isEqualTo("c2");
        assertThat(store.get("b").getCustomerId()).isEqualTo("c1");
    }

    @Test
    void decidesACommandWrittenAloneAsAnAliasCommandBeforeBatches() {
        // A record of the earlier layout, as still on the topic after an upgrade, read through the batch's alias.
        AliasCommand old = AliasCommand.newBuilder().setAlias("a").setCustomerId("c1").setAction(AliasAction.CLAIM)
                .setChangeId("x1").setArchived(true).setSourcePartition(3).setSourceOffset(42).build();
        byte[] written = topics.valueSerde(AliasCommand.class).serializer().serialize("alias-commands", old);
        AliasCommandBatch read = topics.valueSerde(AliasCommandBatch.class).deserializer()
                .deserialize("alias-commands", written);

        processor.process(new Record<>("a", read, 0L));

        assertThat(store.get("a").getCustomerId()).isEqualTo("c1");
        assertThat(store.get("a").getArchived()).isTrue();
        assertThat(outcomes()).singleElement().satisfies(o -> {
            assertThat(o.getDecision()).isEqualTo(ClaimDecision.GRANTED);
            assertThat(o.getChangeId()).isEqualTo("x1");
            assertThat(o.getSourcePartition()).isEqualTo(3);
            assertThat(o.getSourceOffset()).isEqualTo(42);
        });
    }
}
