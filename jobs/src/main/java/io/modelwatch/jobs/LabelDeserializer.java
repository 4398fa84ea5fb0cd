package io.modelwatch.jobs;

import io.modelwatch.ingest.DeadLetters;
import io.modelwatch.ingest.EventTimeBounds;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.ingest.LabelEventParser;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Every {@code labels} record becomes a label or a dead letter; never throws. A label's time is
 * held to the same {@link EventTimeBounds} as a prediction's: a label stamped in 1970 or hours
 * ahead is the same unit or clock mistake, and would count in the wrong label-time window.
 */
public final class LabelDeserializer implements KafkaRecordDeserializationSchema<IngestRecord> {
    private final EventTimeBounds timeBounds;

    public LabelDeserializer() {
        this(EventTimeBounds.DEFAULT);
    }

    public LabelDeserializer(EventTimeBounds timeBounds) {
        this.timeBounds = timeBounds;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<IngestRecord> out) {
        LabelEventParser.Result r = LabelEventParser.parse(record.value());
        String error = r.ok() ? timeBounds.check("timestamp", r.label().timestamp(), System.currentTimeMillis())
                : r.error();
        out.collect(error == null ? IngestRecord.of(r.label())
                : IngestRecord.dead(DeadLetters.of(record.topic(), record.partition(), record.offset(),
                        record.timestamp(), record.value(), error)));
    }

    @Override
    public TypeInformation<IngestRecord> getProducedType() {
        return TypeInformation.of(IngestRecord.class);
    }
}
