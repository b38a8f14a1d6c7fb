package io.meterflow.ingest.aggregate;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;

/**
 * Byte keys of the aggregation stores, laid out for range scans.
 *
 * <p>Every key starts with the customer ID in an order-preserving form: its UTF-8 bytes with each {@code 0x00} written
 * as {@code 0x00 0xFF}, then the terminator {@code 0x00 0x01}. So keys sort by customer ID (UTF-8 byte order, as
 * RocksDB and every cursor compare), all keys of one customer are one contiguous range, and listing customers is one
 * seek per customer.
 * <ul>
 *   <li>aggregate row: customer, 2-byte length + metric ID, 8-byte version (when the task set the metric up: a
 *       definition that changes is a new version, rebuilt from the held usage, and the old one's rows are swept),
 *       8-byte big-endian UTC hour start, 2-byte slice (0 = the
 *       total, i + 1 = the metric's group key i), then each group value as {@code 0x00} (null) or {@code 0x01}, a
 *       4-byte length and the UTF-8 text. Each part is self-delimiting, so no row key is a prefix of another: a row's
 *       value entries are exactly the keys that start with it, and a customer × metric × hour range is one scan.</li>
 *   <li>value entry (aggregate-values): the row key, then the value's text (MAX: the canonical decimal, UNIQUE: the
 *       text form), or for LATEST an 8-byte event time and the transaction ID.</li>
 *   <li>held event (aggregate-events): customer, then the transaction ID's UTF-8 bytes.</li>
 * </ul>
 */
public final class AggregateKeys {

    private static final byte[] TERMINATOR = {0x00, 0x01};

    private AggregateKeys() {
    }

    /** A decoded aggregate row key. */
    public record Row(String customerId, String metricId, long version, long hour, int slice,
            List<String> groupValues) {
    }

    static byte[] customer(String customerId) {
        byte[] utf8 = customerId.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(utf8.length + 2);
        for (byte b : utf8) {
            out.write(b);
            if (b == 0) {
                out.write(0xFF);
            }
        }
        out.write(TERMINATOR, 0, 2);
        return out.toByteArray();
    }

    /** The first key of every store's range for {@code customerId}. */
    public static Bytes customerFirst(String customerId) {
        return Bytes.wrap(customer(customerId));
    }

    /** A key above every key of {@code customerId} (and below the next customer's). */
    public static Bytes customerLast(String customerId) {
        byte[] c = customer(customerId);
        c[c.length - 1] = 0x02;
        return Bytes.wrap(c);
    }

    /** The customer ID a key of any aggregation store starts with, and where the rest of the key begins. */
    record CustomerPart(String customerId, int end) {
    }

    static CustomerPart customerOf(byte[] key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (true) {
            byte b = key[i];
            if (b == 0) {
                if (key[i + 1] == 0x01) {
                    return new CustomerPart(new String(out.toByteArray(), StandardCharsets.UTF_8), i + 2);
                }
                out.write(0);
                i += 2;
            } else {
                out.write(b);
                i++;
            }
        }
    }

    public static String customerId(Bytes key) {
        return customerOf(key.get()).customerId();
    }

    /** The prefix of every row of one customer and metric version. */
    static byte[] metricPrefix(String customerId, String metricId, long version) {
        byte[] c = customer(customerId);
        byte[] m = metricId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(c.length + 2 + m.length + 8).put(c).putShort((short) m.length).put(m)
                .putLong(version).array();
    }

    /** The first possible row key of {@code hour} (slice 0 is the smallest). */
    public static Bytes hourFirst(String customerId, String metricId, long version, long hour) {
        byte[] p = metricPrefix(customerId, metricId, version);
        return Bytes.wrap(ByteBuffer.allocate(p.length + 8).put(p).putLong(hour).array());
    }

    /** A key above every row key (and value entry) of {@code hour}. */
    public static Bytes hourLast(String customerId, String metricId, long version, long hour) {
        byte[] p = metricPrefix(customerId, metricId, version);
        return Bytes.wrap(ByteBuffer.allocate(p.length + 8 + 3).put(p).putLong(hour)
                .put((byte) 0xFF).put((byte) 0xFF).put((byte) 0xFF).array());
    }

