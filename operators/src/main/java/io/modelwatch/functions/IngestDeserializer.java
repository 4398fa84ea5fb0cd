package io.modelwatch.functions;

import io.modelwatch.config.EventTimeBounds;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.serde.PredictionEventParser;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns every {@code predictions} record into an {@link IngestRecord}: the parsed event, or a
 * dead letter with the record's topic, partition, offset and the reason. It never throws, so one
 * bad record can neither fail the job nor be skipped silently.
 */
public final class IngestDeserializer implements KafkaRecordDeserializationSchema<IngestRecord> {
    /**
     * Dead letters carry at most this much of the payload, so a huge bad record cannot make the
     * dead-letter write exceed Kafka's default 1 MB message size.
     */
    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;

    private final EventTimeBounds timeBounds;

    public IngestDeserializer() {
        this(EventTimeBounds.DEFAULT);
    }

    /** Events stamped outside {@code timeBounds} are dead letters naming the likely cause. */
    public IngestDeserializer(EventTimeBounds timeBounds) {
        this.timeBounds = timeBounds;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<IngestRecord> out) {
        PredictionEventParser.Result r = PredictionEventParser.parse(record.value());
        String error = r.ok() ? timeBounds.check("timestamp", r.event().timestamp(), System.currentTimeMillis())
                : r.error();
        if (error == null) {
            out.collect(IngestRecord.of(r.event()));
        } else {
            out.collect(IngestRecord.dead(deadLetter(record.topic(), record.partition(), record.offset(),
                    record.timestamp(), record.value(), error)));
        }
    }

    /** Also used for the other input topics. {@code receivedAt} is Kafka's record time: replays give the same letter. */
    public static DeadLetter deadLetter(String topic, int partition, long offset, long kafkaTimestamp, byte[] value,
            String error) {
        byte[] bytes = value == null ? new byte[0] : value;
        String suffix = "";
        if (bytes.length > MAX_PAYLOAD_BYTES) {
            suffix = " (payload truncated from " + bytes.length + " bytes)";
            bytes = Arrays.copyOf(bytes, MAX_PAYLOAD_BYTES);
        }
        String text = null;
        String base64 = null;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            base64 = Base64.getEncoder().encodeToString(bytes);
            if (suffix.isEmpty()) {
                error = error + " (payload is not UTF-8)";
            }
        }
        String receivedAt = kafkaTimestamp >= 0 ? Instant.ofEpochMilli(kafkaTimestamp).toString() : null;
        return new DeadLetter(topic, partition, offset, receivedAt, error + suffix, text, base64);
    }

    @Override
    public TypeInformation<IngestRecord> getProducedType() {
        return TypeInformation.of(IngestRecord.class);
    }
}
