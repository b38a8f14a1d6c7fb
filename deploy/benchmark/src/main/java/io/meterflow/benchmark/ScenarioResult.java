package io.meterflow.benchmark;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One scenario of one round.
 *
 * @param scenario  {@code pass-through}, {@code naive-join} or {@code meterflow}
 * @param round     1-based round
 * @param inputs    records loaded on usage-events
 * @param outputs   committed output records counted at the end
 * @param seconds   from resuming the paused topology (input already loaded) to the last expected committed output
 * @param loadRate  records per second of the loader (before the topology ran)
 * @param checkPassed whether the scenario's count check held
 * @param check     the count check, in words and figures
 * @param details   further figures (by name), in the order they were added
 */
record ScenarioResult(String scenario, int round, long inputs, long outputs, double seconds, double loadRate,
                      boolean checkPassed, String check, Map<String, Object> details) {

    ScenarioResult {
        details = new LinkedHashMap<>(details);
    }

    /** Input records per second, over {@link #seconds()}. */
    double eventsPerSecond() {
        return seconds > 0 ? inputs / seconds : 0;
    }
}
