package io.modelwatch.labels;

import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.SideOutputs;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.ValueKind;
import io.modelwatch.serde.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;

/**
 * Writes the performance monitor snapshots under {@code src/test/resources/snapshots} that
 * {@code PerformanceStateMigrationTest} reads: canonical RocksDB savepoints of the operator whose
 * {@code spans} hold span formats 2 (report as deflated JSON) and 3 (summary only), and the
 * outputs that build gave after restoring them ({@code performance-spans-revisions.txt}). Written
 * by the code of commit 3144c42 (the release's span formats; run on a checkout of it, since the
 * current code writes format 4); kept so the fixtures can be reproduced, not part of the suite.
 *
 * <ul>
 *   <li>{@code performance-spans-rocksdb-savepoint} (default mode), key m/1: 40 reference labels
 *       and revision 0 of windows 0 and 1 sent, window 2's report waiting for revision 0, one
 *       label ahead of the watermark (label time 00:03:20), watermark 00:01:59.999.
 *   <li>{@code performance-summaries-rocksdb-savepoint} ({@code labelled-models} mode): key m/1
 *       as above but without labels before window 1 closed (window 0 kept as a summary), key
 *       n/1 never labelled (windows 0 and 1 summaries).
 * </ul>
 */
public final class PerformanceSnapshotWriter {
    static final long MINUTE = 60_000;
    static final String THRESHOLDS = "defaults:\n  window: {size: 1m}\n"
            + "  performance: {labelHorizon: 10m, minLabels: 20, referenceLabels: 40}\n";

