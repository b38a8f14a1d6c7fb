package io.meterflow.ingest;

import io.meterflow.http.PeerClient;
import io.meterflow.ingest.api.BillableMetricApi;
import io.meterflow.ingest.api.CustomerNames;
import io.meterflow.ingest.api.HttpCustomerNames;
import io.meterflow.ingest.api.UsageApi;
import io.meterflow.ingest.api.UsageQueryApi;
import io.meterflow.runtime.AppDefinition;
import java.time.Duration;

/**
 * ingest-stream as the {@link io.meterflow.runtime.Runner} runs it, in every mode: its stream processing
 * ({@link IngestApp}, configured by {@link IngestConfig}), its usage API ({@link UsageApi}), its usage queries
 * ({@link UsageQueryApi}) and its billable metric API ({@link BillableMetricApi}, which reads
 * {@value BillableMetricApi#WRITE_TIMEOUT}).
 */
public final class IngestService {

    /** alias-sync's base URL, for customer names in event search (optional; ingest-stream's own main only). */
    public static final String CUSTOMERS_URL = "customers.api.url";

    private IngestService() {
    }

    /**
     * Names and checks customers through alias-sync's API at {@value #CUSTOMERS_URL}, if it is set (else names are
     * absent and a customer's billable metrics are listed without checking the customer).
     */
    public static AppDefinition definition() {
        return (settings, context) -> {
            IngestConfig config = IngestConfig.from(settings);
            String customersUrl = settings.string(CUSTOMERS_URL, "");
            CustomerNames names = customersUrl.isBlank() ? CustomerNames.none()
                    : new HttpCustomerNames(customersUrl, PeerClient.anyToken(context.apiTokens()));
            return install(config, settings.duration(BillableMetricApi.WRITE_TIMEOUT,
                    BillableMetricApi.DEFAULT_WRITE_TIMEOUT), names, context);
        };
    }

    /** Names and checks customers with {@code names} (the standalone launcher: alias-sync's store, in process). */
    public static AppDefinition definition(CustomerNames names) {
        return (settings, context) -> install(IngestConfig.from(settings), settings.duration(
                BillableMetricApi.WRITE_TIMEOUT, BillableMetricApi.DEFAULT_WRITE_TIMEOUT), names, context);
    }

    private static AppDefinition.Installed install(IngestConfig config, Duration writeTimeout, CustomerNames names,
            AppDefinition.Context context) {
        IngestApp app = new IngestApp(config, context.registry());
        UsageApi usage = UsageApi.install(context.http(), app, context.apiTokens(), names);
        BillableMetricApi billableMetrics = BillableMetricApi.install(context.http(), app, names, writeTimeout);
        UsageQueryApi.install(context.http(), app, context.apiTokens(),
                config.aggregationEnabled() ? app::aggregates : UsageQueryApi.AGGREGATION_OFF);
        return new AppDefinition.Installed(app, new Apis(usage, billableMetrics));
    }

    /** ingest-stream's APIs, as the runner holds them (closed, with their producers, once HTTP has stopped). */
    public record Apis(UsageApi usage, BillableMetricApi billableMetrics) implements AutoCloseable {
        @Override
        public void close() {
            try {
                usage.close();
            } finally {
                billableMetrics.close();
            }
        }
    }
}
