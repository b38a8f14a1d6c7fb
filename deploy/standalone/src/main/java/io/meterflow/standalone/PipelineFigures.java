package io.meterflow.standalone;

import io.meterflow.ingest.metrics.IngestMetrics;
import io.meterflow.ingest.metrics.PendingGauges;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The figures the demo cannot read from a topic because the pipeline writes them nowhere — duplicates are dropped,
 * parked events sit in a store — taken from ingest-stream's own metrics: in this process, or scraped from a running
 * launcher's {@code /metrics}.
 */
interface PipelineFigures {

    /** Duplicates dropped so far. */
    double duplicates();

    /** Events parked now. */
    double pending();

    static PipelineFigures of(MeterRegistry registry) {
        return new PipelineFigures() {
            @Override
            public double duplicates() {
                return registry.find(IngestMetrics.OUTCOMES).tag("outcome", "duplicate").counters().stream()
                        .mapToDouble(c -> c.count()).sum();
            }

            @Override
            public double pending() {
                return registry.find(PendingGauges.PENDING).gauges().stream().mapToDouble(g -> g.value()).sum();
            }
        };
    }

    static PipelineFigures scraping(String metricsUrl) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return new PipelineFigures() {
            @Override
            public double duplicates() {
                return sample(prometheusName(IngestMetrics.OUTCOMES) + "_total", "outcome=\"duplicate\"");
            }

            @Override
            public double pending() {
                return sample(prometheusName(PendingGauges.PENDING), null);
            }

            private double sample(String name, String label) {
                String text;
                try {
                    text = client.send(HttpRequest.newBuilder(URI.create(metricsUrl)).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                } catch (IOException e) {
                    throw new IllegalStateException("Could not read metrics from " + metricsUrl + ": " + e.getMessage(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while reading " + metricsUrl, e);
                }
                double sum = 0;
                for (String line : text.split("\n")) {
                    if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                        if (label == null || line.contains(label)) {
                            sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                        }
                    }
                }
                return sum;
            }
        };
    }

    private static String prometheusName(String micrometerName) {
        return micrometerName.replace('.', '_');
    }
}