    public static KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> harness(
            boolean labelledModelsOnly) throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new PerformanceMonitorFunction(ThresholdsParser.parse(THRESHOLDS),
                        labelledModelsOnly)),
                (HealthReport r) -> ModelKey.of(r.modelId(), r.modelVersion()), LabelOutcome::modelKey, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    /** A report of window {@code k} with every part a report can have, as the monitor sends it. */
    public static HealthReport report(String model, int k) {
        HealthReport.FeatureHealth x = new HealthReport.FeatureHealth("x", "NUMERIC", 30, 1, 0, 0.5 + k, 0.25, -1.0,
                2.0, new HealthReport.Quantiles(0.1, 0.2, 0.5, 0.7, 0.9), null,
                new HealthReport.DriftStatistic[] {new HealthReport.DriftStatistic("ks", 0.12 * k, 0.08, k > 1),
                    new HealthReport.DriftStatistic("wasserstein", 0.3, null, false)});
        HealthReport.FeatureHealth c = new HealthReport.FeatureHealth("country", "CATEGORICAL", 29, 0, 2, null, null,
                null, null, null,
                new HealthReport.CategoryCount[] {new HealthReport.CategoryCount("DE", 20),
                    new HealthReport.CategoryCount("für \"Ω\"", 9)},
                new HealthReport.DriftStatistic[0]);
        HealthReport.FeatureHealth prediction = new HealthReport.FeatureHealth("prediction", "NUMERIC", 30, 0, 0,
                0.4, 0.1, 0.0, 1.0, new HealthReport.Quantiles(0.05, 0.25, 0.45, 0.6, 0.95), null, null);
        HealthReport.QualityCounts quality = new HealthReport.QualityCounts(k, 0, 2, 0, 1, 0, 3, k == 0 ? null : 31.5,
                new HealthReport.QualityFinding[] {new HealthReport.QualityFinding("quality:volume", "poisson",
                        30, 31.5, 0.01)});
        HealthReport.Control control = k == 1 ? null
                : new HealthReport.Control("cmd-1", null, new String[] {"drift.effect.numeric"}, null, "cmd-0",
                        "relearn from the next 500 events", "1970-01-01T00:00:00Z");
        HealthReport.Upgrade upgrade = k == 0 ? new HealthReport.Upgrade("v0", new String[] {"window.size"}) : null;
        return new HealthReport(model, "1", Instant.ofEpochMilli(k * MINUTE).toString(),
                Instant.ofEpochMilli((k + 1) * MINUTE).toString(), k > 1 ? HealthReport.DRIFTING : HealthReport.OK,
                30, 30L * (k + 1), 1000, new HealthReport.FeatureHealth[] {x, c}, prediction, quality,
                new HealthReport.EscalationState(k > 1 ? 1 : 0, 3, "PT10M"), "v1", 0, null, control, upgrade);
    }

    static LabelOutcome outcome(String model, long predictionTs, long labelTs, double score, int label) {
        return new LabelOutcome(LabelOutcome.MATCHED, model, "1", predictionTs, labelTs, ValueKind.NUMERIC, score,
                null, ValueKind.NUMERIC, label, null);
    }

    static void label(KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h,
            LabelOutcome o) throws Exception {
        h.processElement2(new StreamRecord<>(o, o.labelTimestamp()));
    }

    static void report(KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h,
            String model, int k) throws Exception {
        h.processElement1(new StreamRecord<>(report(model, k), (k + 1) * MINUTE - 1));
    }

    /** Up to the snapshot. */
    static void before(KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h,
            boolean labelledModelsOnly) throws Exception {
        if (!labelledModelsOnly) {
            // The reference: 40 right labels of window 0, labelled within it.
            for (int i = 0; i < 40; i++) {
                label(h, outcome("m", i * 1_000L, i * 1_000L + 500, i % 2 == 0 ? 0.9 : 0.1, i % 2 == 0 ? 1 : 0));
            }
        }
        report(h, "m", 0);
        report(h, "n", 0);
        h.processBothWatermarks(new Watermark(MINUTE - 1));
        report(h, "m", 1);
        report(h, "n", 1);
        h.processBothWatermarks(new Watermark(2 * MINUTE - 1));
        report(h, "m", 2);
        label(h, outcome("m", 61_000, 200_000, 0.9, 1));
    }

    /** After the restore: late labels (window 1's half wrong, a decay), then past the horizon. */
    public static void after(KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h)
            throws Exception {
        label(h, outcome("m", 2_000, 100_000, 0.9, 1));
        label(h, outcome("n", 3_000, 100_000, 0.9, 1));
        // Right labels of window 0: the reference of a model that had none (labelled-models mode).
        for (int i = 0; i < 40; i++) {
            label(h, outcome("m", 10_000 + i * 100L, 105_000 + i, i % 2 == 0 ? 0.9 : 0.1, i % 2 == 0 ? 1 : 0));
        }
        for (int i = 0; i < 24; i++) {
            label(h, outcome("m", MINUTE + i * 2_000L, 110_000 + i, 0.9, i % 2));
        }
        for (int k = 2; k < 16; k++) {
            h.processBothWatermarks(new Watermark((k + 1) * MINUTE - 1));
        }
    }

    /** Every output record (reports and decay signals) with its timestamp, in emission order. */
    public static List<String> outputs(
            KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h) {
        List<String> out = new ArrayList<>();
        for (StreamRecord<? extends HealthReport> r : h.extractOutputStreamRecords()) {
            out.add(r.getTimestamp() + " " + new String(Json.toBytes(r.getValue()), StandardCharsets.UTF_8));
        }
        var signals = h.getSideOutput(SideOutputs.SIGNALS);
        if (signals != null) {
            for (StreamRecord<DriftSignal> s : signals) {
                out.add("signal " + s.getTimestamp() + " "
                        + new String(Json.toBytes(s.getValue()), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "operators/src/test/resources/snapshots");
        List<String> lines = new ArrayList<>();
        for (boolean labelledModelsOnly : new boolean[] {false, true}) {
            String name = labelledModelsOnly ? "performance-summaries-rocksdb-savepoint"
                    : "performance-spans-rocksdb-savepoint";
            OperatorSubtaskState state;
            try (var h = harness(labelledModelsOnly)) {
                h.open();
                before(h, labelledModelsOnly);
                state = h.snapshotWithLocalState(1, 1, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                        .getJobManagerOwnedState();
                OperatorSnapshotUtil.writeStateHandle(state, dir.resolve(name).toString());
            }
            try (var h = harness(labelledModelsOnly)) {
                h.initializeState(OperatorSnapshotUtil.readStateHandle(dir.resolve(name).toString()));
                h.open();
                after(h);
                lines.add("# " + name);
                lines.addAll(outputs(h));
            }
        }
        Files.write(dir.resolve("performance-spans-revisions.txt"), lines);
    }
}
