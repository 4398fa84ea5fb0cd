package io.modelwatch.jobs;

import io.modelwatch.ingest.DeadLetters;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.ingest.EventTimeBounds;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.IngestRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class PredictionDeserializerTest {
    static List<IngestRecord> deserialize(byte[] value) {
        List<IngestRecord> out = new ArrayList<>();
        new PredictionDeserializer().deserialize(new ConsumerRecord<>("predictions", 3, 1234L, null, value),
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
    void impossiblyEarlyTimesAreDeadLetteredNamingTheFieldAndTheLikelyCause() {
        long now = System.currentTimeMillis();
        // A producer sending epoch seconds: read as milliseconds, January 1970.
        byte[] seconds = ("{\"modelId\":\"m\",\"timestamp\":" + now / 1000 + ",\"prediction\":1}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(deserialize(seconds).get(0).deadLetter().error())
                .startsWith("timestamp: 1970-01-")
                .contains("is before 2000-01-01T00:00:00Z, the earliest event time accepted (--min-event-time)")
                .endsWith("; epoch seconds instead of milliseconds?");
        assertThat(deserialize(event(Instant.parse("1969-12-31T23:59:00Z"))).get(0).deadLetter().error())
                .isEqualTo("timestamp: 1969-12-31T23:59:00Z is before 2000-01-01T00:00:00Z, the earliest event time"
                        + " accepted (--min-event-time)");
        assertThat(deserialize("{\"modelId\":\"m\",\"timestamp\":0,\"prediction\":1}".getBytes(StandardCharsets.UTF_8))
                .get(0).deadLetter().error()).endsWith("; an unset timestamp?");
        // Microseconds run far into the future instead.
        byte[] micros = ("{\"modelId\":\"m\",\"timestamp\":" + now * 1000 + ",\"prediction\":1}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(deserialize(micros).get(0).deadLetter().error())
                .startsWith("timestamp: more than 60 minutes in the future")
                .endsWith("; epoch microseconds instead of milliseconds?");
        // The bound is a setting; at it, an event is accepted.
        assertThat(deserialize(event(Instant.parse("2000-01-01T00:00:00Z"))).get(0).isDead()).isFalse();
        List<IngestRecord> older = new ArrayList<>();
        new PredictionDeserializer(EventTimeBounds.notBefore(Instant.parse("1960-01-01T00:00:00Z"))).deserialize(
                new ConsumerRecord<>("predictions", 0, 1L, null, event(Instant.parse("1969-12-31T23:59:00Z"))),
                new ListCollector<>(older));
        assertThat(older.get(0).isDead()).isFalse();
    }

    @Test
    void labelsAreHeldToTheSameTimeBounds() {
        List<IngestRecord> out = new ArrayList<>();
        long seconds = System.currentTimeMillis() / 1000;
        new LabelDeserializer().deserialize(new ConsumerRecord<>("labels", 0, 7L, null,
                ("{\"modelId\":\"m\",\"predictionId\":\"p\",\"timestamp\":" + seconds + ",\"label\":1}")
                        .getBytes(StandardCharsets.UTF_8)), new ListCollector<>(out));
        assertThat(out.get(0).deadLetter().topic()).isEqualTo("labels");
        assertThat(out.get(0).deadLetter().error()).endsWith("; epoch seconds instead of milliseconds?");
    }

    @Test
    void hugePayloadsAreTruncatedAndNonUtf8IsBase64() {
        byte[] huge = new byte[200_000];
        java.util.Arrays.fill(huge, (byte) 'x');
        DeadLetter d = deserialize(huge).get(0).deadLetter();
        assertThat(d.payload()).hasSize(DeadLetters.MAX_PAYLOAD_BYTES);
        assertThat(d.error()).contains("payload truncated from 200000 bytes");
        DeadLetter b = deserialize(new byte[] {(byte) 0xc3, (byte) 0x28}).get(0).deadLetter();
        assertThat(b.payload()).isNull();
        assertThat(b.payloadBase64()).isEqualTo("wyg=");
    }
}
