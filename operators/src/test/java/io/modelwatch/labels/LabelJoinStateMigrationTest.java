package io.modelwatch.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.SegmentCodes;
import io.modelwatch.model.ValueKind;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The label join restores savepoints of earlier builds ({@link LabelJoinSnapshotWriter}), whose
 * waiting predictions are in the {@code prediction} state (Flink's POJO serializer): the release's,
 * written before a waiting prediction carried its segment code; one with categorical codes; and
 * the build before {@code waitingPrediction}, with numeric codes. The predictions waiting then
 * still meet their labels, and the label waiting then still meets its prediction; predictions
 * after the upgrade wait in {@code waitingPrediction}.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LabelJoinStateMigrationTest {
    static final String SNAPSHOT = "src/test/resources/snapshots/label-join-0.1.0-rocksdb-savepoint";

    @Test
    void waitingPredictionsAndLabelsOfTheReleaseAreStillJoined() throws Exception {
        try (var h = LabelJoinSnapshotWriter.harness()) {
            h.initializeState(OperatorSnapshotUtil.readStateHandle(SNAPSHOT));
            h.open();
            h.processElement2(new StreamRecord<>(new LabelEvent("m", "a", 60_000, ValueKind.NUMERIC, 1, null), 60_000));
            h.processElement2(new StreamRecord<>(new LabelEvent("m", "b", 61_000, ValueKind.CATEGORICAL, 0, "no"), 61_000));
            long code = SegmentCodes.of("region", "north_america");
            h.processElement1(new StreamRecord<>(
                    new PredictionRef("m", "1", "c", 2_500, ValueKind.NUMERIC, 0.3, null, code), 2_500));
            assertThat(h.extractOutputValues())
                    .extracting(LabelOutcome::kind, LabelOutcome::predictionTimestamp, LabelOutcome::labelTimestamp,
                            LabelOutcome::segments)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(LabelOutcome.MATCHED, 1_000L, 60_000L, SegmentCodes.NONE),
                            org.assertj.core.groups.Tuple.tuple(LabelOutcome.MATCHED, 2_000L, 61_000L, SegmentCodes.NONE),
                            org.assertj.core.groups.Tuple.tuple(LabelOutcome.MATCHED, 2_500L, 3_000L, code));
            assertThat(h.extractOutputValues().get(1).categoricalPrediction()).isEqualTo("yes");
        }
    }

    static final String SEGMENTS_SNAPSHOT = "src/test/resources/snapshots/label-join-segments-rocksdb-savepoint";

    @Test
    void waitingPredictionsWithCategoricalCodesKeepThemAndGetNoNumericCode() throws Exception {
        try (var h = LabelJoinSnapshotWriter.harness()) {
            h.initializeState(OperatorSnapshotUtil.readStateHandle(SEGMENTS_SNAPSHOT));
            h.open();
            h.processElement2(new StreamRecord<>(new LabelEvent("m", "a", 60_000, ValueKind.NUMERIC, 1, null), 60_000));
            h.processElement2(new StreamRecord<>(new LabelEvent("m", "b", 61_000, ValueKind.CATEGORICAL, 0, "no"), 61_000));
            long names = SegmentCodes.ofName("x3");
            long values = SegmentCodes.toBfloat16(1.5);
            h.processElement1(new StreamRecord<>(new PredictionRef("m", "1", "c", 2_500, ValueKind.NUMERIC, 0.3, null,
                    0, names, values), 2_500));
            long b = SegmentCodes.of("region", "europe") | (long) SegmentCodes.of("device", "mobile") << 16;
            assertThat(h.extractOutputValues())
                    .extracting(LabelOutcome::predictionTimestamp, LabelOutcome::segments, LabelOutcome::numericNames,
                            LabelOutcome::numericValues)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(1_000L, (long) SegmentCodes.of("region", "north_america"),
                                    0L, 0L),
                            org.assertj.core.groups.Tuple.tuple(2_000L, b, 0L, 0L),
                            org.assertj.core.groups.Tuple.tuple(2_500L, 0L, names, values));
        }
    }

    static final String NUMERIC_CODES_SNAPSHOT = "src/test/resources/snapshots/label-join-numeric-codes-rocksdb-savepoint";

    @Test
    void predictionsWaitingInTheStateOfTheBuildBeforeAreJoinedBesideNewOnes() throws Exception {
        long a = SegmentCodes.of("region", "north_america");
        long names = SegmentCodes.ofName("x3");
        long values = SegmentCodes.toBfloat16(1.5);
        OperatorSubtaskState upgraded;
        try (var h = LabelJoinSnapshotWriter.harness()) {
            h.initializeState(OperatorSnapshotUtil.readStateHandle(NUMERIC_CODES_SNAPSHOT));
            h.open();
            // A prediction after the upgrade, and the label waiting in the savepoint meets its prediction.
            h.processElement1(new StreamRecord<>(new PredictionRef("m", "2", "d", 4_000, ValueKind.CATEGORICAL, 0, "no",
                    a, 0, 0), 4_000));
            h.processElement1(new StreamRecord<>(new PredictionRef("m", "1", "c", 2_500, ValueKind.NUMERIC, 0.3, null),
                    2_500));
            h.processElement2(new StreamRecord<>(new LabelEvent("m", "a", 60_000, ValueKind.NUMERIC, 1, null), 60_000));
            assertThat(h.extractOutputValues())
                    .extracting(LabelOutcome::modelId, LabelOutcome::modelVersion, LabelOutcome::predictionTimestamp,
                            LabelOutcome::labelTimestamp, LabelOutcome::numericPrediction, LabelOutcome::segments,
                            LabelOutcome::numericNames, LabelOutcome::numericValues)
                    .containsExactly(
                            tuple("m", "1", 2_500L, 3_000L, 0.3, 0L, 0L, 0L),
                            tuple("m", "1", 1_000L, 60_000L, 0.8, a, names, values));
            // Taken again by this build: b is still in the old state, d in the new one.
            upgraded = h.snapshotWithLocalState(2, 2, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                    .getJobManagerOwnedState();
        }
        try (var h = LabelJoinSnapshotWriter.harness()) {
            h.initializeState(upgraded);
            h.open();
            h.processElement2(new StreamRecord<>(new LabelEvent("m", "b", 61_000, ValueKind.CATEGORICAL, 0, "no"), 61_000));
            h.processElement2(new StreamRecord<>(new LabelEvent("m", "d", 62_000, ValueKind.CATEGORICAL, 0, "no"), 62_000));
            // Each is joined once: a second label finds nothing and waits (no prediction within the horizon).
            h.processElement2(new StreamRecord<>(new LabelEvent("m", "b", 63_000, ValueKind.CATEGORICAL, 0, "no"), 63_000));
            assertThat(h.extractOutputValues())
                    .extracting(LabelOutcome::modelVersion, LabelOutcome::predictionTimestamp,
                            LabelOutcome::categoricalPrediction, LabelOutcome::segments, LabelOutcome::numericNames,
                            LabelOutcome::numericValues)
                    .containsExactly(
                            tuple("1", 2_000L, "yes", 0L, names, values),
                            tuple("2", 4_000L, "no", a, 0L, 0L));
        }
    }
}
