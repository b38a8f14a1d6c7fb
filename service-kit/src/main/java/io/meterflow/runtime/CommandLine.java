package io.meterflow.runtime;

import io.meterflow.config.Settings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command line of each app's main: {@code <app> [--config FILE] [--set key=value]...}. Settings come from the
 * file, then {@code METERFLOW_*} environment variables, then {@code --set} flags, each overriding the one before.
 */
public final class CommandLine {

    private CommandLine() {
    }

    /** The arguments do not follow the usage; the message says what was expected. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * @throws UsageException if the arguments are not {@code [--config FILE] [--set key=value]...}
     * @throws org.apache.kafka.common.config.ConfigException if the file cannot be read
     */
    public static Settings settings(String app, String[] args, Map<String, String> env) {
        Path file = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("--config=") && file == null) {
                file = Path.of(arg.substring("--config=".length()));
            } else if (arg.equals("--config") && i + 1 < args.length && file == null) {
                file = Path.of(args[++i]);
            } else if (arg.equals("--set") && i + 1 < args.length && args[i + 1].indexOf('=') > 0) {
                String kv = args[++i];
                overrides.put(kv.substring(0, kv.indexOf('=')).strip(), kv.substring(kv.indexOf('=') + 1));
            } else {
                throw new UsageException("unexpected argument '" + arg + "'; usage: " + app
                        + " [--config FILE] [--set key=value]...");
            }
        }
        return Settings.load(file, env, overrides);
    }
}
