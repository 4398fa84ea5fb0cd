package io.modelwatch.ingest;

import io.modelwatch.model.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/**
 * The dead letter of an input record that cannot be used, for every input topic (predictions,
 * labels, control): its position, Kafka's record time, the reason and the payload, as text when
 * it is UTF-8 and as base64 otherwise. Free of Kafka's types, so the Kafka-facing deserialisers
 * (in jobs) and the operators build the same letter.
 */
public final class DeadLetters {
    /**
     * Dead letters carry at most this much of the payload, so a huge bad record cannot make the
     * dead-letter write exceed Kafka's default 1 MB message size.
     */
    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;

    private DeadLetters() {}

    /** {@code receivedAt} is Kafka's record time ({@code kafkaTimestamp}, negative if none): replays give the same letter. */
    public static DeadLetter of(String topic, int partition, long offset, long kafkaTimestamp, byte[] value,
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
}
