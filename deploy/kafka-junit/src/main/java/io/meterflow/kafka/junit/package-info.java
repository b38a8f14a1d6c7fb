/**
 * A JUnit 5 extension, {@link io.meterflow.kafka.junit.KafkaClusterExtension}, that gives integration tests one
 * real Kafka cluster per JVM: external, Testcontainers or in-process.
 */
package io.meterflow.kafka.junit;
