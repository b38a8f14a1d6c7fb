/**
 * An in-process, single-node Kafka broker (KRaft, broker and controller in one node) for integration tests and a
 * standalone mode that needs no separate Kafka installation. Start with {@link io.meterflow.kafka.embedded.EmbeddedKafkaBroker#builder()}.
 */
package io.meterflow.kafka.embedded;
