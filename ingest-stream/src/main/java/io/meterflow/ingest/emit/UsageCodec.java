package io.meterflow.ingest.emit;

import io.meterflow.ingest.route.IncomingUsage;
import io.meterflow.ingest.validate.Rfc3339;
import io.meterflow.ingest.validate.Violation;
import io.meterflow.schemas.ExpiredUsage;
import io.meterflow.schemas.Rejection;
import io.meterflow.schemas.Resolution;
import io.meterflow.schemas.ResolvedUsage;
import io.meterflow.schemas.UsageEvent;
import io.meterflow.schemas.UsageKind;
import io.meterflow.schemas.internal.ingest.AttributionPath;
import io.meterflow.schemas.internal.ingest.UsageState;
import io.meterflow.schemas.internal.ingest.UsageStatus;
import io.meterflow.serde.AvroBinary;
import io.meterflow.serde.SpecificAvroDeserializer;
import io.meterflow.serde.SpecificAvroSerde;
import io.meterflow.serde.SpecificAvroSerializer;
import io.meterflow.serde.WireFormat;
import io.meterflow.topics.RejectedOriginal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Builds and encodes the records ingest-stream writes about usage: usage-resolved values (ASSIGN and RETRACT, as
 * {@link OutgoingUsage}), the ledger's states ({@link UsageState}, as {@link StoredUsage}, values of
 * {@code usage-by-transaction}), usage-expired and usage-rejected values. Nothing else constructs these records, so a
 * field added to one of their schemas is filled here and nowhere else.
 *
 * <p><b>The copied-encoding fast path.</b> An event is encoded once, by its producer. When a usage-events record was
 * written with the current UsageEvent schema, ingest-stream keeps its Avro payload ({@link #encodingAsRead}) and
 * copies it instead of encoding the event again: whole, into the ledger's stored value (and, once stored, from that
 * value into its next version), and its properties into usage-resolved values. What is written is byte for byte what
 * the plain Avro serde writes for the same record ({@code UsageCodecTest} checks it); where the layout the copy relies
 * on no longer holds (a schema changed), the record is encoded the ordinary way. The copy is correct because the
 * event of a usage never changes: the ledger rewrites only a state's own fields. The ledger's states and usage-resolved
 * values, the two records written most, are written by hand around the copied bytes ({@link StateCodec},
 * {@link ResolvedCodec}), and a stored state is read by hand without decoding its event's properties.
 *
 * <p>Records are built with {@code new X()} and setters rather than Avro's builders, which validate every field and
 * copy every default on each record (two to eight times the cost of building one, measured). A field whose schema
 * default differs from what the no-argument constructor leaves (null, 0, false) is given its default first, so a
 * field added with a default that the codec does not set is still written with it.
 */
public final class UsageCodec {

    private static final int PROPERTIES_FIELD = ResolvedUsage.getClassSchema().getField("properties").pos();
    private static final Schema.Field STATE_EVENT = UsageState.getClassSchema().getField("event");

    /**
     * Whether the properties can be found in a UsageEvent's encoding (see {@link #propertiesIn}): four nullable
     * strings, then {@code properties} last, written with the same schema as ResolvedUsage's {@code properties}.
     */
    static final boolean PROPERTIES_LAYOUT_MATCHES = propertiesLayoutMatches();
    /** Whether UsageState's {@code event} is written with exactly the UsageEvent schema the copied encodings are in. */
    static final boolean STATE_EVENT_MATCHES = STATE_EVENT.schema().equals(UsageEvent.getClassSchema());

    private static final Defaults<ResolvedUsage> RESOLVED_DEFAULTS = new Defaults<>(new ResolvedUsage());
    private static final Defaults<UsageState> STATE_DEFAULTS = new Defaults<>(new UsageState());
    private static final Defaults<ExpiredUsage> EXPIRED_DEFAULTS = new Defaults<>(new ExpiredUsage());

    private UsageCodec() {
    }

    // ---- the ledger's states ------------------------------------------------------------------------------------

    /**
     * A parked event: PENDING and indexed. {@code encoded}: the event's encoding as read ({@link #encodingAsRead}),
     * or null, and then the event is encoded when stored.
     */
    public static StoredUsage pending(UsageEvent event, AvroBinary encoded, long ingestedAt, long acceptedAt) {
        UsageState state = state(UsageStatus.PENDING, event, ingestedAt, acceptedAt);
        state.setIndexed(true);
        return new StoredUsage(state, encoded);
    }

    /**
     * An event attributed as it arrived: ATTRIBUTED to {@code customerId} by {@code path} at {@code now}; indexed when
     * it can still move ({@code encoded}: as for {@link #pending}).
     */
    public static StoredUsage attributed(UsageEvent event, AvroBinary encoded, String customerId, AttributionPath path,
            boolean archived, boolean indexed, long ingestedAt, long now) {
        UsageState state = state(UsageStatus.ATTRIBUTED, event, ingestedAt, now);
        state.setCustomerId(customerId);
        state.setResolution(path);
        state.setArchived(archived);
        state.setIndexed(indexed);
        state.setResolvedAt(now);
        return new StoredUsage(state, encoded);
    }

    /** A rejection kept for search: REJECTED with its reason; {@code summary} is what the ledger keeps of the event. */
    public static StoredUsage rejected(UsageEvent summary, String reason, String detail, long ingestedAt, long now) {
        UsageState state = state(UsageStatus.REJECTED, summary, ingestedAt, now);
        state.setRejectionReason(reason);
        state.setRejectionDetail(detail);
        return new StoredUsage(state, null);
    }

    private static UsageState state(UsageStatus status, UsageEvent event, long ingestedAt, long acceptedAt) {
        UsageState state = STATE_DEFAULTS.fill(new UsageState());
        state.setStatus(status);
        state.setEvent(event);
        state.setIngestedAt(ingestedAt);
        state.setAcceptedAt(acceptedAt);
        return state;
    }

    // ---- output records -----------------------------------------------------------------------------------------

    /** The ASSIGN that counts {@code stored}'s event for its current customer, as its state now describes it. */
    public static OutgoingUsage assign(StoredUsage stored) {
        UsageState state = stored.state();
        return resolved(stored, state.getCustomerId(), UsageKind.ASSIGN, resolution(state.getResolution()),
                state.getArchived(), state.getResolvedAt());
    }

    /** The RETRACT that takes {@code stored}'s event back from {@code customerId} because it moved (REASSIGNED). */
    public static OutgoingUsage retract(StoredUsage stored, String customerId, boolean archived, long now) {
        return resolved(stored, customerId, UsageKind.RETRACT, Resolution.REASSIGNED, archived, now);
    }

    private static OutgoingUsage resolved(StoredUsage stored, String customerId, UsageKind kind,
            Resolution resolution, boolean archived, long resolvedAt) {
        UsageState state = stored.state();
        UsageEvent event = state.getEvent();
        ResolvedUsage usage = RESOLVED_DEFAULTS.fill(new ResolvedUsage());
        usage.setTransactionId(event.getTransactionId());
        usage.setCustomerId(customerId);
        usage.setIdentifier(event.getCustomerId());
        usage.setEventType(event.getEventType());
        usage.setTimestamp(event.getTimestamp());
        usage.setEventTime(Instant.ofEpochMilli(Rfc3339.parseEpochMillis(event.getTimestamp())));
        usage.setProperties(event.getProperties());
        usage.setKind(kind);
        usage.setResolution(resolution);
        usage.setArchived(archived);
        usage.setIngestedAt(Instant.ofEpochMilli(state.getIngestedAt()));
        usage.setResolvedAt(Instant.ofEpochMilli(resolvedAt));
        return new OutgoingUsage(usage, propertiesIn(stored.event()));
    }

    /** The usage-resolved resolution of a state's attribution path. */
    public static Resolution resolution(AttributionPath path) {
        return switch (path) {
            case DIRECT -> Resolution.DIRECT;
            case ALIAS -> Resolution.ALIAS;
            case REPLAYED -> Resolution.REPLAYED;
            case REASSIGNED -> Resolution.REASSIGNED;
        };
    }

    /** A parked event that outlived the pending horizon, whole, for usage-expired. */
    public static ExpiredUsage expired(UsageState state, long now) {
        ExpiredUsage expired = EXPIRED_DEFAULTS.fill(new ExpiredUsage());
        expired.setEvent(state.getEvent());
        expired.setIngestedAt(Instant.ofEpochMilli(state.getIngestedAt()));
        expired.setExpiredAt(Instant.ofEpochMilli(now));
        return expired;
    }

    /**
     * The rejection of {@code in}: reason, detail, coordinates, and the refused record's key and value whole when
     * together they fit {@code originalBytes} (see {@link RecordBudget#rejectedOriginalBytes}), else prefixes with
     * sizes and digest. Rejections are rare and carry no event to copy: built with Avro's builder.
     */
    public static Rejection rejection(IncomingUsage in, Violation violation, long now, int originalBytes) {
        return RejectedOriginal.fill(Rejection.newBuilder(), in.originalKey(), in.originalValue(), originalBytes)
                .setReason(violation.reason().name())
                .setDetail(violation.detail())
                .setSourceTopic(in.sourceTopic())
                .setSourcePartition(in.sourcePartition())
                .setSourceOffset(in.sourceOffset())
                .setTransactionId(in.transactionId())
                .setRejectedAt(Instant.ofEpochMilli(now))
                .build();
    }

    // ---- serdes -------------------------------------------------------------------------------------------------

    /**
     * The encoding of the event just read from {@code value} by {@code deserializer}, for the fast path: the
     * record's payload when it was written with exactly the current UsageEvent schema, else null (the event is then
     * encoded wherever it is written).
     */
    public static AvroBinary encodingAsRead(Deserializer<UsageEvent> deserializer, byte[] value) {
        boolean current = deserializer instanceof SpecificAvroDeserializer<?> avro
                && avro.writtenWithReaderSchema(value);
        return current ? AvroBinary.payloadOf(value) : null;
    }

    /**
     * The event encoded in {@code encoding} (a UsageEvent's encoding in the current schema, as {@link #encodingAsRead}
     * gives it) read by hand ({@link EventCodec}): the event Avro reads from it, or null when it is not plainly valid.
     * Null means: read the record with Avro, which decides whether and why it is refused.
     */
    public static UsageEvent readByHand(AvroBinary encoding) {
        try {
            return EventCodec.read(encoding);
        } catch (RuntimeException notReadByHand) {
            return null;
        }
    }

    /**
     * The serde of usage-resolved values in Confluent-framed Avro: as the plain serde writes a ResolvedUsage, with
     * the properties copied from their known encoding. It reads plain ResolvedUsages.
     */
    public static Serde<OutgoingUsage> resolvedSerde(Map<String, ?> serdeConfig) {
        SpecificAvroSerde<ResolvedUsage> avro = SpecificAvroSerde.of(ResolvedUsage.class, serdeConfig, false);
        SpecificAvroSerializer<ResolvedUsage> serializer = avro.serializer();
        Serializer<OutgoingUsage> copying = (topic, usage) -> {
            if (usage == null) {
                return null;
            }
            AvroBinary properties = usage.properties();
            if (properties == null) {
                return serializer.serialize(topic, usage.value());
            }
            if (ResolvedCodec.LAYOUT_MATCHES) {
                return serializer.serialize(topic, usage.value(),
                        (value, out) -> ResolvedCodec.write(value, properties, out));
            }
            return serializer.serialize(topic, usage.value(), PROPERTIES_FIELD, properties);
        };
        Deserializer<OutgoingUsage> reading = (topic, data) -> {
            ResolvedUsage usage = avro.deserializer().deserialize(topic, data);
            return usage == null ? null : new OutgoingUsage(usage, null);
        };
        return Serdes.serdeFrom(copying, reading);
    }

    /**
     * The serde of {@code usage-by-transaction} values: a {@link UsageState} in Confluent-framed Avro, as the plain
     * serde writes it, with the event copied from its known encoding (the state's own fields written by
     * {@link StateCodec} while its layout holds). A value written with the current schema is read by
     * {@link StateCodec}: its event located as it is read, its properties decoded only when asked for. Any other value
     * is read by Avro and keeps the whole stored record, in which the event is located only when it is written again.
     */
    public static Serde<StoredUsage> storedUsageSerde(Map<String, ?> serdeConfig) {
        SpecificAvroSerde<UsageState> avro = SpecificAvroSerde.of(UsageState.class, serdeConfig, false);
        SpecificAvroSerializer<UsageState> serializer = avro.serializer();
        SpecificAvroDeserializer<UsageState> deserializer = avro.deserializer();
        int eventField = STATE_EVENT.pos();
        SpecificAvroDeserializer<UsageEvent> events = SpecificAvroSerde.of(UsageEvent.class, serdeConfig, false)
                .deserializer();
        Serializer<StoredUsage> copying = (topic, stored) -> {
            if (stored == null) {
                return null;
            }
            AvroBinary event = STATE_EVENT_MATCHES ? stored.event() : null;
            if (event != null && StateCodec.LAYOUT_MATCHES) {
                return serializer.serialize(topic, stored.state(), (state, out) -> StateCodec.write(state, event, out));
            }
            return serializer.serialize(topic, stored.state(), event == null ? -1 : eventField, event);
        };
        Deserializer<StoredUsage> reading = (topic, data) -> {
            if (data != null && StateCodec.LAYOUT_MATCHES && data.length > WireFormat.HEADER_SIZE
                    && data[0] == WireFormat.MAGIC_BYTE && deserializer.writtenWithReaderSchema(data)) {
                try {
                    return StateCodec.read(data, events);
                } catch (RuntimeException notReadByHand) {
                    // Let Avro read it, and say what is wrong with it.
                }
            }
            UsageState state = deserializer.deserialize(topic, data);
            boolean current = STATE_EVENT_MATCHES && deserializer.writtenWithReaderSchema(data);
            return state == null ? null : StoredUsage.read(state, current ? data : null);
        };
        return Serdes.serdeFrom(copying, reading);
    }

    // ---- where the copied bytes are -----------------------------------------------------------------------------

    private static boolean propertiesLayoutMatches() {
        List<Schema.Field> fields = UsageEvent.getClassSchema().getFields();
        if (fields.size() != 5 || !fields.get(4).name().equals("properties")) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            Schema type = fields.get(i).schema();
            if (type.getType() != Schema.Type.UNION || type.getTypes().size() != 2
                    || type.getTypes().get(0).getType() != Schema.Type.NULL
                    || type.getTypes().get(1).getType() != Schema.Type.STRING) {
                return false;
            }
        }
        Schema.Field resolved = ResolvedUsage.getClassSchema().getField("properties");
        return resolved != null && resolved.schema().equals(fields.get(4).schema());
    }

    /**
     * The encoding of the properties within {@code event} (a UsageEvent's encoding in the current schema), or null
     * when it is not known. Skips the four leading strings by hand: this runs for every ASSIGN, and Avro's own skip
     * would need a decoder per record.
     */
    static AvroBinary propertiesIn(AvroBinary event) {
        if (event == null || !PROPERTIES_LAYOUT_MATCHES) {
            return null;
        }
        AvroCursor in = new AvroCursor(event.bytes(), event.offset(), event.offset() + event.length(),
                "a UsageEvent encoding");
        for (int i = 0; i < 4; i++) {
            in.skipNullableString();
        }
        return event.slice(in.pos() - event.offset(), event.length());
    }

    /**
     * Where the event lies in a stored UsageState written with the current schema: after the frame header and the
     * fields before it, up to where Avro's skip of a UsageEvent ends.
     */
    static AvroBinary eventIn(byte[] frame) {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(frame, WireFormat.HEADER_SIZE,
                frame.length - WireFormat.HEADER_SIZE, null);
        try {
            List<Schema.Field> fields = UsageState.getClassSchema().getFields();
            for (int i = 0; i < STATE_EVENT.pos(); i++) {
                GenericDatumReader.skip(fields.get(i).schema(), decoder);
            }
            int start = frame.length - decoder.inputStream().available();
            GenericDatumReader.skip(STATE_EVENT.schema(), decoder);
            int end = frame.length - decoder.inputStream().available();
            return new AvroBinary(frame, start, end - start);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The fields of a generated record whose schema default is not what its no-argument constructor leaves, with
     * that default: {@code new X()} gives every field null, 0 or false, where Avro's builder would give the default.
     */
    private static final class Defaults<T extends SpecificRecordBase> {

        private final SpecificData data;
        private final Schema.Field[] fields;
        private final Object[] values;

        Defaults(T blank) {
            this.data = blank.getSpecificData();
            List<Schema.Field> differing = new ArrayList<>();
            List<Object> defaults = new ArrayList<>();
            for (Schema.Field field : blank.getSchema().getFields()) {
                if (field.hasDefaultValue()) {
                    Object value = data.getDefaultValue(field);
                    if (!Objects.equals(value, blank.get(field.pos()))) {
                        differing.add(field);
                        defaults.add(value);
                    }
                }
            }
            this.fields = differing.toArray(Schema.Field[]::new);
            this.values = defaults.toArray();
        }

        /** {@code record} (just constructed) with those fields set to their defaults, each its own copy. */
        T fill(T record) {
            for (int i = 0; i < fields.length; i++) {
                record.put(fields[i].pos(), data.deepCopy(fields[i].schema(), values[i]));
            }
            return record;
        }
    }
}
