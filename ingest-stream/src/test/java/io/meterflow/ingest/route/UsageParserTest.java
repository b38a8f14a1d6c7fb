package io.meterflow.ingest.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.ingest.validate.RejectionReason;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.serde.InvalidStringException;
import io.meterflow.serde.NestedTooDeepException;
import io.meterflow.serde.SchemaRegistryException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class UsageParserTest {

    private static UsageParser failingWith(RuntimeException e) {
        return new UsageParser((topic, data) -> {
            throw e;
        });
    }

    @Test
    void anUnknownSchemaIdIsTheRecordsFault() {
        UsageParser parser = failingWith(new SchemaRegistryException(
                "Schema registry GET http://r/schemas/ids/9 failed with HTTP 404: Schema 9 not found"));
        assertThat(parser.parse("usage-events", new byte[] {0, 0, 0, 0, 9}).refused().detail()).contains("404");
    }

    @Test
    void anUnreachableRegistryIsRethrownNotRejected() {
        UsageParser unreachable = failingWith(new SchemaRegistryException("unreachable", new IOException("refused")));
        assertThatThrownBy(() -> unreachable.parse("usage-events", new byte[] {0, 0, 0, 0, 9}))
                .isInstanceOf(SchemaRegistryException.class);
        UsageParser failing = failingWith(new SchemaRegistryException(
                "Schema registry GET http://r/schemas/ids/9 failed with HTTP 503"));
        assertThatThrownBy(() -> failing.parse("usage-events", new byte[] {0, 0, 0, 0, 9}))
                .isInstanceOf(SchemaRegistryException.class);
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
