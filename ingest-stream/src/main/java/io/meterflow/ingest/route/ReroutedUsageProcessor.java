package io.meterflow.ingest.route;

import io.meterflow.ingest.validate.UsageValidator;
import io.meterflow.ingest.validate.Violation;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Processor {@code parse-rerouted}: reads a record back from the {@code usage-rerouted} repartition topic, now in the
 * task that owns its transaction ID, and restores what {@code route} knew about it (parsed event, original topic,
 * partition, offset and key) before it joins the local records on their way to {@code resolve}. {@code route} sent
 * nothing over the size limit; the size is checked again anyway (it costs nothing) so that no record on the topic,
 * whoever wrote it, is parsed or stored over the limit.
 */
public final class ReroutedUsageProcessor implements Processor<String, byte[], String, IncomingUsage> {

    private final UsageParser parser;
    private final UsageValidator validator;
    private ProcessorContext<String, IncomingUsage> context;

    public ReroutedUsageProcessor(UsageParser parser, UsageValidator validator) {
        this.parser = parser;
        this.validator = validator;
    }

    @Override
    public void init(ProcessorContext<String, IncomingUsage> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        SourceHeaders.Coordinates origin = SourceHeaders.read(record.headers());
        if (origin == null) {
            RecordMetadata here = context.recordMetadata().orElseThrow();
            origin = new SourceHeaders.Coordinates(here.topic(), here.partition(), here.offset(), null);
        }
        Violation tooLarge = validator.sizeViolation(RouteProcessor.recordBytes(origin.originalKey(), record.value()));
        UsageParser.Parsed parsed = tooLarge != null ? new UsageParser.Parsed(null, tooLarge, null)
                : parser.parse(origin.topic(), record.value());
        context.forward(new Record<>(record.key(),
                new IncomingUsage(parsed.event(), parsed.refused(), origin.originalKey(), record.value(),
                        origin.topic(), origin.partition(), origin.offset(), true, parsed.binary()),
                record.timestamp()));
    }
}
