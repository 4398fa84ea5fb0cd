package io.modelwatch.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwatch.model.ValueKind;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class WaitingPredictionSerializerTest {
    static byte[] bytes(WaitingPrediction... predictions) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        for (WaitingPrediction p : predictions) {
            WaitingPredictionSerializer.INSTANCE.serialize(p, out);
        }
        return out.getCopyOfBuffer();
    }

    @Test
    void everyFieldComesBackExactly() throws Exception {
        WaitingPrediction coded = new WaitingPrediction("7", 1_764_144_000_123L, ValueKind.NUMERIC, 0.8125, null,
                0x1234_5678_9abc_def0L, -1L, 0x3F80_C000_7F80_FF80L);
        WaitingPrediction categorical = new WaitingPrediction("v-\u00e9\u4e2d", -5, ValueKind.CATEGORICAL, 0,
                "class-\u00fc", 0, 0, 0);
        WaitingPrediction odd = new WaitingPrediction(null, Long.MIN_VALUE, ValueKind.NON_FINITE, Double.NaN, "", 0,
                Long.MIN_VALUE, 0);
        WaitingPrediction negativeZero = new WaitingPrediction("", Long.MAX_VALUE, ValueKind.MISSING, -0.0, null, 1, 0, 0);
        DataInputDeserializer in = new DataInputDeserializer(bytes(coded, categorical, odd, negativeZero));
        for (WaitingPrediction p : new WaitingPrediction[] {coded, categorical, odd, negativeZero}) {
            assertThat(WaitingPredictionSerializer.INSTANCE.deserialize(in)).isEqualTo(p);
        }
        assertThat(in.available()).isZero();
    }

    @Test
    void aPredictionPaysOnlyForTheFieldsItHas() throws Exception {
        // The bench's prediction: version "1", a score, no segments. Header 1 + version 2 +
        // timestamp 6 + kind 1 + score 8.
        WaitingPrediction plain = new WaitingPrediction("1", 1_764_144_000_120L, ValueKind.NUMERIC, 0.7311, null, 0, 0, 0);
        assertThat(bytes(plain)).hasSize(18);
        // With every segment code: 24 more.
        assertThat(bytes(new WaitingPrediction("1", 1_764_144_000_120L, ValueKind.NUMERIC, 0.7311, null, 1, 2, 3)))
                .hasSize(42);
    }

    @Test
    void aFormatThisBuildDoesNotKnowFailsWithAMessage() {
        byte[] later = {(byte) (2 << 5), 0};
        assertThatThrownBy(() -> WaitingPredictionSerializer.INSTANCE.deserialize(new DataInputDeserializer(later)))
                .isInstanceOf(IOException.class).hasMessageContaining("format 2");
    }
}
