package io.meterflow.ingest;

import io.meterflow.runtime.Runner;

/**
 * Runs ingest-stream as a process: {@code ingest-stream [--config FILE] [--set key=value]...}, each setting
 * overridable by a {@code METERFLOW_*} environment variable, serving the usage API, {@code /health/live},
 * {@code /health/ready} and {@code /metrics} on {@code http.port}. Exits 0 after a requested shutdown, 1 if the app
 * failed or could not start, 2 on bad arguments or configuration. See {@link Runner#runMain}.
 */
public final class IngestMain {

    private IngestMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int code = Runner.runMain(IngestApp.NAME, args, System.getenv(), IngestService.definition(), System.err);
        if (code != 0) {
            System.exit(code);
        }
    }
}
