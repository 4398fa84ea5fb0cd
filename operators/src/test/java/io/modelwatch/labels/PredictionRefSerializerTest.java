package io.modelwatch.labels;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.ValueKind;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class PredictionRefSerializerTest {
    @Test
    void predictionsCrossTheWireUnchanged() throws Exception {
        PredictionRef numeric = new PredictionRef("churn", "7", "c0ffee-0001", 1_764_144_000_123L, ValueKind.NUMERIC,
                0.8125, null, 0x1234_5678_9abc_def0L, 0x0001_0002_0003_0004L, 0x3F80_C000_7F80_FF80L);
        PredictionRef categorical = new PredictionRef("router", "2", "id-\u00e9\u4e2d", -5, ValueKind.CATEGORICAL,
                Double.NaN, "class-\u00fc");
        PredictionRef sparse = new PredictionRef("m", null, "", 0, (byte) 0, -0.0, null);
        DataOutputSerializer out = new DataOutputSerializer(64);
        for (PredictionRef p : new PredictionRef[] {numeric, categorical, sparse}) {
            PredictionRefSerializer.INSTANCE.serialize(p, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        assertThat(PredictionRefSerializer.INSTANCE.deserialize(in)).isEqualTo(numeric);
        assertThat(PredictionRefSerializer.INSTANCE.deserialize(in)).isEqualTo(categorical);
        assertThat(PredictionRefSerializer.INSTANCE.deserialize(in)).isEqualTo(sparse);
        assertThat(in.available()).isZero();
    }
}
