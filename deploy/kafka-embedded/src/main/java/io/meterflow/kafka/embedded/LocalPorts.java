package io.meterflow.kafka.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** TCP ports on the loopback address, probed by binding them the way Kafka's acceptor will. */
final class LocalPorts {

    static final String HOST = "127.0.0.1";

    private LocalPorts() {
    }

    /**
     * A port that was free a moment ago. Another process can take it before Kafka binds it; the broker retries with
     * fresh ports when that happens.
     */
    static int pickFree() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(HOST, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port on " + HOST, e);
        }
    }

    /** A free port other than {@code taken}. */
    static int pickFreeExcept(int taken) {
        int port = pickFree();
        while (port == taken) {
            port = pickFree();
        }
        return port;
    }

    /** Fails with a message naming the port when something already listens on it. */
    static void requireFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(HOST, port));
        } catch (BindException e) {
            throw new EmbeddedKafkaException(inUseMessage(port), e);
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot bind Kafka port " + port + " on " + HOST + ": " + e.getMessage(), e);
        }
    }

    static String inUseMessage(int port) {
        return "Kafka port " + port + " on " + HOST + " is already in use";
    }
}
