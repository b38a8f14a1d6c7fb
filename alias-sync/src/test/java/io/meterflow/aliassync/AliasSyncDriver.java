package io.meterflow.aliassync;

import io.meterflow.aliassync.customer.CustomerStores;
import io.meterflow.config.Settings;
import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.CustomFieldsSet;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.CustomerArchived;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.CustomerCreated;
import io.meterflow.schemas.IngestAliasesSet;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.NameSet;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.internal.aliassync.AliasCommand;
import io.meterflow.schemas.internal.aliassync.ClaimOutcome;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.topics.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * alias-sync's real topology in a {@link TopologyTestDriver}, with helpers that speak in customer changes. The
 * driver pipes the internal alias-commands and claim-outcomes topics back into the topology, so one call runs the
 * whole loop (change, decision, outcome) before it returns.
 */
final class AliasSyncDriver implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    final AliasSyncConfig config;
    final Topics topics;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final TopologyTestDriver driver;
    private final TestInputTopic<byte[], byte[]> changesIn;
    private final TestOutputTopic<String, Customer> customersOut;
    private final TestOutputTopic<String, AliasBinding> bindingsOut;
    private final TestOutputTopic<String, Rejection> rejectionsOut;
    private final AtomicLong clock = new AtomicLong(T0.toEpochMilli());
    private final AtomicLong changeCounter = new AtomicLong();

    private final List<KeyValue<String, Customer>> customerRecords = new ArrayList<>();
    private final List<KeyValue<String, AliasBinding>> bindingRecords = new ArrayList<>();
    private final List<KeyValue<String, Rejection>> rejectionRecords = new ArrayList<>();

    AliasSyncDriver(Path stateDir) {
        this(stateDir, Map.of());
    }

    AliasSyncDriver(Path stateDir, Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put("state.dir", stateDir.toString());
        all.put("application.id", "alias-sync-test");
        all.put("schema.registry.url", "mock://alias-sync-test-" + UUID.randomUUID());
        config = AliasSyncConfig.from(Settings.of(all));
        topics = Topics.create(config.streams().topicNames(), config.streams().serdeConfig());
        driver = new TopologyTestDriver(AliasSyncTopology.build(config, topics, registry),
                config.streams().streamsProperties(), T0);
        changesIn = driver.createInputTopic(topics.customerChanges().name(), new ByteArraySerializer(),
                new ByteArraySerializer(), T0, java.time.Duration.ofMillis(1));
        customersOut = driver.createOutputTopic(topics.customers().name(), new StringDeserializer(),
                topics.customers().valueSerde().deserializer());
        bindingsOut = driver.createOutputTopic(topics.aliasBindings().name(), new StringDeserializer(),
                topics.aliasBindings().valueSerde().deserializer());
        rejectionsOut = driver.createOutputTopic(topics.customerChangesRejected().name(), new StringDeserializer(),
                topics.customerChangesRejected().valueSerde().deserializer());
    }

    // ---- sending changes

    String nextChangeId() {
        return "change-" + changeCounter.incrementAndGet();
    }

    CustomerChange change(String customerId, String changeId, Object payload) {
        return CustomerChange.newBuilder()
                .setChangeId(changeId)
                .setCustomerId(customerId)
                .setOccurredAt(Instant.ofEpochMilli(clock.addAndGet(1000)))
                .setPayload(payload)
                .build();
    }

    static CustomerCreated created(String name, String... aliases) {
        return CustomerCreated.newBuilder()
                .setName(name)
                .setIngestAliases(Arrays.asList(aliases))
                .setCustomFields(new HashMap<>())
                .setExternalId(null)
                .setCustomerConfig(new HashMap<>())
                .setBillingConfig(null)
                .build();
    }

    static IngestAliasesSet aliasesSet(String... aliases) {
        return IngestAliasesSet.newBuilder().setIngestAliases(Arrays.asList(aliases)).build();
    }

    CustomerChange send(CustomerChange change) {
        byte[] value = topics.customerChanges().valueSerde().serializer().serialize(topics.customerChanges().name(), change);
        sendRaw(change.getCustomerId().getBytes(StandardCharsets.UTF_8), value);
        return change;
    }

    void sendRaw(byte[] key, byte[] value) {
        changesIn.pipeInput(key, value);
    }

    CustomerChange create(String customerId, String... aliases) {
        return send(change(customerId, nextChangeId(), created("Customer " + customerId, aliases)));
    }

    CustomerChange setAliases(String customerId, String... aliases) {
        return send(change(customerId, nextChangeId(), aliasesSet(aliases)));
    }

    CustomerChange setName(String customerId, String name) {
        return send(change(customerId, nextChangeId(), NameSet.newBuilder().setName(name).build()));
    }

    CustomerChange setCustomFields(String customerId, Map<String, String> fields, List<String> removed) {
        return send(change(customerId, nextChangeId(),
                CustomFieldsSet.newBuilder().setCustomFields(fields).setRemovedKeys(removed).build()));
    }

    CustomerChange archive(String customerId) {
        return send(change(customerId, nextChangeId(), CustomerArchived.newBuilder().build()));
    }

    // ---- reading outputs

    private void drain() {
        customerRecords.addAll(customersOut.readKeyValuesToList());
        bindingRecords.addAll(bindingsOut.readKeyValuesToList());
        rejectionRecords.addAll(rejectionsOut.readKeyValuesToList());
    }

    /** Every record written to {@code customers}, in order. */
    List<KeyValue<String, Customer>> customerRecords() {
        drain();
        return List.copyOf(customerRecords);
    }

    /** The compacted view of {@code customers}. */
    Map<String, Customer> customers() {
        return compact(customerRecords());
    }

    Customer customer(String id) {
        return customers().get(id);
    }

    List<String> aliasesOf(String id) {
        return List.copyOf(customer(id).getIngestAliases());
    }

    /** Every record written to {@code alias-bindings}, in order (a null value is a tombstone). */
    List<KeyValue<String, AliasBinding>> bindingRecords() {
        drain();
        return bindingRecords.stream().toList();
    }

    /** The compacted view of {@code alias-bindings}. */
    Map<String, AliasBinding> bindings() {
        return compact(bindingRecords());
    }

    /** Alias to owning customer ID, from the compacted view. */
    Map<String, String> owners() {
        Map<String, String> owners = new LinkedHashMap<>();
        bindings().forEach((alias, binding) -> owners.put(alias, binding.getCustomerId()));
        return owners;
    }

    List<KeyValue<String, Rejection>> rejections() {
        drain();
        return List.copyOf(rejectionRecords);
    }

    /**
     * Every record written to {@code topic} since the last call, key and value as bytes; any topic the topology
     * writes, changelogs and internal topics included. (The output topics above keep their own copies.)
     */
    List<KeyValue<byte[], byte[]>> rawRecords(String topic) {
        return driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer())
                .readKeyValuesToList();
    }

    /** The changelog topic of one of alias-sync's stores. */
    String changelog(String store) {
        return config.streams().applicationId() + "-" + store + "-changelog";
    }

    KeyValueStore<String, Customer> customerStore() {
        return driver.getKeyValueStore(AliasSyncTopology.CUSTOMER_STORE);
    }

    KeyValueStore<String, CustomerClaims> claimsStore() {
        return driver.getKeyValueStore(CustomerStores.CUSTOMER_CLAIMS_STORE);
    }

    /** Puts a command on the internal alias-commands topic, as the customer stage would. */
    void pipeCommand(AliasCommand command) {
        driver.createInputTopic(config.aliasCommandsTopic(), new StringSerializer(),
                topics.valueSerde(AliasCommand.class).serializer()).pipeInput(command.getAlias(), command);
    }

    /** Puts an answer on the internal claim-outcomes topic, as the ownership stage would. */
    void pipeOutcome(ClaimOutcome outcome) {
        driver.createInputTopic(config.claimOutcomesTopic(), new StringSerializer(),
                topics.valueSerde(ClaimOutcome.class).serializer()).pipeInput(outcome.getCustomerId(), outcome);
    }

    KeyValueStore<String, AliasBinding> bindingStore() {
        return driver.getKeyValueStore(AliasSyncTopology.ALIAS_BINDING_STORE);
    }

    double count(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    static Map<String, JsonValue> billing(String key, String text) {
        return Map.of(key, JsonValue.newBuilder().setValue(text).build());
    }

    private static <V> Map<String, V> compact(List<KeyValue<String, V>> records) {
        Map<String, V> view = new LinkedHashMap<>();
        for (KeyValue<String, V> record : records) {
            if (record.value == null) {
                view.remove(record.key);
            } else {
                view.put(record.key, record.value);
            }
        }
        return view;
    }

    @Override
    public void close() {
        driver.close();
    }
}
