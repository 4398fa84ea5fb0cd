package io.modelwatch.jobs;

import io.modelwatch.model.ControlRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Hands every {@code monitor-control} record on as it is; {@link ControlCommandSplitter} checks it
 * (against the thresholds file, which the job graph has) and routes bad ones to dead letters.
 */
public final class ControlDeserializer implements KafkaRecordDeserializationSchema<ControlRecord> {
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ControlRecord> out) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        out.collect(new ControlRecord(record.topic(), record.partition(), record.offset(), record.timestamp(), key,
                record.value()));
    }

    @Override
    public TypeInformation<ControlRecord> getProducedType() {
        return TypeInformation.of(ControlRecord.class);
    }
}
