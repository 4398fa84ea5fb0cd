package io.modelwatch.labels;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.SegmentCodes;
import io.modelwatch.model.ValueKind;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The label join restores a savepoint of the release ({@link LabelJoinSnapshotWriter}), written
 * before a waiting prediction carried its segment code: the predictions waiting then still meet
 * their labels (with no segment), and the label waiting then still meets its prediction.
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
}
