package io.meterflow.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.UsageEvent;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The serdes against a Confluent-compatible registry over HTTP (an in-test fake of its REST API). */
class HttpSchemaRegistryClientTest {

    private static final String TOPIC = "usage-events";
    private static final String SUBJECT = TOPIC + "-value";
    private static final String REGISTER = "POST /subjects/" + SUBJECT + "/versions";
    private static final String LOOKUP = "POST /subjects/" + SUBJECT;

    private FakeSchemaRegistry registry;

    @BeforeEach
    void startRegistry() throws Exception {
        registry = FakeSchemaRegistry.start();
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    private static Map<String, Object> config(String url, String... keysAndValues) {
        Map<String, Object> config = new HashMap<>();
        config.put(SerdeConfig.SCHEMA_REGISTRY_URL, url);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            config.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return config;
    }

    private static UsageEvent event(int n) {
        return UsageEvent.newBuilder().setTransactionId("tx-" + n).setCustomerId("c").setEventType("api_call")
                .setTimestamp("2026-11-22T10:15:30Z").build();
    }

    @Test
    void serializerRegistersEachSchemaOnceNotOncePerRecord() {
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config(registry.url()), false);

        for (int i = 0; i < 50; i++) {
            serde.serializer().serialize(TOPIC, event(i));
        }

        assertThat(registry.calls(REGISTER)).isEqualTo(1);
        assertThat(registry.totalCalls()).isEqualTo(1);
    }

    @Test
    void deserializerFetchesEachSchemaIdOnceNotOncePerRecord() {
        SpecificAvroSerde<UsageEvent> writer = SpecificAvroSerde.of(UsageEvent.class, config(registry.url()), false);
        // Another URL prefix: another client, with nothing cached from the writer's registration.
        SpecificAvroSerde<UsageEvent> reader = SpecificAvroSerde.of(UsageEvent.class, config(registry.url()), false);
        int id = registry.register(SUBJECT, UsageEvent.getClassSchema());

        for (int i = 0; i < 50; i++) {
            UsageEvent back = reader.deserializer().deserialize(TOPIC, writer.serializer().serialize(TOPIC, event(i)));
            assertThat(back).isEqualTo(event(i));
        }

        assertThat(registry.calls("GET /schemas/ids/" + id)).isEqualTo(1);
        assertThat(registry.calls(REGISTER)).isEqualTo(1);
    }

    @Test
    void serdesOfOneProcessShareOneClientPerRegistryUrl() {
        String url = registry.url();
        SpecificAvroSerde<UsageEvent> first = SpecificAvroSerde.of(UsageEvent.class, config(url), false);
        SpecificAvroSerde<UsageEvent> second = SpecificAvroSerde.of(UsageEvent.class, config(url), false);

        first.serializer().serialize(TOPIC, event(1));
        second.serializer().serialize(TOPIC, event(2));

        assertThat(SerdeConfig.registry(config(url))).isSameAs(SerdeConfig.registry(config(url)));
        assertThat(registry.calls(REGISTER)).isEqualTo(1);
    }

    @Test
    void framesRecordsWithTheIdTheRegistryAssigned() {
        registry.register("some-other-subject", AliasBinding.getClassSchema());
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config(registry.url()), false);

        byte[] bytes = serde.serializer().serialize(TOPIC, event(1));

