package io.modelwatch.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.testing.Events;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class PredictionBatchSerializerTest {
    private static final PredictionBatchSerializer SERIALIZER = PredictionBatchSerializer.INSTANCE;

    private static PredictionEvent event(String pid, long ts, String[] names, byte[] kinds, double[] numeric,
            String[] categorical, byte predictionKind, double score, String label) {
        return new PredictionEvent("churn", "v2", pid, ts, names, kinds, numeric, categorical, predictionKind,
                score, label);
    }

    /** Every value shape an event can carry, and a names array that changes part-way. */
    private static PredictionBatch mixedBatch() {
        String[] names = {"age", "plan", "visits", "income"};
        List<PredictionEvent> events = new ArrayList<>();
        events.add(event("p1", 1_000, names,
                new byte[] {ValueKind.NUMERIC, ValueKind.CATEGORICAL, ValueKind.MISSING, ValueKind.NON_FINITE},
                new double[] {41.5, 0, 0, 0}, new String[] {null, "pro", null, null}, ValueKind.NUMERIC, 0.7, null));
        // Equal names in a different array, a null prediction id, a categorical prediction.
        events.add(event(null, 1_001, names.clone(),
                new byte[] {ValueKind.NUMERIC, ValueKind.CATEGORICAL, ValueKind.NUMERIC, ValueKind.MISSING},
                new double[] {-0.0, 0, 3, 0}, new String[] {null, "", null, null}, ValueKind.CATEGORICAL, 0,
                "churns"));
        // Other names; values an event built outside the parser may hold (numeric next to a
        // non-numeric kind, a categorical value next to a numeric one).
        events.add(event("p3", 999, new String[] {"age", "région"},
                new byte[] {ValueKind.MISSING, ValueKind.NUMERIC}, new double[] {Double.NaN, 1e-300},
                new String[] {"x", "y"}, ValueKind.NUMERIC, Double.MAX_VALUE, null));
        events.add(event("p4", 1_002, new String[0], new byte[0], new double[0], new String[0],
                ValueKind.NUMERIC, 1, null));
        events.add(event("p5", 1_003, names,
                new byte[] {ValueKind.NUMERIC, ValueKind.NUMERIC, ValueKind.NUMERIC, ValueKind.NUMERIC},
                new double[] {1, 2, 3, 4}, new String[4], ValueKind.NUMERIC, 0.1, null));
        return PredictionBatch.of(events.toArray(PredictionEvent[]::new));
    }

    private static byte[] bytes(TypeSerializer<PredictionBatch> s, PredictionBatch b) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(b, out);
        return out.getCopyOfBuffer();
    }

    private static PredictionBatch roundTrip(PredictionBatch b) throws Exception {
        return SERIALIZER.deserialize(new DataInputDeserializer(bytes(SERIALIZER, b)));
    }

    @Test
    void aBatchComesBackEqualEventByEvent() throws Exception {
        PredictionBatch batch = mixedBatch();
        PredictionBatch back = roundTrip(batch);
        assertThat(back.modelKey()).isEqualTo(batch.modelKey());
        assertThat(back.events()).containsExactly(batch.events());
        assertThat(SERIALIZER.copy(batch).events()).containsExactly(batch.events());
        assertThat(roundTrip(new PredictionBatch("empty", new PredictionEvent[0])).events()).isEmpty();
    }

    @Test
    void namesAndCategoriesOfLaterBatchesAreTheSameStringObjects() throws Exception {
        PredictionEvent[] first = roundTrip(mixedBatch()).events();
        PredictionEvent[] second = roundTrip(mixedBatch()).events();
        assertThat(second[0].featureNames()[1]).isSameAs(first[0].featureNames()[1]);
        assertThat(second[0].categoricalValues()[1]).isEqualTo("pro").isSameAs(first[0].categoricalValues()[1]);
        assertThat(second[1].categoricalPrediction()).isEqualTo("churns").isSameAs(first[1].categoricalPrediction());
    }

    @Test
    void eventsWithTheSameNamesShareOneArrayAfterTheTrip() throws Exception {
        PredictionEvent[] back = roundTrip(mixedBatch()).events();
        assertThat(back[1].featureNames()).isSameAs(back[0].featureNames());
        assertThat(back[2].featureNames()).isNotSameAs(back[0].featureNames());
        assertThat(back[4].featureNames()).isNotSameAs(back[0].featureNames()).isEqualTo(back[0].featureNames());
    }

    @Test
    void aTypicalBatchIsLessThanHalfWhatThePojoSerializerWrites() throws Exception {
        // 100 events of 26 features: names and ids once instead of 100 times.
        List<PredictionEvent> events = new ArrayList<>();
        String[] names = new String[26];
        for (int i = 0; i < names.length; i++) {
            names[i] = "feature_" + i;
        }
        for (PredictionEvent e : Events.stream("model-0001", 1, 100, 0, 100, 0, 0)) {
            byte[] kinds = new byte[names.length];
            double[] values = new double[names.length];
            for (int i = 0; i < names.length; i++) {
                kinds[i] = ValueKind.NUMERIC;
                values[i] = e.numericValues()[0] + i;
            }
            events.add(new PredictionEvent(e.modelId(), e.modelVersion(), e.predictionId(), e.timestamp(),
                    names.clone(), kinds, values, new String[names.length], e.predictionKind(),
                    e.numericPrediction(), null));
        }
        PredictionBatch batch = PredictionBatch.of(events.toArray(PredictionEvent[]::new));
        TypeSerializer<PredictionBatch> pojo = TypeInformation.of(PredictionBatch.class)
                .createSerializer(new SerializerConfigImpl());
        int pojoBytes = bytes(pojo, batch).length;
        int ours = bytes(SERIALIZER, batch).length;
        assertThat(ours).isLessThan(pojoBytes / 2);
    }

    @Test
    void aBatchOfTwoModelVersionsIsRefused() {
        PredictionEvent a = Events.stream("a", 1, 1, 0, 1, 0, 0).get(0);
        PredictionEvent b = Events.stream("b", 1, 1, 0, 1, 0, 0).get(0);
        assertThatThrownBy(() -> bytes(SERIALIZER, new PredictionBatch(a.modelKey(), new PredictionEvent[] {a, b})))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("one model version");
    }
}
