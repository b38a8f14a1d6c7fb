package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.meterflow.kafka.junit.KafkaCluster;
import io.meterflow.kafka.junit.KafkaClusterExtension;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Avro records in Confluent framing survive a real broker's transactions: committed ones arrive, aborted ones don't. */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(120)
class TransactionalAvroRoundTripIT {

    private static final Map<String, String> SERDE = Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://it-transactions");

    @Test
    void readCommittedSeesCommittedAvroRecordsAndNeverAbortedOnes(KafkaCluster kafka) throws Exception {
        String topic = "avro-tx-" + UUID.randomUUID();
        kafka.createTopic(topic, 2);

        Map<String, Object> producerConfig = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID(),
                SerdeConfig.SCHEMA_REGISTRY_URL, SERDE.get(SerdeConfig.SCHEMA_REGISTRY_URL));
        SpecificAvroSerializer<UsageEvent> serializer = new SpecificAvroSerializer<>();
        serializer.configure(SERDE, false);
        try (KafkaProducer<String, UsageEvent> producer =
                     new KafkaProducer<>(producerConfig, new StringSerializer(), serializer)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "t-1", event("t-1", Json.props("tokens", Json.num("12345678901234567890")))));
            producer.send(new ProducerRecord<>(topic, "t-2", event("t-2", Json.props("price", Json.num("0.1")))));
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "t-aborted", event("t-aborted", Json.props())));
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "t-3", event("t-3", Json.props("tiny", Json.num("1e-7")))));
            producer.commitTransaction();
        }

        SpecificAvroDeserializer<UsageEvent> deserializer = new SpecificAvroDeserializer<>(UsageEvent.class);
        deserializer.configure(SERDE, false);
        Map<String, Object> consumerConfig = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, UsageEvent>> received = new ArrayList<>();
        try (KafkaConsumer<String, UsageEvent> consumer =
                     new KafkaConsumer<>(consumerConfig, new StringDeserializer(), deserializer)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (received.size() < 3 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
            // A further poll after the commits were seen: an aborted record would have shown up by now.
            consumer.poll(Duration.ofMillis(500)).forEach(received::add);
        }

        assertThat(received).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("t-1", "t-2", "t-3");
        assertThat(received).allSatisfy(r -> assertThat(r.value().getTransactionId()).isEqualTo(r.key()));
        assertThat(received).filteredOn(r -> r.key().equals("t-1")).singleElement()
                .satisfies(r -> assertThat(r.value().getProperties())
                        .isEqualTo(Json.props("tokens", Json.num("12345678901234567890"))));
        assertThat(received).filteredOn(r -> r.key().equals("t-3")).singleElement()
                .satisfies(r -> assertThat(r.value().getProperties()).isEqualTo(Json.props("tiny", Json.num("1e-7"))));
    }

    private static UsageEvent event(String transactionId, Map<String, JsonValue> properties) {
        return UsageEvent.newBuilder()
                .setTransactionId(transactionId)
                .setCustomerId("acme@example.com")
                .setEventType("api_call")
                .setTimestamp("2026-11-22T10:15:30Z")
                .setProperties(properties)
                .build();
    }
}
