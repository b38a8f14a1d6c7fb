package io.meterflow.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes an HTTP/1 connection whose request line and headers have not all arrived within a bound: counted from the
 * connection's start for its first request, and from the request's first byte for a later one on a kept-alive
 * connection (the wait between requests is the connector's idle timeout).
 *
 * <p>Jetty 12 has no such setting: its idle timeout restarts with every byte, so a client sending one byte every few
 * seconds keeps a connection forever (slowloris). Such a client holds no thread in Jetty, but it holds a socket and a
 * buffer. This listener tracks each connection and, a few times per timeout, looks at the state of its
 * {@link HttpParser} (a volatile field Jetty exposes) and at when the parser saw the request's first byte.
 */
final class HeaderDeadline extends AbstractLifeCycle implements Connection.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);

    private final Scheduler scheduler;
    private final long timeoutNanos;
    private final long sweepMillis;
    private final Map<HttpConnection, Long> openedAt = new ConcurrentHashMap<>();
    private volatile Scheduler.Task next;

    HeaderDeadline(Scheduler scheduler, Duration timeout) {
        this.scheduler = scheduler;
        this.timeoutNanos = timeout.toNanos();
        // Connections are closed at most a quarter of the timeout late, and never looked at more than 20 times a second.
        this.sweepMillis = Math.max(50, Math.min(1000, timeout.toMillis() / 4));
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection http) {
            openedAt.put(http, System.nanoTime());
        }
    }

    @Override
    public void onClosed(Connection connection) {
        openedAt.remove(connection);
    }

    @Override
    protected void doStart() {
        next = scheduler.schedule(this::sweep, sweepMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        Scheduler.Task task = next;
        if (task != null) {
            task.cancel();
        }
        openedAt.clear();
    }

    private void sweep() {
        long now = System.nanoTime();
        try {
            openedAt.forEach((connection, opened) -> {
                HttpParser parser = connection.getParser();
                long began;
                // The state is volatile and written after the begin time, so it is read first.
                if (parser.isStart()) {
                    if (connection.getMessagesIn() > 0) {
                        return; // between requests: the idle timeout applies
                    }
                    began = opened;
                } else if (parser.inHeaderState()) {
                    began = parser.getBeginNanoTime();
                } else {
                    return; // reading a body, or answering: the body timeout and the handler apply
                }
                if (now - began > timeoutNanos) {
                    LOG.debug("Closing {}: no complete request headers within {} ms", connection,
                            TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                    openedAt.remove(connection);
                    connection.getEndPoint().close();
                }
            });
        } finally {
            if (isRunning()) {
                next = scheduler.schedule(this::sweep, sweepMillis, TimeUnit.MILLISECONDS);
            }
        }
    }
}
