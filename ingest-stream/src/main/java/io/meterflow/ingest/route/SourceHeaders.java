package io.meterflow.ingest.route;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Headers of a rerouted usage record: its original coordinates and key, so that a rejection produced after the hop
 * names the record as the producer wrote it. The value travels unchanged (the original bytes). The key is bounded
 * with the value: only records whose key and value together fit {@code validation.max.event.bytes} are rerouted
 * ({@code route} rejects larger ones first), so the hop is at most that plus the transaction ID and these headers.
 */
public final class SourceHeaders {

    /** partition (4 bytes) + offset (8 bytes) + topic (UTF-8). */
    public static final String SOURCE = "meterflow.source";
    /** The original record key, byte for byte; absent when the key was null. */
    public static final String ORIGINAL_KEY = "meterflow.original-key";

    private SourceHeaders() {
    }

    public static Headers of(String topic, int partition, long offset, byte[] originalKey) {
        byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
        byte[] source = ByteBuffer.allocate(12 + topicBytes.length)
                .putInt(partition).putLong(offset).put(topicBytes).array();
        RecordHeaders headers = new RecordHeaders();
        headers.add(SOURCE, source);
        if (originalKey != null) {
            headers.add(ORIGINAL_KEY, originalKey);
        }
        return headers;
    }

    /** The coordinates in {@code headers}; null when the record carries none. */
    public static Coordinates read(Headers headers) {
        Header source = headers.lastHeader(SOURCE);
        if (source == null || source.value() == null || source.value().length < 12) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(source.value());
        int partition = buffer.getInt();
        long offset = buffer.getLong();
        String topic = new String(source.value(), 12, source.value().length - 12, StandardCharsets.UTF_8);
        Header key = headers.lastHeader(ORIGINAL_KEY);
        return new Coordinates(topic, partition, offset, key == null ? null : key.value());
    }

    /** Where a rerouted record was first read. */
    public record Coordinates(String topic, int partition, long offset, byte[] originalKey) {
    }
}
