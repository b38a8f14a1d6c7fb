package io.meterflow.serde;

import io.meterflow.schemas.AliasBinding;
import io.meterflow.schemas.BillableMetric;
import io.meterflow.schemas.Customer;
import io.meterflow.schemas.CustomerChange;
import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageAggregate;
import io.meterflow.schemas.UsageAggregateKey;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.internal.aliassync.AliasCommand;
import io.meterflow.schemas.internal.aliassync.AliasCommandBatch;
import io.meterflow.schemas.internal.aliassync.ChangeOriginal;
import io.meterflow.schemas.internal.aliassync.ClaimOutcome;
import io.meterflow.schemas.internal.aliassync.ClaimOutcomeBatch;
import io.meterflow.schemas.internal.aliassync.CustomerClaims;
import io.meterflow.schemas.internal.aliassync.RequestedAlias;
import io.meterflow.schemas.internal.ingest.AggregateEvent;
import io.meterflow.schemas.internal.ingest.AggregateState;
import io.meterflow.schemas.internal.ingest.BoundCustomer;
import io.meterflow.schemas.internal.ingest.IdentifierEntry;
import io.meterflow.schemas.internal.ingest.IngestBookkeeping;
import io.meterflow.schemas.internal.ingest.MetricProgress;
import io.meterflow.schemas.internal.ingest.ReplayJob;
import io.meterflow.schemas.internal.ingest.UsageState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Every schema Meterflow has ever written: the current generated classes and each released version kept under
 * {@value #RELEASED_ROOT} (listed in its {@code INDEX}). The compatibility test holds the current schemas against
 * the released ones; the mock registry resolves IDs written by older releases from here.
 */
public final class KnownSchemas {

    /** Classpath folder of released schema versions, one {@code <Record>/v<N>.avsc} per version. */
    public static final String RELEASED_ROOT = "io/meterflow/schemas/released/";

    /** The top-level records of the data contract, as the current code writes them. */
    public static final List<Schema> CURRENT = List.of(
            UsageEvent.getClassSchema(),
            CustomerChange.getClassSchema(),
            AliasBinding.getClassSchema(),
            Customer.getClassSchema(),
            ResolvedUsage.getClassSchema(),
            Rejection.getClassSchema(),
            ExpiredUsage.getClassSchema(),
            BillableMetric.getClassSchema(),
            UsageAggregateKey.getClassSchema(),
            UsageAggregate.getClassSchema(),
            // alias-sync internal topics and stores (AliasCommand and ClaimOutcome: the one-per-record layout the
            // batches replaced, still read through the batches' aliases)
            AliasCommand.getClassSchema(),
            ClaimOutcome.getClassSchema(),
            AliasCommandBatch.getClassSchema(),
            ClaimOutcomeBatch.getClassSchema(),
            CustomerClaims.getClassSchema(),
            ChangeOriginal.getClassSchema(),
            RequestedAlias.getClassSchema(),
            // ingest-stream internal: store values and repartition topics
            UsageState.getClassSchema(),
            IdentifierEntry.getClassSchema(),
            BoundCustomer.getClassSchema(),
            ReplayJob.getClassSchema(),
            IngestBookkeeping.getClassSchema(),
            AggregateState.getClassSchema(),
            AggregateEvent.getClassSchema(),
            MetricProgress.getClassSchema());

    private static volatile Map<Integer, Schema> byId;

    private KnownSchemas() {
    }

    /** Released versions, as {@code "<Record>/v<N>.avsc"} paths relative to {@link #RELEASED_ROOT}. */
    public static List<String> releasedPaths() {
        InputStream index = KnownSchemas.class.getClassLoader().getResourceAsStream(RELEASED_ROOT + "INDEX");
        if (index == null) {
            return List.of();
        }
        List<String> paths = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(index, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String path = line.strip();
                if (!path.isEmpty() && !path.startsWith("#")) {
                    paths.add(path);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return paths;
    }

    /** Parses one released version. */
    public static Schema released(String path) {
        try (InputStream in = KnownSchemas.class.getClassLoader().getResourceAsStream(RELEASED_ROOT + path)) {
            if (in == null) {
                throw new IllegalStateException("Released schema " + path + " is listed in INDEX but missing");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Schema byStableId(int id) {
        Map<Integer, Schema> index = byId;
        if (index == null) {
            index = new HashMap<>();
            for (Schema schema : CURRENT) {
                index.put(MockSchemaRegistry.stableId(schema), schema);
            }
            for (String path : releasedPaths()) {
                Schema schema = released(path);
                index.putIfAbsent(MockSchemaRegistry.stableId(schema), schema);
            }
            byId = index;
        }
        return index.get(id);
    }
}
