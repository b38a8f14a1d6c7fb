package io.meterflow.ingest.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.ingest.validate.RejectionReason;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.InvalidStringException;
import io.meterflow.serde.NestedTooDeepException;
import io.meterflow.serde.SchemaRegistryException;
import io.meterflow.serde.SerdeConfig;
import io.meterflow.serde.SpecificAvroDeserializer;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UsageParserTest {

    private static UsageParser failingWith(RuntimeException e) {
        return new UsageParser((topic, data) -> {
            throw e;
        });
    }

    private static final byte[] UNKNOWN_ID = {0, 0, 0, 0x30, 0x39, 0};

    /** Decided on the status and error code the registry answered, whatever its message says. */
    @Test
    void aSchemaIdTheRegistryAnswersItDoesNotKnowIsRejectedAsMalformed() {
        UsageParser parser = failingWith(new SchemaRegistryException("Schema 12345 not found", 404,
                SchemaRegistryException.SCHEMA_NOT_FOUND));

        UsageParser.Parsed parsed = parser.parse("usage-events", UNKNOWN_ID);

        assertThat(parsed.refused().reason()).isEqualTo(RejectionReason.MALFORMED);
        assertThat(parsed.refused().detail()).contains("Schema 12345 not found");
    }

    @Test
    void aSchemaIdUnknownToTheMockRegistryIsRejectedAsMalformed() {
        SpecificAvroDeserializer<UsageEvent> deserializer = SpecificAvroDeserializer.strict(UsageEvent.class);
        deserializer.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "mock://usage-parser-test"), false);

        assertThat(new UsageParser(deserializer).parse("usage-events", UNKNOWN_ID).refused().detail())
                .contains("Schema ID 12345 is unknown");
    }

    @Test
    void aSchemaThatIsNotAvroIsRejectedAsMalformed() {
        UsageParser parser = failingWith(SchemaRegistryException.unusableSchema("Schema ID 12345 is a PROTOBUF schema"));

        assertThat(parser.parse("usage-events", UNKNOWN_ID).refused().reason()).isEqualTo(RejectionReason.MALFORMED);
    }

    @Test
    void aRegistryServerErrorRefusedCredentialsOrAProxysNotFoundAreRethrownNotRejected() {
        for (SchemaRegistryException notTheRecords : List.of(
                new SchemaRegistryException("Schema registry GET .../schemas/ids/12345 failed with HTTP 404", 503,
                        50001),
                new SchemaRegistryException("Unauthorized", 401, 401),
                new SchemaRegistryException("Forbidden", 403, 40301),
                new SchemaRegistryException("HTTP 404 Not Found", 404, 404),
                new SchemaRegistryException("<html>404 Not Found</html>", 404, SchemaRegistryException.NONE))) {
            assertThatThrownBy(() -> failingWith(notTheRecords).parse("usage-events", UNKNOWN_ID))
                    .as("HTTP %d, error code %d", notTheRecords.httpStatus(), notTheRecords.errorCode())
                    .isSameAs(notTheRecords);
        }
    }

    @Test
    void anUnreachableRegistryIsRethrownNotRejected() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        SpecificAvroDeserializer<UsageEvent> deserializer = SpecificAvroDeserializer.strict(UsageEvent.class);
        deserializer.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + closedPort,
                SerdeConfig.REQUEST_TIMEOUT_MS, "2000"), false);

        assertThatThrownBy(() -> new UsageParser(deserializer).parse("usage-events", UNKNOWN_ID))
                .isInstanceOf(SchemaRegistryException.class).hasMessageContaining("unreachable");
    }

    @Test
    void anyDecodingFailureIsMalformed() {
        UsageParser parser = failingWith(new ArrayIndexOutOfBoundsException(-1));
        assertThat(parser.parse("usage-events", new byte[] {0}).refused().reason())
                .isEqualTo(RejectionReason.MALFORMED);
        assertThat(new UsageParser((t, d) -> (UsageEvent) null).parse("usage-events", null).refused().detail())
                .contains("null");
    }

    @Test
    void stringsThatAreNotUtf8AndNestingTooDeepToDecodeKeepTheReasonsTheApiWouldGive() {
        assertThat(failingWith(new InvalidStringException("not UTF-8")).parse("usage-events", new byte[] {0})
                .refused().reason()).isEqualTo(RejectionReason.INVALID_STRING);
        assertThat(failingWith(new NestedTooDeepException("deep")).parse("usage-events", new byte[] {0})
                .refused().reason()).isEqualTo(RejectionReason.NESTED_TOO_DEEP);
    }
}
