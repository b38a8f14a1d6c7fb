package io.meterflow.ingest;

import io.meterflow.http.PeerClient;
import io.meterflow.ingest.api.CustomerNames;
import io.meterflow.ingest.api.HttpCustomerNames;
import io.meterflow.ingest.api.UsageApi;
import io.meterflow.runtime.AppDefinition;

/**
 * ingest-stream as the {@link io.meterflow.runtime.Runner} runs it, in every mode: its stream processing
 * ({@link IngestApp}, configured by {@link IngestConfig}) and its usage API ({@link UsageApi}).
 */
public final class IngestService {

    /** alias-sync's base URL, for customer names in event search (optional; ingest-stream's own main only). */
    public static final String CUSTOMERS_URL = "customers.api.url";

    private IngestService() {
    }

    /** Names customers in event search through alias-sync's API at {@value #CUSTOMERS_URL}, if it is set. */
    public static AppDefinition definition() {
        return (settings, context) -> {
            IngestConfig config = IngestConfig.from(settings);
            String customersUrl = settings.string(CUSTOMERS_URL, "");
            CustomerNames names = customersUrl.isBlank() ? CustomerNames.none()
                    : new HttpCustomerNames(customersUrl, PeerClient.anyToken(context.apiTokens()));
            return install(config, names, context);
        };
    }

    /** Names customers in event search with {@code names} (the standalone launcher: alias-sync's store, in process). */
    public static AppDefinition definition(CustomerNames names) {
        return (settings, context) -> install(IngestConfig.from(settings), names, context);
    }

    private static AppDefinition.Installed install(IngestConfig config, CustomerNames names,
            AppDefinition.Context context) {
        IngestApp app = new IngestApp(config, context.registry());
        UsageApi api = UsageApi.install(context.http(), app, context.apiTokens(), names);
        return new AppDefinition.Installed(app, api);
    }
}
