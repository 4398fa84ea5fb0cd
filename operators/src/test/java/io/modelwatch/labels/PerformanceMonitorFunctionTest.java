package io.modelwatch.labels;

import io.modelwatch.model.SideOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.model.ValueKind;
import io.modelwatch.serde.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.junit.jupiter.api.Test;

/**
 * The performance monitor's outputs are a function of event time: the same reports and labels
 * give the same reports, revisions and signals whether the labels were read far ahead of the
 * watermark (a replay) or just before it reaches them.
 */
class PerformanceMonitorFunctionTest {
    static final long MINUTE = 60_000;
    static final int WINDOWS = 8;
    static final int PER_WINDOW = 30;
    static final int FIRST_DECAYED = 3;
    static final String THRESHOLDS = "defaults:\n  window: {size: 1m}\n"
            + "  performance: {labelHorizon: 10m, minLabels: 20, referenceLabels: 40}\n";

    static KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> harness(
            boolean rocksDb) throws Exception {
        return harness(rocksDb, false);
    }

    static KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> harness(
            boolean rocksDb, boolean labelledModelsOnly) throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new PerformanceMonitorFunction(ThresholdsParser.parse(THRESHOLDS),
                        labelledModelsOnly)),
                (HealthReport r) -> ModelKey.of(r.modelId(), r.modelVersion()), LabelOutcome::modelKey, Types.STRING);
        if (rocksDb) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
        }
        h.open();
        return h;
    }

    /** The report of window {@code k} (minute k), as the model monitor sends it at the window's end. */
    static StreamRecord<HealthReport> report(int k) {
        return new StreamRecord<>(new HealthReport("m", "1", Instant.ofEpochMilli(k * MINUTE).toString(),
                Instant.ofEpochMilli((k + 1) * MINUTE).toString(), HealthReport.OK, PER_WINDOW, PER_WINDOW,
                1000, new HealthReport.FeatureHealth[0], null, null, null, "v1", 0, null), (k + 1) * MINUTE - 1);
    }

    static LabelOutcome outcome(long predictionTs, long labelTs, double score, int label) {
        return new LabelOutcome(LabelOutcome.MATCHED, "m", "1", predictionTs, labelTs, ValueKind.NUMERIC, score, null,
                ValueKind.NUMERIC, label, null);
    }

    /**
     * Window k's predictions, every one labelled 30 to 146 s later (so a window's labels fall in
     * three label-time windows). Until window 3 "score >= 0.5" is always right; from then on every
     * other prediction is wrong.
     */
    static List<LabelOutcome> outcomes() {
        List<LabelOutcome> all = new ArrayList<>();
        for (int k = 0; k < WINDOWS; k++) {
            for (int i = 0; i < PER_WINDOW; i++) {
                long predicted = k * MINUTE + i * 2_000L;
                boolean positive = i % 2 == 0;
                int label = k >= FIRST_DECAYED && positive ? 0 : positive ? 1 : 0;
                all.add(outcome(predicted, predicted + 30_000 + i * 2_000L, positive ? 0.9 : 0.1, label));
            }
        }
        return all;
    }

    static long watermarkAfter(int k) {
        return (k + 1) * MINUTE - 1;
    }

    /** Every output record (reports and decay signals) with its timestamp, in emission order. */
    static List<String> outputs(KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h) {
        List<String> out = new ArrayList<>();
        for (StreamRecord<? extends HealthReport> r : h.extractOutputStreamRecords()) {
            out.add(r.getTimestamp() + " " + new String(Json.toBytes(r.getValue()), StandardCharsets.UTF_8));
        }
        var signals = h.getSideOutput(SideOutputs.SIGNALS);
        if (signals != null) {
            for (StreamRecord<DriftSignal> s : signals) {
                out.add("signal " + s.getTimestamp() + " " + new String(Json.toBytes(s.getValue()), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    static List<HealthReport> reports(KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h) {
        return h.extractOutputValues();
    }

    /** Reports and watermarks minute by minute, to 20 minutes (past the horizon of the last window). */
    static void replay(KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h,
            List<LabelOutcome> labels, boolean justInTime) throws Exception {
        for (int k = 0; k < 20; k++) {
            long watermark = watermarkAfter(k);
            if (justInTime) {
                for (LabelOutcome o : labels) {
                    if (o.labelTimestamp() > watermark - MINUTE && o.labelTimestamp() <= watermark) {
                        h.processElement2(new StreamRecord<>(o, o.labelTimestamp()));
                    }
                }
            }
            if (k < WINDOWS) {
                h.processElement1(report(k));
            }
            h.processBothWatermarks(new Watermark(watermark));
        }
    }

    @Test
    void labelsReadAheadOfTheWatermarkGiveTheSameReportsRevisionsAndSignalsAsLabelsJustInTime() throws Exception {
        List<String> justInTime;
        List<HealthReport> reports;
        try (var h = harness(true)) {
            replay(h, outcomes(), true);
            justInTime = outputs(h);
            reports = reports(h);
        }
        List<String> readAhead;
        try (var h = harness(true)) {
            // A replay reading the labels topic first, in no particular order.
            List<LabelOutcome> shuffled = new ArrayList<>(outcomes());
            Collections.shuffle(shuffled, new Random(7));
            for (LabelOutcome o : shuffled) {
                h.processElement2(new StreamRecord<>(o, o.labelTimestamp()));
            }
            replay(h, shuffled, false);
            readAhead = outputs(h);
        }
        assertThat(readAhead).isEqualTo(justInTime);

        // And what they are: revision 0 of window 0 has the 8 labels known before 00:01 (label
        // time 00:30 + 4 s x i), not all 30; the decay is signalled, not before its labels exist.
        HealthReport first = reports.get(0);
        assertThat(first.windowStart()).isEqualTo("1970-01-01T00:00:00Z");
        assertThat(first.revision()).isZero();
        assertThat(first.performance().labeled()).isEqualTo(8);
        assertThat(reports).filteredOn(r -> r.windowStart().equals("1970-01-01T00:00:00Z"))
                .extracting(r -> r.performance().labeled()).containsExactly(8L, 23L, 30L);
        assertThat(justInTime).filteredOn(s -> s.startsWith("signal ")).isNotEmpty()
                .allMatch(s -> s.contains(RetrainTrigger.PERFORMANCE_DECAY));
        assertThat(justInTime).filteredOn(s -> s.startsWith("signal ")).first().asString()
                // Window 3 [00:03, 00:04) reaches 20 labels at label time 00:04:46, in the
                // label-time window ending 00:05.
                .startsWith("signal " + (5 * MINUTE - 1) + " ")
                .contains("\"windowStart\":" + 3 * MINUTE);
    }

    @Test
    void aBusyMinuteOfLabelsAheadOfTheWatermarkIsKeptInChunksAndCountedWhole() throws Exception {
        int labels = 5 * PerformanceMonitorFunction.OUTCOMES_PER_CHUNK + 3;
        try (var h = harness(true)) {
            for (int i = 0; i < labels; i++) {
                long predicted = i * 50L;
                h.processElement2(new StreamRecord<>(outcome(predicted, 30_000 + i * 50L, 0.9, 1), 30_000 + i * 50L));
            }
            // They wait in six chunks; revision 0 of the first report counts every one of them.
            h.processElement1(report(0));
            h.processBothWatermarks(new Watermark(watermarkAfter(0)));
            assertThat(reports(h)).extracting(r -> r.revision() + ":" + r.performance().labeled())
                    .containsExactly("0:" + labels);
        }
    }

    @Test
    void aLabelAheadOfTheWatermarkIsNotCountedBeforeItsTimeAndALateOneAtTheNextWindowEnd() throws Exception {
        try (var h = harness(false)) {
            h.processElement2(new StreamRecord<>(outcome(1_000, 30_000, 0.9, 1), 30_000));
            h.processElement2(new StreamRecord<>(outcome(2_000, 150_000, 0.9, 1), 150_000));
            h.processElement1(report(0));
            h.processBothWatermarks(new Watermark(watermarkAfter(0)));
            assertThat(reports(h)).extracting(r -> r.revision() + ":" + r.performance().labeled())
                    .containsExactly("0:1");

            h.processBothWatermarks(new Watermark(watermarkAfter(1)));
            assertThat(reports(h)).hasSize(1);

            // Late: its label time (01:10) is behind the watermark (01:59.999); it counts at once,
            // and goes out with the label ahead at the end of the next label-time window.
            h.processElement2(new StreamRecord<>(outcome(3_000, 70_000, 0.9, 1), 70_000));
            assertThat(reports(h)).hasSize(1);
            h.processBothWatermarks(new Watermark(watermarkAfter(2)));
            assertThat(reports(h)).extracting(r -> r.revision() + ":" + r.performance().labeled())
                    .containsExactly("0:1", "1:3");
        }
    }

    @Test
    void nothingIsKeptPastTheHorizonAndALabelBeyondItIsNotKeptAtAll() throws Exception {
        try (var h = harness(false)) {
            h.processElement1(report(0));
            h.processElement2(new StreamRecord<>(outcome(1_000, 30_000, 0.9, 1), 30_000));
            // Labelled an hour after its prediction: the 10 minute horizon will have passed.
            h.processElement2(new StreamRecord<>(outcome(2_000, 3_600_000, 0.9, 1), 3_600_000));
            h.processBothWatermarks(new Watermark(watermarkAfter(0)));
            h.processBothWatermarks(new Watermark(watermarkAfter(11)));
            assertThat(reports(h)).extracting(r -> r.revision() + ":" + r.performance().labeled())
                    .containsExactly("0:1");
            // Only the version's performance reference is left; it lives as long as the version.
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aReportKeptForItsRevisionsIsRevisedAfterARestoreWithItsBodyIntact() throws Exception {
        OperatorSubtaskState snapshot;
        HealthReport first;
        try (var h = harness(true)) {
            h.processElement1(report(0));
            h.processElement2(new StreamRecord<>(outcome(1_000, 30_000, 0.9, 1), 30_000));
            h.processBothWatermarks(new Watermark(watermarkAfter(0)));
            first = reports(h).get(0);
            snapshot = h.snapshot(1, 1);
        }
        var restored = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new PerformanceMonitorFunction(ThresholdsParser.parse(THRESHOLDS))),
                (HealthReport r) -> ModelKey.of(r.modelId(), r.modelVersion()), LabelOutcome::modelKey, Types.STRING);
        restored.setStateBackend(new EmbeddedRocksDBStateBackend());
        restored.initializeState(snapshot);
        restored.open();
        try (restored) {
            // A late label of window 0 after the restore: revision 1 re-emits the stored report.
            restored.processElement2(new StreamRecord<>(outcome(3_000, 70_000, 0.9, 1), 70_000));
            restored.processBothWatermarks(new Watermark(watermarkAfter(1)));
            HealthReport revised = reports(restored).get(0);
            assertThat(revised.revision()).isEqualTo(1);
            assertThat(revised.performance().labeled()).isEqualTo(2);
            assertThat(new String(Json.toBytes(revised.withPerformance(first.performance(), 0)), StandardCharsets.UTF_8))
                    .isEqualTo(new String(Json.toBytes(first), StandardCharsets.UTF_8));
        }
    }

    /** Report {@code k} of a warm-up span from minute 0: the span's windows 0 to k, 10 events each. */
    static StreamRecord<HealthReport> warmUpSpanReport(int k) {
        return new StreamRecord<>(new HealthReport("m", "1", Instant.ofEpochMilli(0).toString(),
                Instant.ofEpochMilli((k + 1) * MINUTE).toString(), HealthReport.WARMING_UP, 10L * (k + 1),
                10L * (k + 1), 0, new HealthReport.FeatureHealth[0], null, null, null, "v1", 0, null),
                (k + 1) * MINUTE - 1);
    }

    @Test
    void aSpanOfWindowsKeepsOneReportAndALabelOfItsFirstWindowRevisesTheWholeSpan() throws Exception {
        try (var h = harness(true)) {
            for (int k = 0; k < 3; k++) {
                h.processElement1(warmUpSpanReport(k));
                h.processBothWatermarks(new Watermark(watermarkAfter(k)));
            }
            KeyedStateBackend<Object> backend = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
            backend.setCurrentKey(ModelKey.of("m", "1"));
            MapState<Long, byte[]> spans = backend.getPartitionedState(VoidNamespace.INSTANCE,
                    VoidNamespaceSerializer.INSTANCE,
                    new MapStateDescriptor<>("spans", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
            assertThat(spans.keys()).containsExactly(0L);

            // A prediction of the span's first window, labelled in the fourth minute.
            h.processElement2(new StreamRecord<>(outcome(1_000, 3 * MINUTE + 30_000, 0.9, 1), 3 * MINUTE + 30_000));
            h.processBothWatermarks(new Watermark(watermarkAfter(3)));
            HealthReport revised = reports(h).get(reports(h).size() - 1);
            assertThat(revised.revision()).isEqualTo(1);
            assertThat(revised.status()).isEqualTo(HealthReport.WARMING_UP);
            assertThat(revised.windowStart()).isEqualTo(Instant.ofEpochMilli(0).toString());
            assertThat(revised.windowEnd()).isEqualTo(Instant.ofEpochMilli(3 * MINUTE).toString());
            assertThat(revised.events()).isEqualTo(30);
            assertThat(revised.performance().labeled()).isEqualTo(1);
        }
    }

    /** The stored bytes of the span of the window starting at {@code start}. */
    static int spanBytes(KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h,
            long start) throws Exception {
        KeyedStateBackend<Object> backend = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        backend.setCurrentKey(ModelKey.of("m", "1"));
        MapState<Long, byte[]> spans = backend.getPartitionedState(VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>("spans", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        return spans.get(start).length;
    }

    /** Windows 0 and 1; a label of each window's prediction arrives a window after it closed. */
    static List<String> revisionsWithLateFirstLabel(boolean labelledModelsOnly, List<Integer> spanBytesOfWindow0)
            throws Exception {
        try (var h = harness(false, labelledModelsOnly)) {
            h.processElement1(report(0));
            h.processBothWatermarks(new Watermark(watermarkAfter(0)));
            spanBytesOfWindow0.add(spanBytes(h, 0));
            h.processElement2(new StreamRecord<>(outcome(1_000, 70_000, 0.9, 1), 70_000));
            h.processElement1(report(1));
            h.processBothWatermarks(new Watermark(watermarkAfter(1)));
            h.processElement2(new StreamRecord<>(outcome(MINUTE + 1_000, 130_000, 0.9, 1), 130_000));
            h.processBothWatermarks(new Watermark(watermarkAfter(2)));
            return reports(h).stream()
                    .map(r -> r.windowStart().substring(14, 16) + ":" + r.revision() + ":"
                            + (r.performance() == null ? 0 : r.performance().labeled()))
                    .toList();
        }
    }

    @Test
    void inLabelledModelsModeAVersionKeepsNoReportsUntilItsFirstLabel() throws Exception {
        List<Integer> keptAll = new ArrayList<>();
        List<Integer> keptLabelled = new ArrayList<>();
        // By default window 0's report is kept for its revision when its label comes.
        assertThat(revisionsWithLateFirstLabel(false, keptAll))
                .containsExactlyInAnyOrder("00:0:0", "01:0:0", "00:1:1", "01:1:1");
        // Labelled-models mode: window 0 closed before the version's first label, so only a
        // summary of it was kept and it gets no revision; window 1 closed after it and does.
        assertThat(revisionsWithLateFirstLabel(true, keptLabelled))
                .containsExactlyInAnyOrder("00:0:0", "01:0:0", "01:1:1");
        assertThat(keptLabelled.get(0)).isLessThan(32).isLessThan(keptAll.get(0));
    }

    @Test
    void theHeapCachesHoldTheVersionsOfAnInstanceThatReportAtOnce() {
        // bin/modelwatch's -Xmx3g at 2 slots: a sixteenth of 1.5 GB at 16 KB a version.
        assertThat(PerformanceMonitorFunction.cachedVersions(3L << 30, 2)).isEqualTo(6144);
        // More slots share the heap; a small heap keeps the floor.
        assertThat(PerformanceMonitorFunction.cachedVersions(3L << 30, 4)).isEqualTo(3072);
        assertThat(PerformanceMonitorFunction.cachedVersions(256L << 20, 2))
                .isEqualTo(PerformanceMonitorFunction.MIN_CACHED_VERSIONS);
    }
}
