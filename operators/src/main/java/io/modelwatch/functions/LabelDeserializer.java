package io.modelwatch.functions;

import io.modelwatch.model.IngestRecord;
import io.modelwatch.serde.LabelEventParser;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Every {@code labels} record becomes a label or a dead letter; never throws. */
public final class LabelDeserializer implements KafkaRecordDeserializationSchema<IngestRecord> {
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<IngestRecord> out) {
        LabelEventParser.Result r = LabelEventParser.parse(record.value());
        out.collect(r.ok() ? IngestRecord.of(r.label())
                : IngestRecord.dead(IngestDeserializer.deadLetter(record.topic(), record.partition(), record.offset(),
                        record.timestamp(), record.value(), r.error())));
    }

    @Override
    public TypeInformation<IngestRecord> getProducedType() {
        return TypeInformation.of(IngestRecord.class);
    }
}
