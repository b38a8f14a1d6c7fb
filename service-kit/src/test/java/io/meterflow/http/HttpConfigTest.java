package io.meterflow.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meterflow.config.Settings;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The HTTP keys become {@link HttpLimits}, checked at start-up with the bad key named. */
class HttpConfigTest {

    @Test
    void usesTheDefaultLimitsWhenNoneAreSet() {
        assertThat(HttpConfig.from(Settings.of(Map.of()), "0.0.0.0").limits()).isEqualTo(HttpLimits.DEFAULTS);
    }

    @Test
    void readsEveryLimitFromItsKey() {
        HttpLimits limits = HttpConfig.from(Settings.of(Map.of(
                HttpConfig.MAX_BODY_BYTES, "4096",
                HttpConfig.MAX_CONCURRENT_REQUESTS, "16",
                HttpConfig.MAX_HEADER_BYTES, "8192",
                HttpConfig.HEADER_TIMEOUT, "5s",
                HttpConfig.BODY_TIMEOUT, "20s",
                HttpConfig.IDLE_TIMEOUT, "1m")), "0.0.0.0").limits();
        assertThat(limits).isEqualTo(new HttpLimits(4096, 16, 8192, Duration.ofSeconds(5), Duration.ofSeconds(20),
                Duration.ofMinutes(1)));
    }

    @Test
    void refusesAZeroTimeoutNamingTheKey() {
        assertThatThrownBy(() -> HttpConfig.from(Settings.of(Map.of(HttpConfig.HEADER_TIMEOUT, "0")), "0.0.0.0"))
                .isInstanceOf(ConfigException.class).hasMessageContaining(HttpConfig.HEADER_TIMEOUT);
    }

    @Test
    void refusesHeaderLimitsTooSmallForOrdinaryRequests() {
        assertThatThrownBy(() -> HttpConfig.from(Settings.of(Map.of(HttpConfig.MAX_HEADER_BYTES, "100")), "0.0.0.0"))
                .isInstanceOf(ConfigException.class).hasMessageContaining(HttpConfig.MAX_HEADER_BYTES);
    }
}