    public static Bytes row(String customerId, String metricId, long version, long hour, int slice,
            List<String> groupValues) {
        byte[] p = metricPrefix(customerId, metricId, version);
        int size = p.length + 8 + 2;
        List<byte[]> encoded = new ArrayList<>(groupValues.size());
        for (String value : groupValues) {
            byte[] v = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
            encoded.add(v);
            size += v == null ? 1 : 5 + v.length;
        }
        ByteBuffer key = ByteBuffer.allocate(size).put(p).putLong(hour).putShort((short) slice);
        for (byte[] v : encoded) {
            if (v == null) {
                key.put((byte) 0);
            } else {
                key.put((byte) 1).putInt(v.length).put(v);
            }
        }
        return Bytes.wrap(key.array());
    }

    /**
     * Decodes a row key; {@code groupSizes} are the sizes of the metric's group keys (slice i + 1 has
     * {@code groupSizes[i]} values). Returns null for a slice the sizes do not know (a key of another definition).
     */
    public static Row decodeRow(Bytes key, int[] groupSizes) {
        byte[] k = key.get();
        CustomerPart customer = customerOf(k);
        ByteBuffer b = ByteBuffer.wrap(k, customer.end(), k.length - customer.end());
        byte[] m = new byte[b.getShort() & 0xFFFF];
        b.get(m);
        long version = b.getLong();
        long hour = b.getLong();
        int slice = b.getShort() & 0xFFFF;
        if (slice > groupSizes.length) {
            return null;
        }
        int count = slice == 0 ? 0 : groupSizes[slice - 1];
        List<String> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (b.get() == 0) {
                values.add(null);
            } else {
                byte[] v = new byte[b.getInt()];
                b.get(v);
                values.add(new String(v, StandardCharsets.UTF_8));
            }
        }
        return new Row(customer.customerId(), new String(m, StandardCharsets.UTF_8), version, hour, slice, values);
    }

    /** The hour of a row key or value entry (without decoding the rest). */
    public static long hourOf(byte[] key) {
        int end = customerOf(key).end();
        int metricLength = ((key[end] & 0xFF) << 8) | (key[end + 1] & 0xFF);
        return ByteBuffer.wrap(key, end + 2 + metricLength + 8, 8).getLong();
    }

    /** The metric version of a row key or value entry. */
    public static long versionOf(byte[] key) {
        int end = customerOf(key).end();
        int metricLength = ((key[end] & 0xFF) << 8) | (key[end + 1] & 0xFF);
        return ByteBuffer.wrap(key, end + 2 + metricLength, 8).getLong();
    }

    /** The metric ID of a row key or value entry. */
    public static String metricIdOf(byte[] key) {
        int end = customerOf(key).end();
        int metricLength = ((key[end] & 0xFF) << 8) | (key[end + 1] & 0xFF);
        return new String(key, end + 2, metricLength, StandardCharsets.UTF_8);
    }

    /** A MAX or UNIQUE value entry of {@code row}. */
    static Bytes value(Bytes row, String text) {
        byte[] r = row.get();
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(r.length + t.length).put(r).put(t).array());
    }

    static String valueText(Bytes row, Bytes entry) {
        byte[] e = entry.get();
        int offset = row.get().length;
        return new String(e, offset, e.length - offset, StandardCharsets.UTF_8);
    }

    /** A LATEST value entry of {@code row}: later events sort later, ties by transaction ID. */
    static Bytes latest(Bytes row, long eventTime, String transactionId) {
        byte[] r = row.get();
        byte[] t = transactionId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(r.length + 8 + t.length).put(r).putLong(eventTime).put(t).array());
    }

    static long latestTime(Bytes row, Bytes entry) {
        return ByteBuffer.wrap(entry.get(), row.get().length, 8).getLong();
    }

    /** The range of {@code row}'s value entries: UTF-8 never holds 0xFF, and event times before year 2^56 ms start 0x00. */
    static Bytes valuesFirst(Bytes row) {
        return row;
    }

    static Bytes valuesLast(Bytes row) {
        byte[] r = row.get();
        byte[] last = Arrays.copyOf(r, r.length + 1);
        last[r.length] = (byte) 0xFF;
        return Bytes.wrap(last);
    }

    /** A held event of aggregate-events. */
    public static Bytes event(String customerId, String transactionId) {
        byte[] c = customer(customerId);
        byte[] t = transactionId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(c.length + t.length).put(c).put(t).array());
    }

    public static String eventTransactionId(Bytes key) {
        byte[] k = key.get();
        int end = customerOf(k).end();
        return new String(k, end, k.length - end, StandardCharsets.UTF_8);
    }

    /** The smallest key greater than {@code key}. */
    static Bytes successor(byte[] key) {
        return Bytes.wrap(Arrays.copyOf(key, key.length + 1));
    }
}
