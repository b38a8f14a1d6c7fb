package io.meterflow.kafka.embedded;

import org.apache.kafka.common.utils.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka ends its own process on fatal faults, such as a start-up timeout, through {@link Exit#exit} and
 * {@link Exit#halt}. Inside a test JVM or an application that would kill the host, so while any embedded broker is
 * running those calls throw an {@link EmbeddedKafkaException} instead, which fails the broker's start or the Kafka
 * thread that hit the fault.
 *
 * <p>Kafka's {@code Exit} procedures are JVM-wide: the guard replaces whatever procedures were set before the first
 * broker started and restores Kafka's defaults after the last one closes.
 */
final class KafkaExitGuard {

    private static final Logger log = LoggerFactory.getLogger(KafkaExitGuard.class);

    private static int runningBrokers;

    private KafkaExitGuard() {
    }

    static synchronized void acquire() {
        if (runningBrokers++ == 0) {
            Exit.setExitProcedure((status, message) -> refuse("exit", status, message));
            Exit.setHaltProcedure((status, message) -> refuse("halt", status, message));
        }
    }

    static synchronized void release() {
        if (runningBrokers > 0 && --runningBrokers == 0) {
            Exit.resetExitProcedure();
            Exit.resetHaltProcedure();
        }
    }

    private static void refuse(String kind, int status, String message) {
        String text = "embedded Kafka broker hit a fatal fault and asked the JVM to " + kind + " with status " + status
                + (message == null ? "" : ": " + message) + "; see Kafka's ERROR log for the fault";
        log.error(text);
        throw new EmbeddedKafkaException(text);
    }
}
