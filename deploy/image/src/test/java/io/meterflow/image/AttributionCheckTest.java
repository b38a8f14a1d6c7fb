package io.meterflow.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttributionCheckTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private boolean report(Map<String, String> expected, Map<String, Map<String, Integer>> net) {
        return AttributionCheck.report(expected, net, "r-", new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    @Test
    void passesWhenEveryAcceptedEventNetsOnceAtItsCustomer() {
        assertThat(report(Map.of("r-1", "acme", "r-2", "globex"),
                Map.of("r-1", Map.of("acme", 1), "r-2", Map.of("initech", 0, "globex", 1)))).isTrue();
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("accepted 2", "exactly once at the expected "
                + "customer 2", "missing 0");
    }

    @Test
    void failsOnAMissingADoubleOrAMisplacedAttribution() {
        assertThat(report(Map.of("r-1", "acme"), Map.of())).isFalse();
        assertThat(report(Map.of("r-1", "acme"), Map.of("r-1", Map.of("acme", 2)))).isFalse();
        assertThat(report(Map.of("r-1", "acme"), Map.of("r-1", Map.of("globex", 1)))).isFalse();
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("FAULT r-1");
    }

    @Test
    void anUnacknowledgedEventMayNetOnceButNeverTwice() {
        assertThat(report(Map.of(), Map.of("r-9", Map.of("acme", 1)))).isTrue();
        assertThat(report(Map.of(), Map.of("r-9", Map.of("acme", 1, "globex", 1)))).isFalse();
    }
}
