package io.meterflow.ingest.validate;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Rfc3339Test {

    @ParameterizedTest
    @ValueSource(strings = {
        "2026-11-22T10:15:30Z",
        "2026-11-22T10:15:30.1Z",
        "2026-11-22T10:15:30.123Z",
        "2026-11-22T10:15:30.123456789Z",
        "2026-11-22t10:15:30z",
        "2026-11-22T10:15:30+01:00",
        "2026-11-22T10:15:30.5-05:30",
        "2024-02-29T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999+14:00"
    })
    void parsesRfc3339DateTimesToTheSameInstantAsJavaTime(String text) {
        long expected = OffsetDateTime.parse(text.toUpperCase(java.util.Locale.ROOT)).toInstant().toEpochMilli();
        assertThat(Rfc3339.parseEpochMillis(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "2026-11-22",
        "2026-11-22T10:15:30",           // no offset
        "2026-11-22 10:15:30Z",          // space separator
        "+12026-11-22T10:15:30Z",        // 5-digit year
        "12026-11-22T10:15:30Z",
        "226-11-22T10:15:30Z",           // 3-digit year
        "2026-13-22T10:15:30Z",
        "2026-02-30T10:15:30Z",
        "2025-02-29T10:15:30Z",
        "2026-11-22T24:00:00Z",
        "2026-11-22T10:60:00Z",
        "2026-11-22T10:15:60Z",          // leap seconds are not accepted
        "2026-11-22T10:15:30.Z",
        "2026-11-22T10:15:30+0100",
        "2026-11-22T10:15:30+24:00",
        "2026-11-22T10:15:30Zjunk",
        "2026-11-22T1a:15:30Z",
        "1732270530",
        "２０２６-11-22T10:15:30Z"        // non-ASCII digits
    })
    void rejectsAnythingElse(String text) {
        assertThat(Rfc3339.parseEpochMillis(text)).isEqualTo(Rfc3339.INVALID);
    }
}
