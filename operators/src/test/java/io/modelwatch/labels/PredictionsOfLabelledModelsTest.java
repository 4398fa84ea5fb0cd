package io.modelwatch.labels;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.ValueKind;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * With {@code --label-join labelled-models} only models that send labels have their predictions
 * kept for the label join; the labels stream announces each such model once, and the set survives
 * a restart. By default every prediction passes.
 */
class PredictionsOfLabelledModelsTest {

    static TwoInputStreamOperatorTestHarness<PredictionRef, String, PredictionRef> filter(OperatorSubtaskState restore)
            throws Exception {
        return filter(restore, new PredictionsOfLabelledModels());
    }

    static TwoInputStreamOperatorTestHarness<PredictionRef, String, PredictionRef> filter(OperatorSubtaskState restore,
            PredictionsOfLabelledModels function) throws Exception {
        var h = new TwoInputStreamOperatorTestHarness<>(new CoBroadcastWithNonKeyedOperator<>(
                function, java.util.List.of(PredictionsOfLabelledModels.LABELLED_MODELS)));
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    static PredictionRef prediction(String model, String id) {
        return new PredictionRef(model, "1", id, 1000, ValueKind.NUMERIC, 0.5, null);
    }

    @Test
    void predictionsOfAModelAreKeptFromItsFirstLabelOnAndAfterARestart() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = filter(null)) {
            h.processElement1(new StreamRecord<>(prediction("labelled", "before-first-label")));
            h.processElement2(new StreamRecord<>("labelled"));
            h.processElement1(new StreamRecord<>(prediction("labelled", "after")));
            h.processElement1(new StreamRecord<>(prediction("unlabelled", "x")));
            assertThat(h.extractOutputValues()).extracting(PredictionRef::predictionId).containsExactly("after");
            snapshot = h.snapshot(1, 1);
        }
        try (var restored = filter(snapshot)) {
            restored.processElement1(new StreamRecord<>(prediction("labelled", "after-restart")));
            restored.processElement1(new StreamRecord<>(prediction("unlabelled", "y")));
            assertThat(restored.extractOutputValues()).extracting(PredictionRef::predictionId)
                    .containsExactly("after-restart");
        }
    }

    @Test
    void byDefaultEveryPredictionIsKeptEvenBeforeTheFirstLabel() throws Exception {
        try (var h = filter(null, new PredictionsOfLabelledModels(true))) {
            h.processElement1(new StreamRecord<>(prediction("labelled", "before-first-label")));
            h.processElement2(new StreamRecord<>("labelled"));
            h.processElement1(new StreamRecord<>(prediction("unlabelled", "x")));
            assertThat(h.extractOutputValues()).extracting(PredictionRef::predictionId)
                    .containsExactly("before-first-label", "x");
        }
    }

    @Test
    void eachModelIsAnnouncedOnceHoweverManyLabelsItSends() throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new FirstLabelPerModel()),
                LabelEvent::modelId, Types.STRING)) {
            h.open();
            for (int i = 0; i < 3; i++) {
                for (String model : new String[] {"a", "b"}) {
                    h.processElement(new StreamRecord<>(new LabelEvent(model, "p" + i, 1000, ValueKind.NUMERIC, 1, null)));
                }
            }
            assertThat(h.extractOutputValues()).containsExactly("a", "b");
        }
    }
}
