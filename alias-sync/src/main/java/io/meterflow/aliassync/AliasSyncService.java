package io.meterflow.aliassync;

import io.meterflow.aliassync.api.CustomerApi;
import io.meterflow.aliassync.api.CustomerStoreQuery;
import io.meterflow.runtime.AppDefinition;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * alias-sync as the {@link io.meterflow.runtime.Runner} runs it, in every mode: its stream processing
 * ({@link AliasSyncApp}, configured by {@link AliasSyncConfig}) and its customer API ({@link CustomerApi}, which also
 * reads {@value CustomerApi#WRITE_TIMEOUT}).
 */
public final class AliasSyncService {

    private AliasSyncService() {
    }

    public static AppDefinition definition() {
        return definition(query -> { });
    }

    /**
     * @param customers given the customer store's query once installed (the standalone launcher names customers in
     *                  ingest-stream's event search from it, with no HTTP hop)
     */
    public static AppDefinition definition(Consumer<CustomerStoreQuery> customers) {
        return (settings, context) -> {
            AliasSyncConfig config = AliasSyncConfig.from(settings);
            Duration writeTimeout = settings.duration(CustomerApi.WRITE_TIMEOUT, CustomerApi.DEFAULT_WRITE_TIMEOUT);
            AliasSyncApp app = new AliasSyncApp(config, context.registry());
            CustomerApi api = CustomerApi.install(context.http(), app, context.apiTokens(), writeTimeout);
            customers.accept(api.query());
            return new AppDefinition.Installed(app, api);
        };
    }
}
