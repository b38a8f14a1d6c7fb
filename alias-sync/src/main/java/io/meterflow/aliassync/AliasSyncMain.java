package io.meterflow.aliassync;

import io.meterflow.runtime.Runner;

/**
 * Runs alias-sync as a process: {@code alias-sync [--config FILE] [--set key=value]...}, each setting overridable by a
 * {@code METERFLOW_*} environment variable, serving the customer API, {@code /health/live}, {@code /health/ready} and
 * {@code /metrics} on {@code http.port}. Exits 0 after a requested shutdown, 1 if the app failed or could not start,
 * 2 on bad arguments or configuration. See {@link Runner#runMain}.
 */
public final class AliasSyncMain {

    private AliasSyncMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int code = Runner.runMain(AliasSyncApp.NAME, args, System.getenv(), AliasSyncService.definition(), System.err);
        if (code != 0) {
            System.exit(code);
        }
    }
}
