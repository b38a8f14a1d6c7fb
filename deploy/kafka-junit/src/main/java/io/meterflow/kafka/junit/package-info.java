/**
 * Test support. {@link io.meterflow.kafka.junit.KafkaClusterExtension}, a JUnit 5 extension, gives real-broker tests
 * ({@code *IT}) one Kafka cluster per JVM: external, Testcontainers or in-process.
 * {@link io.meterflow.kafka.junit.GoldenTopology} compares an app's topology with its checked-in description.
 */
package io.meterflow.kafka.junit;
