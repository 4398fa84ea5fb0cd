package io.modelwatch.jobs;

import io.modelwatch.ingest.EventTimeBounds;
import io.modelwatch.ingest.DeadLetters;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.ingest.PredictionEventParser;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns every {@code predictions} record into an {@link IngestRecord}: the parsed event, or a
 * dead letter with the record's topic, partition, offset and the reason. It never throws, so one
 * bad record can neither fail the job nor be skipped silently. The parsing is
 * {@code PredictionEventParser}'s, the dead letter {@link DeadLetters}'; this is their Kafka adapter.
 */
public final class PredictionDeserializer implements KafkaRecordDeserializationSchema<IngestRecord> {
    private final EventTimeBounds timeBounds;
    /**
     * Made on first use in the subtask: the source calls its deserializer from the task's thread
     * only, so one parser per subtask reuses its scratch columns and shares feature-name arrays
     * between events (PredictionEventParser#sharing).
     */
    private transient PredictionEventParser parser;

    public PredictionDeserializer() {
        this(EventTimeBounds.DEFAULT);
    }

    /** Events stamped outside {@code timeBounds} are dead letters naming the likely cause. */
    public PredictionDeserializer(EventTimeBounds timeBounds) {
        this.timeBounds = timeBounds;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<IngestRecord> out) {
        if (parser == null) {
            parser = PredictionEventParser.sharing();
        }
        PredictionEventParser.Result r = parser.read(record.value());
        String error = r.ok() ? timeBounds.check("timestamp", r.event().timestamp(), System.currentTimeMillis())
                : r.error();
        if (error == null) {
            out.collect(IngestRecord.of(r.event()));
        } else {
            out.collect(IngestRecord.dead(DeadLetters.of(record.topic(), record.partition(), record.offset(),
                    record.timestamp(), record.value(), error)));
        }
    }

    @Override
    public TypeInformation<IngestRecord> getProducedType() {
        return TypeInformation.of(IngestRecord.class);
    }
}
