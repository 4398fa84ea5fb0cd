package io.modelwatch.labels;

import io.modelwatch.model.SideOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.ValueKind;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The label join: matches either way round, and leaves no state behind after the horizon. */
class LabelJoinFunctionTest {
    static final long HOUR = 3_600_000;

    static KeyedTwoInputStreamOperatorTestHarness<String, PredictionRef, LabelEvent, LabelOutcome> harness()
            throws Exception {
        return harness(null);
    }

    static LabelJoinFunction join() {
        return new LabelJoinFunction(ThresholdsParser.parse("defaults:\n  performance: {labelHorizon: 2h}\n"), "labels");
    }

    /** The plain keyed co-process operator: every prediction looks for a label that came first. */
    static KeyedTwoInputStreamOperatorTestHarness<String, PredictionRef, LabelEvent, LabelOutcome> harness(
            org.apache.flink.runtime.checkpoint.OperatorSubtaskState restore) throws Exception {
        return harness(new KeyedCoProcessOperator<>(join()), restore);
    }

    /** The job's operator ({@link LabelJoinOperator}): predictions look for a label only while one waits. */
    static KeyedTwoInputStreamOperatorTestHarness<String, PredictionRef, LabelEvent, LabelOutcome> counting(
            org.apache.flink.runtime.checkpoint.OperatorSubtaskState restore) throws Exception {
        return harness(new LabelJoinOperator(join()), restore);
    }

    static KeyedTwoInputStreamOperatorTestHarness<String, PredictionRef, LabelEvent, LabelOutcome> harness(
            KeyedCoProcessOperator<String, PredictionRef, LabelEvent, LabelOutcome> operator,
            org.apache.flink.runtime.checkpoint.OperatorSubtaskState restore) throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(operator, PredictionRef::joinKey, LabelEvent::joinKey,
                Types.STRING);
        // Heap state: the harness counts keyed state entries only there; clearing is backend-independent.
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    @Test
    void labelsThatCameFirstAreJoinedBeforeAndAfterARestoreByTheCountingOperator() throws Exception {
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (var h = counting(null)) {
            h.processElement1(new StreamRecord<>(prediction("a", 1000), 1000)); // no label waits
            h.processElement2(new StreamRecord<>(label("b", HOUR), HOUR));      // labels first: they wait
            h.processElement2(new StreamRecord<>(label("c", HOUR), HOUR));
            h.processElement1(new StreamRecord<>(prediction("b", 2000), 2000));
            assertThat(h.extractOutputValues()).extracting(LabelOutcome::kind).containsExactly(LabelOutcome.MATCHED);
            snapshot = h.snapshot(1, 2000);
        }
        try (var h = counting(snapshot)) {
            // c's label waited through the restore; a's prediction too.
            h.processElement1(new StreamRecord<>(prediction("c", 3000), 3000));
            h.processElement2(new StreamRecord<>(label("a", HOUR + 1), HOUR + 1));
            h.processElement1(new StreamRecord<>(prediction("d", 4000), 4000)); // none waits now
            h.processElement2(new StreamRecord<>(label("e", HOUR + 2), HOUR + 2));
            h.processElement1(new StreamRecord<>(prediction("e", 5000), 5000));
            assertThat(h.extractOutputValues()).extracting(LabelOutcome::predictionTimestamp)
                    .containsExactly(3000L, 1000L, 5000L);
            assertThat(h.numKeyedStateEntries()).as("d waits for its label").isEqualTo(1);
        }
    }

    static PredictionRef prediction(String id, long ts) {
        return new PredictionRef("m", "1", id, ts, ValueKind.NUMERIC, 0.8, null);
    }

    static LabelEvent label(String id, long ts) {
        return new LabelEvent("m", id, ts, ValueKind.NUMERIC, 1, null);
    }

    @Test
    void joinsWhicheverArrivesFirstAndThenHoldsNothing() throws Exception {
        try (var h = harness()) {
            h.processElement1(new StreamRecord<>(prediction("a", 1000), 1000));
            h.processElement2(new StreamRecord<>(label("a", HOUR), HOUR));
            h.processElement2(new StreamRecord<>(label("b", HOUR), HOUR));
            h.processElement1(new StreamRecord<>(prediction("b", 2000), 2000));
            assertThat(h.extractOutputValues()).extracting(LabelOutcome::kind)
                    .containsExactly(LabelOutcome.MATCHED, LabelOutcome.MATCHED);
            assertThat(h.extractOutputValues().get(0).labelTimestamp() - h.extractOutputValues().get(0).predictionTimestamp())
                    .isEqualTo(HOUR - 1000);
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void aWaitingPredictionKeepsItsSegmentsThroughASnapshotAndHandsThemToItsOutcome() throws Exception {
        long code = io.modelwatch.model.SegmentCodes.of("region", "north_america");
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.processElement1(new StreamRecord<>(new PredictionRef("m", "1", "a", 1000, ValueKind.NUMERIC, 0.8, null,
                    code), 1000));
            h.processElement1(new StreamRecord<>(prediction("old", 1000), 1000));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(snapshot)) {
            h.processElement2(new StreamRecord<>(label("a", HOUR), HOUR));
            h.processElement2(new StreamRecord<>(label("old", HOUR), HOUR));
            assertThat(h.extractOutputValues()).extracting(LabelOutcome::segments).containsExactly(code, 0L);
        }
    }

    @Test
    void aRepeatedPredictionWaitsOnceAndItsLabelJoinsOnce() throws Exception {
        try (var h = harness()) {
            // A producer's retry: the same prediction twice, then its label, then the retry again.
            h.processElement1(new StreamRecord<>(prediction("a", 1000), 1000));
            h.processElement1(new StreamRecord<>(prediction("a", 1000), 1000));
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);
            h.processElement2(new StreamRecord<>(label("a", HOUR), HOUR));
            assertThat(h.extractOutputValues()).extracting(LabelOutcome::kind).containsExactly(LabelOutcome.MATCHED);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.getSideOutput(SideOutputs.DEAD_LETTERS)).isNullOrEmpty();
        }
    }

    @Test
    void unmatchedPredictionsExpireAfterTheHorizonAndUnknownLabelsAreDeadLettered() throws Exception {
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.setStateTtlProcessingTime(0);
            h.processElement1(new StreamRecord<>(prediction("never-labelled", 1000), 1000));
            h.processElement2(new StreamRecord<>(label("no-such-prediction", 5000), 5000));
            assertThat(h.numKeyedStateEntries()).isEqualTo(2);
            h.processBothWatermarks(new org.apache.flink.streaming.api.watermark.Watermark(2 * HOUR + 5000));
            var dead = h.getSideOutput(SideOutputs.DEAD_LETTERS);
            assertThat(dead).extracting(r -> ((DeadLetter) r.getValue()).error())
                    .containsExactly("labels: no prediction no-such-prediction of model m within the label horizon of PT2H");
            // The prediction's time-to-live (the horizon) passes: it is gone from the next snapshot.
            h.setStateTtlProcessingTime(2 * HOUR + 1);
            snapshot = h.snapshot(1L, 2 * HOUR + 1);
            assertThat(h.extractOutputValues()).isEmpty();
        }
        try (var restored = harness(snapshot)) {
            assertThat(restored.numKeyedStateEntries()).isZero();
        }
    }
}
