package io.modelwatch.jobs;

import io.modelwatch.serde.Json;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.Function;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes records as JSON to one topic, keyed by {@code key} (null: no key). */
public final class JsonRecordSerializer<T> implements KafkaRecordSerializationSchema<T> {
    /** Serialisable key extractor. */
    @FunctionalInterface
    public interface KeyOf<T> extends Function {
        String key(T value);
    }

    private final String topic;
    private final KeyOf<T> keyOf;

    public JsonRecordSerializer(String topic, KeyOf<T> keyOf) {
        this.topic = topic;
        this.keyOf = keyOf;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
        String key = keyOf == null ? null : keyOf.key(element);
        // No record timestamp: outputs carry event times in their payload, and stamping old event
        // times on records would let Kafka's time-based retention delete a backtest's output at once.
        return new ProducerRecord<>(topic, null, null,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), Json.toBytes(element));
    }
}
