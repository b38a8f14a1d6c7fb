package io.meterflow.runtime;

import io.meterflow.config.Settings;
import io.meterflow.http.HttpService;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;

/**
 * How the {@link Runner} makes one app: each app module provides one ({@code AliasSyncService},
 * {@code IngestService}), and every way of running the app — its own main, the standalone launcher, the tests, the
 * container image — goes through it, so that a setting means the same in every mode.
 */
@FunctionalInterface
public interface AppDefinition {

    /**
     * Reads every setting the app uses from {@code settings} (a bad one throws a
     * {@link org.apache.kafka.common.config.ConfigException} naming it), installs the app's HTTP API on
     * {@code context.http()}, and returns the app, not yet started. Reading a setting here is what keeps it out of the
     * unknown-key warning, so nothing the app uses may be read later.
     */
    Installed install(Settings settings, Context context);

    /** What an app is installed with: the process's one HTTP service, its API tokens and its meter registry. */
    record Context(HttpService http, Set<String> apiTokens, MeterRegistry registry) {
    }

    /**
     * An installed app: its stream processing and the resources its API holds (producers), which are released after
     * HTTP has stopped, once no request can reach them.
     */
    record Installed(StreamsApp app, AutoCloseable api) {
    }
}
