package io.modelwatch.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.IngestRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class IngestDeserializerTest {
    static List<IngestRecord> deserialize(byte[] value) {
        List<IngestRecord> out = new ArrayList<>();
        new IngestDeserializer().deserialize(new ConsumerRecord<>("predictions", 3, 1234L, null, value),
                new Collector<>() {
                    @Override
                    public void collect(IngestRecord record) {
                        out.add(record);
                    }

                    @Override
                    public void close() {}
                });
        return out;
    }

    static byte[] event(Instant ts) {
        return ("{\"modelId\":\"m\",\"timestamp\":\"" + ts + "\",\"prediction\":1}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyRecordGivesExactlyOneEventOrDeadLetterWithItsOrigin() {
        assertThat(deserialize(event(Instant.now())).get(0).isDead()).isFalse();
        List<IngestRecord> bad = deserialize("{".getBytes(StandardCharsets.UTF_8));
        assertThat(bad).hasSize(1);
        DeadLetter d = bad.get(0).deadLetter();
        assertThat(d.topic()).isEqualTo("predictions");
        assertThat(d.partition()).isEqualTo(3);
        assertThat(d.offset()).isEqualTo(1234L);
        assertThat(d.payload()).isEqualTo("{");
    }

    @Test
    void eventsFarInTheFutureAreDeadLetteredSoTheyCannotDragTheWatermark() {
        DeadLetter d = deserialize(event(Instant.now().plusSeconds(3 * 3600))).get(0).deadLetter();
        assertThat(d.error()).startsWith("timestamp: more than 60 minutes in the future");
        assertThat(deserialize(event(Instant.now().plusSeconds(600))).get(0).isDead()).isFalse();
    }

    @Test
    void hugePayloadsAreTruncatedAndNonUtf8IsBase64() {
        byte[] huge = new byte[200_000];
        java.util.Arrays.fill(huge, (byte) 'x');
        DeadLetter d = deserialize(huge).get(0).deadLetter();
        assertThat(d.payload()).hasSize(IngestDeserializer.MAX_PAYLOAD_BYTES);
        assertThat(d.error()).contains("payload truncated from 200000 bytes");
        DeadLetter b = deserialize(new byte[] {(byte) 0xc3, (byte) 0x28}).get(0).deadLetter();
        assertThat(b.payload()).isNull();
        assertThat(b.payloadBase64()).isEqualTo("wyg=");
    }
}
