package io.modelwatch.labels;

import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.ValueKind;
import java.nio.file.Path;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

/**
 * Writes {@code label-join-0.1.0-rocksdb-savepoint} under {@code src/test/resources/snapshots},
 * which {@code LabelJoinStateMigrationTest} restores: a canonical RocksDB savepoint of the label
 * join with two predictions waiting for their labels (ids a and b of model m/1) and one label
 * waiting for its prediction (id c). Written by the code of commit 8c260da, whose
 * {@code PredictionRef} is the release's; kept so the fixture can be reproduced, not part of the suite.
 */
public final class LabelJoinSnapshotWriter {
    public static final String THRESHOLDS = "defaults:\n  performance: {labelHorizon: 2h}\n";

    public static KeyedTwoInputStreamOperatorTestHarness<String, PredictionRef, LabelEvent, LabelOutcome> harness()
            throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new LabelJoinFunction(ThresholdsParser.parse(THRESHOLDS), "labels")),
                PredictionRef::joinKey, LabelEvent::joinKey, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "operators/src/test/resources/snapshots");
        if (args.length > 1 && args[1].equals("segments")) {
            writeWithSegments(dir);
            return;
        }
        if (args.length > 1 && args[1].equals("numeric-codes")) {
            writeWithNumericCodes(dir);
            return;
        }
        try (var h = harness()) {
            h.open();
            h.processElement1(new StreamRecord<>(new PredictionRef("m", "1", "a", 1_000, ValueKind.NUMERIC, 0.8, null), 1_000));
            h.processElement1(new StreamRecord<>(new PredictionRef("m", "1", "b", 2_000, ValueKind.CATEGORICAL, 0, "yes"), 2_000));
            h.processElement2(new StreamRecord<>(new LabelEvent("m", "c", 3_000, ValueKind.NUMERIC, 1, null), 3_000));
            OperatorSubtaskState state = h.snapshotWithLocalState(1, 1,
                    SavepointType.savepoint(SavepointFormatType.CANONICAL)).getJobManagerOwnedState();
            OperatorSnapshotUtil.writeStateHandle(state, dir.resolve("label-join-0.1.0-rocksdb-savepoint").toString());
        }
    }

    /**
     * Writes {@code label-join-segments-rocksdb-savepoint}: as above, but the two waiting predictions
     * carry categorical segment codes ({@code region=north_america} for a, {@code region=europe} and
     * {@code device=mobile} for b). Written by the code of commit 593ac70, whose waiting predictions
     * carry the categorical code only (before numeric features were coded).
     */
    static void writeWithSegments(Path dir) throws Exception {
        try (var h = harness()) {
            h.open();
            long a = io.modelwatch.model.SegmentCodes.of("region", "north_america");
            long b = io.modelwatch.model.SegmentCodes.of("region", "europe")
                    | (long) io.modelwatch.model.SegmentCodes.of("device", "mobile") << 16;
            h.processElement1(new StreamRecord<>(
                    new PredictionRef("m", "1", "a", 1_000, ValueKind.NUMERIC, 0.8, null, a), 1_000));
            h.processElement1(new StreamRecord<>(
                    new PredictionRef("m", "1", "b", 2_000, ValueKind.CATEGORICAL, 0, "yes", b), 2_000));
            h.processElement2(new StreamRecord<>(new LabelEvent("m", "c", 3_000, ValueKind.NUMERIC, 1, null), 3_000));
            OperatorSubtaskState state = h.snapshotWithLocalState(1, 1,
                    SavepointType.savepoint(SavepointFormatType.CANONICAL)).getJobManagerOwnedState();
            OperatorSnapshotUtil.writeStateHandle(state, dir.resolve("label-join-segments-rocksdb-savepoint").toString());
        }
    }

    /**
     * Writes {@code label-join-numeric-codes-rocksdb-savepoint}: as above, with the predictions of
     * the build before {@code waitingPrediction} (commit 290bdc2, whose code wrote it): a waits with
     * a categorical code and a numeric code ({@code x3} at 1.5), b (categorical) with a numeric
     * code only, both in the {@code prediction} state.
     */
    static void writeWithNumericCodes(Path dir) throws Exception {
        try (var h = harness()) {
            h.open();
            long a = io.modelwatch.model.SegmentCodes.of("region", "north_america");
            long names = io.modelwatch.model.SegmentCodes.ofName("x3");
            long values = io.modelwatch.model.SegmentCodes.toBfloat16(1.5);
            h.processElement1(new StreamRecord<>(
                    new PredictionRef("m", "1", "a", 1_000, ValueKind.NUMERIC, 0.8, null, a, names, values), 1_000));
            h.processElement1(new StreamRecord<>(
                    new PredictionRef("m", "1", "b", 2_000, ValueKind.CATEGORICAL, 0, "yes", 0, names, values), 2_000));
            h.processElement2(new StreamRecord<>(new LabelEvent("m", "c", 3_000, ValueKind.NUMERIC, 1, null), 3_000));
            OperatorSubtaskState state = h.snapshotWithLocalState(1, 1,
                    SavepointType.savepoint(SavepointFormatType.CANONICAL)).getJobManagerOwnedState();
            OperatorSnapshotUtil.writeStateHandle(state,
                    dir.resolve("label-join-numeric-codes-rocksdb-savepoint").toString());
        }
    }
}