        assertThat(bytes[0]).isZero();
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registry.latestId(SUBJECT)).isEqualTo(1002);
    }

    @Test
    void sendsTheRegistryContentType() {
        SpecificAvroSerde.of(UsageEvent.class, config(registry.url()), false).serializer().serialize(TOPIC, event(1));

        assertThat(registry.contentTypes()).containsExactly(FakeSchemaRegistry.CONTENT_TYPE);
    }

    @Test
    void sendsBasicAuthWhenUserInfoIsSet() {
        registry.requireBasicAuth("meterflow:s3cret");
        Map<String, Object> config = config(registry.url(), SerdeConfig.BASIC_AUTH_USER_INFO, "meterflow:s3cret",
                SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO");
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config, false);

        UsageEvent back = serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, event(1)));

        assertThat(back).isEqualTo(event(1));
        assertThat(registry.authorizationHeaders()).containsExactly("Basic "
                + Base64.getEncoder().encodeToString("meterflow:s3cret".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void sendsNoAuthorizationHeaderWithoutUserInfo() {
        SpecificAvroSerde.of(UsageEvent.class, config(registry.url()), false).serializer().serialize(TOPIC, event(1));

        assertThat(registry.calls(REGISTER)).isEqualTo(1);
        assertThat(registry.authorizationHeaders()).isEmpty();
    }

    @Test
    void refusedCredentialsGiveASchemaRegistryExceptionNamingTheSetting() {
        registry.requireBasicAuth("meterflow:s3cret");
        Map<String, Object> config = config(registry.url(), SerdeConfig.BASIC_AUTH_USER_INFO, "meterflow:wrong");
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config, false);

        assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, event(1)))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(401);
                    assertThat(e.getMessage()).contains("HTTP 401", "Unauthorized", SerdeConfig.BASIC_AUTH_USER_INFO)
                            .doesNotContain("wrong");
                });
    }

    @Test
    void withoutAutoRegistrationTheSerializerLooksTheSchemaUpInstead() {
        int id = registry.register(SUBJECT, UsageEvent.getClassSchema());
        Map<String, Object> config = config(registry.url(), SerdeConfig.AUTO_REGISTER_SCHEMAS, "false");
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config, false);

        byte[] first = serde.serializer().serialize(TOPIC, event(1));
        serde.serializer().serialize(TOPIC, event(2));

        assertThat(ByteBuffer.wrap(first, 1, 4).getInt()).isEqualTo(id);
        assertThat(registry.calls(LOOKUP)).isEqualTo(1);
        assertThat(registry.calls(REGISTER)).isZero();
    }

    @Test
    void withoutAutoRegistrationAnUnregisteredSchemaFailsClearly() {
        Map<String, Object> config = config(registry.url(), SerdeConfig.AUTO_REGISTER_SCHEMAS, "false");
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config, false);

        assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, event(1)))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40401);
                    assertThat(e.getMessage()).contains("io.meterflow.schemas.UsageEvent", "'" + SUBJECT + "'",
                            SerdeConfig.AUTO_REGISTER_SCHEMAS, "not registered");
                });
        assertThat(registry.subjects()).isEmpty();
    }

    @Test
    void withoutAutoRegistrationASchemaMissingFromAnExistingSubjectFailsWith40403() {
        registry.register(SUBJECT, AliasBinding.getClassSchema());
        Map<String, Object> config = config(registry.url(), SerdeConfig.AUTO_REGISTER_SCHEMAS, "false");
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config, false);

        assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, event(1)))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(40403);
                    assertThat(e.getMessage()).contains("not registered", "Schema not found");
                });
    }

    @Test
    void anIdTheRegistryDoesNotKnowGivesTheRegistrysError() {
        SpecificAvroDeserializer<UsageEvent> deserializer = new SpecificAvroDeserializer<>(UsageEvent.class);
        deserializer.configure(config(registry.url()), false);
        byte[] framed = {0, 0, 0, 0x30, 0x39, 0};

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, framed))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(40403);
                    assertThat(e.getMessage()).contains("/schemas/ids/12345", "HTTP 404", "Schema 12345 not found");
                });
    }

    @Test
    void anIdTheRegistryDoesNotKnowIsTheRecordsFault() {
        SpecificAvroDeserializer<UsageEvent> deserializer = new SpecificAvroDeserializer<>(UsageEvent.class);
        deserializer.configure(config(registry.url()), false);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 0, 0x30, 0x39, 0}))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.notFound()).isTrue();
                    assertThat(e.isRecordsFault()).isTrue();
                });
    }

    @Test
    void aSchemaThatIsNotAvroIsTheRecordsFault() {
        int id = registry.registerOtherType("PROTOBUF", "syntax = \"proto3\"; message Usage { string id = 1; }");
        SpecificAvroDeserializer<UsageEvent> deserializer = new SpecificAvroDeserializer<>(UsageEvent.class);
        deserializer.configure(config(registry.url()), false);
        byte[] framed = ByteBuffer.allocate(6).put((byte) 0).putInt(id).put((byte) 0).array();

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, framed))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.getMessage()).contains("PROTOBUF schema, not Avro");
                    assertThat(e.isRecordsFault()).isTrue();
                });
    }

    @Test
    void aServerErrorRefusedCredentialsOrAnUnreachableRegistryAreNotTheRecordsFault() throws Exception {
        byte[] framed = {0, 0, 0, 0x30, 0x39, 0};
        SpecificAvroDeserializer<UsageEvent> failing = new SpecificAvroDeserializer<>(UsageEvent.class);
        failing.configure(config(registry.url()), false);
        registry.failEveryRequestWith(503);
        assertThatThrownBy(() -> failing.deserialize(TOPIC, framed))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(503);
                    assertThat(e.isRecordsFault()).isFalse();
                });

        registry.failEveryRequestWith(0);
        registry.requireBasicAuth("meterflow:s3cret");
        SpecificAvroDeserializer<UsageEvent> refused = new SpecificAvroDeserializer<>(UsageEvent.class);
        refused.configure(config(registry.url(), SerdeConfig.BASIC_AUTH_USER_INFO, "meterflow:wrong"), false);
        assertThatThrownBy(() -> refused.deserialize(TOPIC, framed))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(401);
                    assertThat(e.isRecordsFault()).isFalse();
                });

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        SpecificAvroDeserializer<UsageEvent> unreachable = new SpecificAvroDeserializer<>(UsageEvent.class);
        unreachable.configure(config("http://127.0.0.1:" + closedPort + "/registry"), false);
        assertThatThrownBy(() -> unreachable.deserialize(TOPIC, framed))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(SchemaRegistryException.NONE);
                    assertThat(e.isRecordsFault()).isFalse();
                });
    }

    /** A wrong URL, or a proxy in front of the registry, answers 404 to every ID: no record is to blame for that. */
    @Test
    void aNotFoundWithoutTheRegistrysNotFoundCodeIsNotTheRecordsFault() {
        registry.answerEveryRequestLikeAProxy(404, "<html><body>404 Not Found</body></html>");
        SpecificAvroDeserializer<UsageEvent> deserializer = new SpecificAvroDeserializer<>(UsageEvent.class);
        deserializer.configure(config(registry.url()), false);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 0, 0x30, 0x39, 0}))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.NONE);
                    assertThat(e.getMessage()).contains("HTTP 404");
                    assertThat(e.isRecordsFault()).isFalse();
                });
    }

    @Test
    void aServerErrorOnTheFirstUrlFallsOverToTheSecond() throws Exception {
        try (FakeSchemaRegistry broken = FakeSchemaRegistry.start()) {
            broken.failEveryRequestWith(503);
            String urls = broken.url() + "," + registry.url();
            SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config(urls), false);

            byte[] bytes = serde.serializer().serialize(TOPIC, event(1));

            assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registry.latestId(SUBJECT));
            assertThat(broken.calls(REGISTER)).isEqualTo(1);
            assertThat(registry.calls(REGISTER)).isEqualTo(1);
        }
    }

    @Test
    void anUnreachableFirstUrlFallsOverToTheSecond() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String urls = "http://127.0.0.1:" + closedPort + "/nothing-here, " + registry.url();
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config(urls), false);

        UsageEvent back = serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, event(1)));

        assertThat(back).isEqualTo(event(1));
        assertThat(registry.calls(REGISTER)).isEqualTo(1);
    }

    @Test
    void whenEveryUrlFailsTheErrorNamesEachOne() throws Exception {
        try (FakeSchemaRegistry other = FakeSchemaRegistry.start()) {
            registry.failEveryRequestWith(500);
            other.failEveryRequestWith(502);
            String first = registry.url();
            String second = other.url();
            SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config(first + "," + second), false);

            assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, event(1)))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining(first).hasMessageContaining(second)
                    .hasMessageContaining("HTTP 500").hasMessageContaining("HTTP 502");
        }
    }

    @Test
    void aClientErrorIsNotRetriedOnTheNextUrl() throws Exception {
        try (FakeSchemaRegistry second = FakeSchemaRegistry.start()) {
            registry.requireBasicAuth("someone:else");
            SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class,
                    config(registry.url() + "," + second.url()), false);

            assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, event(1)))
                    .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("HTTP 401");
            assertThat(second.totalCalls()).isZero();
        }
    }

    @Test
    void aFailedRegistrationIsRetriedWithTheNextRecord() {
        SpecificAvroSerde<UsageEvent> serde = SpecificAvroSerde.of(UsageEvent.class, config(registry.url()), false);
        registry.failEveryRequestWith(503);
        assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, event(1))).isInstanceOf(SerializationException.class);

        registry.failEveryRequestWith(0);
        byte[] bytes = serde.serializer().serialize(TOPIC, event(2));

        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registry.latestId(SUBJECT));
    }

    @Test
    void invalidRegistrySettingsAreConfigErrorsNamingTheKey() {
        assertThatThrownBy(() -> SerdeConfig.registry(config("ftp://registry:8081")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(SerdeConfig.SCHEMA_REGISTRY_URL);
        assertThatThrownBy(() -> SerdeConfig.registry(config("mock://")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(SerdeConfig.SCHEMA_REGISTRY_URL);
        assertThatThrownBy(() -> SerdeConfig.registry(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining(SerdeConfig.SCHEMA_REGISTRY_URL);
        assertThatThrownBy(() -> SerdeConfig.registry(config(registry.url(),
                SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "SASL_INHERIT")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE);
        assertThatThrownBy(() -> SerdeConfig.registry(config(registry.url(), SerdeConfig.REQUEST_TIMEOUT_MS, "soon")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(SerdeConfig.REQUEST_TIMEOUT_MS);
        assertThatThrownBy(() -> SerdeConfig.registry(config(registry.url(), SerdeConfig.REQUEST_TIMEOUT_MS, "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(SerdeConfig.REQUEST_TIMEOUT_MS);
        assertThatThrownBy(() -> SpecificAvroSerde.of(UsageEvent.class,
                config(registry.url(), SerdeConfig.AUTO_REGISTER_SCHEMAS, "maybe"), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining(SerdeConfig.AUTO_REGISTER_SCHEMAS);
    }
}
