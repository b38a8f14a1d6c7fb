package io.meterflow.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what the JDK's HttpClient will not send: malformed requests, slow requests,
 * and several requests on a connection the test controls.
 */
final class RawHttp implements AutoCloseable {

    /** One answer: status, headers (lower-cased names, last value wins) and body as text. */
    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;

    RawHttp(HttpService service) throws IOException {
        socket = new Socket("127.0.0.1", service.port());
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
    }

    Socket socket() {
        return socket;
    }

    RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /** Sends {@code request} and reads one answer. */
    Answer exchange(String request) throws IOException {
        return send(request).read();
    }

    /** Reads one answer: headers, then a body of Content-Length bytes, or up to the end of the stream without one. */
    Answer read() throws IOException {
        Answer head = readHeadOnly();
        Map<String, String> headers = head.headers();
        String length = headers.get("content-length");
        byte[] body;
        if (length != null) {
            body = in.readNBytes(Integer.parseInt(length));
        } else if (headers.containsKey("transfer-encoding")) {
            throw new IOException("chunked answers are not expected here");
        } else {
            body = in.readAllBytes();
        }
        return new Answer(head.status(), headers, new String(body, StandardCharsets.UTF_8));
    }

    /** Reads the status line and headers of an answer (all there is of an answer to HEAD). */
    Answer readHeadOnly() throws IOException {
        String[] lines = readHead().split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).strip());
        }
        return new Answer(status, headers, "");
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes: " + head);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
    }

    /** Whether the server has closed the connection: waits up to {@code millis} for the end of the stream. */
    boolean closedByServerWithin(long millis) throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout((int) millis);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
