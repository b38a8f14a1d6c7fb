package io.meterflow.benchmark;

import io.meterflow.aliassync.CustomerChanges;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.JsonNumber;
import io.meterflow.schemas.JsonValue;
import io.meterflow.schemas.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The benchmark's events and customers, a pure function of the run tag and the record index, so every scenario
 * loads the same records and the checks can recompute what each record should become without storing it.
 *
 * <ul>
 *   <li>{@code customers} customers, customer {@code k} created with one alias {@link #alias(int)};</li>
 *   <li>record {@code i} with {@code i % 100 == 99} repeats record {@code i - 50} (same transaction ID and content):
 *       1% duplicates;</li>
 *   <li>of the others, 10% are sent under one of {@link #lateAliases()} aliases that no customer holds when the
 *       scenario starts ({@code late-l} is attached to customer {@code l} mid-run); the rest under a bound
 *       identifier: a third under the customer's own ID, two thirds under its alias;</li>
 *   <li>the aliases of the last {@link #movingAliases()} customers (1%) move mid-run to customer {@code k - moving}.</li>
 * </ul>
 */
final class Workload {

    private static final String[] EVENT_TYPES = {"api_call", "tokens", "storage_gb_hours"};
    private static final String[] MODELS = {"small-2026-09", "medium-2026-10", "large-2026-11"};
    private static final String[] REGIONS = {"eu-west-1", "us-east-2", "ap-south-1"};

    private final String run;
    private final long events;
    private final int customers;
    private final int late;
    private final int moving;
    private final long baseTimeMs;

    Workload(String run, long events, int customers) {
        if (customers < 20) {
            throw new IllegalArgumentException("the workload needs at least 20 customers");
        }
        this.run = run;
        this.events = events;
        this.customers = customers;
        this.late = Math.max(2, customers / 10);
        this.moving = Math.max(1, customers / 100);
        // Event times an hour back, well inside ingest-stream's validation window.
        this.baseTimeMs = System.currentTimeMillis() - 3_600_000L;
    }

    String run() {
        return run;
    }

    long events() {
        return events;
    }

    int customers() {
        return customers;
    }

    int lateAliases() {
        return late;
    }

    int movingAliases() {
        return moving;
    }

    // ---- identifiers -----------------------------------------------------------------------------------------------

    String customerId(int k) {
        return UUID.nameUUIDFromBytes((run + "/customer/" + k).getBytes(StandardCharsets.UTF_8)).toString();
    }

    String alias(int k) {
        return "billing-" + k + "." + run + "@example.com";
    }

    String lateAlias(int l) {
        return "late-" + l + "." + run + "@example.com";
    }

    /** Customers whose alias moves are the last {@code moving}; each moves to the customer {@code moving} before. */
    boolean aliasMoves(int k) {
        return k >= customers - moving;
    }

    int moveTarget(int k) {
        return k - moving;
    }

    // ---- records -----------------------------------------------------------------------------------------------------

    static boolean isDuplicate(long i) {
        return i % 100 == 99;
    }

    /** The record a duplicate repeats; itself for an original. */
    static long original(long i) {
        return isDuplicate(i) ? i - 50 : i;
    }

    private static long mix(long i) {
        long z = i * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E5L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Whether record {@code i} (or the original it repeats) is sent under a late alias. */
    boolean isLate(long i) {
        return Long.remainderUnsigned(mix(original(i)), 10) == 0;
    }

    /** The customer index record {@code i} is bound to (for a late record: the customer its alias is attached to). */
    int customerIndex(long i) {
        long h = mix(original(i));
        return isLate(i) ? (int) Long.remainderUnsigned(h >>> 8, late) : (int) Long.remainderUnsigned(h >>> 8, customers);
    }

    /** Whether record {@code i} is sent under the customer's own ID rather than an alias (never for late ones). */
    boolean underCustomerId(long i) {
        return !isLate(i) && Long.remainderUnsigned(mix(original(i)) >>> 40, 3) == 0;
    }

    /** Whether record {@code i} is sent under an alias that moves mid-run. */
    boolean underMovingAlias(long i) {
        return !isLate(i) && !underCustomerId(i) && aliasMoves(customerIndex(i));
    }

    /** The customer record {@code i} belongs to once every mid-run change is applied. */
    String finalCustomer(long i) {
        int k = customerIndex(i);
        return customerId(underMovingAlias(i) ? moveTarget(k) : k);
    }

    String identifier(long i) {
        int k = customerIndex(i);
        if (isLate(i)) {
            return lateAlias(k);
        }
        return underCustomerId(i) ? customerId(k) : alias(k);
    }

    String transactionId(long i) {
        return run + "-" + original(i);
    }

    /** The index of a throughput transaction ID, or -1 for any other. */
    long indexOf(String transactionId) {
        if (transactionId == null || transactionId.length() <= run.length() + 1 || !transactionId.startsWith(run)
                || transactionId.charAt(run.length()) != '-') {
            return -1;
        }
        long n = 0;
        for (int c = run.length() + 1; c < transactionId.length(); c++) {
            char ch = transactionId.charAt(c);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            n = n * 10 + (ch - '0');
        }
        return n;
    }

    UsageEvent event(long i) {
        long o = original(i);
        return event(transactionId(i), identifier(i), o);
    }

    /** An event of realistic size (≈ 250 bytes framed) with a few properties. */
    UsageEvent event(String transactionId, String identifier, long seed) {
        int s = (int) Long.remainderUnsigned(seed, 1_000_003);
        Map<String, JsonValue> properties = new LinkedHashMap<>();
        properties.put("tokens", new JsonValue(new JsonNumber(Integer.toString(100 + s % 4000))));
        properties.put("model", new JsonValue(MODELS[s % MODELS.length]));
        properties.put("region", new JsonValue(REGIONS[(s / 3) % REGIONS.length]));
        properties.put("latency_ms", new JsonValue(new JsonNumber((s % 900) + "." + (s % 10))));
        properties.put("endpoint", new JsonValue("/v1/completions"));
        return UsageEvent.newBuilder()
                .setTransactionId(transactionId)
                .setCustomerId(identifier)
                .setEventType(EVENT_TYPES[s % EVENT_TYPES.length])
                .setTimestamp(Instant.ofEpochMilli(baseTimeMs + Long.remainderUnsigned(seed, 3_000_000)).toString())
                .setProperties(properties)
                .build();
    }

    /** Figures of the loaded records that the checks compare against. */
    Expected expected() {
        long duplicates = 0;
        long lateRecords = 0;
        long lateUnique = 0;
        long movingUnique = 0;
        for (long i = 0; i < events; i++) {
            boolean dup = isDuplicate(i);
            boolean isLate = isLate(i);
            duplicates += dup ? 1 : 0;
            lateRecords += isLate ? 1 : 0;
            if (!dup) {
                lateUnique += isLate ? 1 : 0;
                movingUnique += underMovingAlias(i) ? 1 : 0;
            }
        }
        return new Expected(events, duplicates, events - duplicates, lateRecords, lateUnique, movingUnique);
    }

    /**
     * @param records      records loaded
     * @param duplicates   records repeating an earlier transaction ID
     * @param unique       distinct transaction IDs
     * @param lateRecords  records (duplicates included) under late aliases: what the naive join drops
     * @param lateUnique   distinct transaction IDs under late aliases: what Meterflow parks and replays
     * @param movingUnique distinct transaction IDs under aliases that move
     */
    record Expected(long records, long duplicates, long unique, long lateRecords, long lateUnique, long movingUnique) {
    }

    // ---- customer changes ----------------------------------------------------------------------------------------------

    CustomerChange created(int k) {
        return CustomerChanges.created(customerId(k), "Customer " + k, List.of(alias(k)));
    }

    /** The alias set of customer {@code k} after late aliases are attached (before or after moves). */
    CustomerChange aliasesSet(int k, boolean afterMoves) {
        List<String> aliases = new ArrayList<>();
        if (!(afterMoves && aliasMoves(k))) {
            aliases.add(alias(k));
        }
        if (k < late) {
            aliases.add(lateAlias(k));
        }
        if (afterMoves && k >= customers - 2 * moving && k < customers - moving) {
            aliases.add(alias(k + moving));
        }
        return CustomerChanges.ingestAliasesSet(customerId(k), aliases);
    }
}
