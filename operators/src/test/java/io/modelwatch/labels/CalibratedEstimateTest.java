package io.modelwatch.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.WindowVerdict;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.EstimatedPerformance;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.serde.Json;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An overconfident classifier, {@code score = sigmoid(2x)} while {@code P(y = 1 | x) = sigmoid(x)}
 * ({@code x ~ N(0, 1.5)}: realised accuracy about 0.73, the scores' own estimate about 0.84),
 * through the real verdict (its reports carry the raw estimate and the score histograms) and the
 * performance monitor on RocksDB (so every revision's estimate goes through the kept window
 * result's bytes). Labels come 90 s after their predictions; the version's first 1,000 labels
 * (window 0's) are its performance reference and calibrate the estimate from then on. A second
 * version, never labelled, keeps trusting its scores.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CalibratedEstimateTest {
    static final long MINUTE = 60_000;
    static final int WINDOWS = 6;
    static final int PER_WINDOW = 1000;
    static final ThresholdsConfig CONFIG = ThresholdsParser.parse(
            "defaults:\n  window: {size: 1m}\n  performance: {labelHorizon: 10m}\n");
    static final Thresholds T = CONFIG.forModel("m");

    static List<HealthReport> reports;
    /** Realised accuracy of each window's predictions (from all its labels). */
    static double[] realised = new double[WINDOWS];

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    static PredictionEvent event(String version, long ts, double x, int i) {
        return new PredictionEvent("m", version, "e-" + ts + "-" + i, ts, new String[] {"x"},
                new byte[] {ValueKind.NUMERIC}, new double[] {x}, new String[] {null}, ValueKind.NUMERIC,
                sigmoid(2 * x), null);
    }

    static HealthReport judged(ReferenceProfile ref, List<PredictionEvent> events, String version, int k) {
        ModelProfile w = ModelProfile.against(ref);
        events.forEach(e -> w.add(e, ref));
        DriftEvaluator.Context c = new DriftEvaluator.Context("m", version, k * MINUTE, (k + 1) * MINUTE,
                (k + 1L) * PER_WINDOW, 0, 0, "v1");
        return WindowVerdict.judge(ref, w, T, c, List.of(), null).report();
    }

    @BeforeAll
    static void run() throws Exception {
        SplittableRandom r = new SplittableRandom(21);
        ModelProfile learned = new ModelProfile();
        for (int i = 0; i < 5000; i++) {
            learned.add(event("1", -MINUTE + i, 1.5 * gaussian(r), i));
        }
        ReferenceProfile ref = ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
        List<HealthReport> labelled = new ArrayList<>();
        List<HealthReport> unlabelled = new ArrayList<>();
        List<LabelOutcome> outcomes = new ArrayList<>();
        for (int k = 0; k < WINDOWS; k++) {
            List<PredictionEvent> events = new ArrayList<>();
            long correct = 0;
            for (int i = 0; i < PER_WINDOW; i++) {
                long ts = k * MINUTE + i * 60L;
                double x = 1.5 * gaussian(r);
                PredictionEvent e = event("1", ts, x, i);
                events.add(e);
                int y = r.nextDouble() < sigmoid(x) ? 1 : 0;
                correct += (y == 1) == (e.numericPrediction() >= 0.5) ? 1 : 0;
                outcomes.add(new LabelOutcome(LabelOutcome.MATCHED, "m", "1", ts, ts + 90_000, ValueKind.NUMERIC,
                        e.numericPrediction(), null, ValueKind.NUMERIC, y, null));
            }
            realised[k] = correct / (double) PER_WINDOW;
            labelled.add(judged(ref, events, "1", k));
            unlabelled.add(judged(ref, events.stream().map(e -> event("2", e.timestamp(), e.numericValues()[0], 0))
                    .toList(), "2", k));
        }
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new PerformanceMonitorFunction(CONFIG)),
                (HealthReport x) -> ModelKey.of(x.modelId(), x.modelVersion()), LabelOutcome::modelKey, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        try (h) {
            h.open();
            for (int k = 0; k < 20; k++) {
                long watermark = (k + 1) * MINUTE - 1;
                for (LabelOutcome o : outcomes) {
                    if (o.labelTimestamp() > watermark - MINUTE && o.labelTimestamp() <= watermark) {
                        h.processElement2(new StreamRecord<>(o, o.labelTimestamp()));
                    }
                }
                if (k < WINDOWS) {
                    h.processElement1(new StreamRecord<>(labelled.get(k), watermark));
                    h.processElement1(new StreamRecord<>(unlabelled.get(k), watermark));
                }
                h.processBothWatermarks(new Watermark(watermark));
            }
            reports = h.extractOutputValues();
        }
    }

    static List<HealthReport> ofWindow(String version, int k) {
        String start = Instant.ofEpochMilli(k * MINUTE).toString();
        return reports.stream().filter(x -> x.modelVersion().equals(version) && x.windowStart().equals(start))
                .toList();
    }

    static boolean covers(HealthReport.EstimatedMetric m, double value) {
        return value >= m.lower() && value <= m.upper();
    }

    @Test
    void beforeItsLabelsTheOverconfidentModelIsTrustedAndItsEstimateIsFarFromWhatTheLabelsShow() {
        HealthReport first = ofWindow("1", 0).get(0);
        EstimatedPerformance e = first.estimatedPerformance();
        assertThat(first.revision()).isZero();
        assertThat(e.calibration()).isEqualTo(EstimatedPerformance.UNCALIBRATED);
        assertThat(e.calibrationLabels()).isNull();
        assertThat(e.accuracy().value() - realised[0]).as("raw estimate above the realised accuracy")
                .isGreaterThan(0.07);
        assertThat(covers(e.accuracy(), realised[0])).isFalse();
        assertThat(e.referenceAccuracy()).isCloseTo(0.84, within(0.02));
    }

    @Test
    void afterItsFirstLabelsTheCalibratedEstimateCoversTheRealisedAccuracy() {
        for (int k = 2; k < WINDOWS; k++) {
            // Revision 0 of windows 2 on is sent after the reference's 1,000 labels (window 0's).
            HealthReport first = ofWindow("1", k).get(0);
            EstimatedPerformance e = first.estimatedPerformance();
            assertThat(first.revision()).isZero();
            assertThat(e.calibration()).as("window %d", k).isEqualTo(EstimatedPerformance.HISTOGRAM_BINNING);
            assertThat(e.calibrationLabels()).isEqualTo(T.referenceLabels());
            assertThat(e.accuracy().value()).as("window %d", k).isCloseTo(realised[k], within(0.04));
            assertThat(covers(e.accuracy(), realised[k])).as("window %d: %s covers %s", k, e.accuracy(), realised[k])
                    .isTrue();
            // The reference is estimated through the same map: its expected accuracy, E sigmoid(|x|), is 0.73.
            assertThat(e.referenceAccuracy()).isCloseTo(0.73, within(0.02));
            assertThat(e.decayed()).isFalse();
            // The last revision carries the same calibrated estimate beside the realised accuracy.
            List<HealthReport> all = ofWindow("1", k);
            HealthReport last = all.get(all.size() - 1);
            assertThat(last.revision()).isPositive();
            assertThat(last.performance().labeled()).isEqualTo(PER_WINDOW);
            assertThat(last.performance().accuracy()).isCloseTo(realised[k], within(1e-9));
            assertThat(last.estimatedPerformance()).isEqualTo(e);
        }
    }

    @Test
    void revisionsOfAWindowSentBeforeTheLabelsCarryTheCalibratedEstimate() {
        List<HealthReport> window0 = ofWindow("1", 0);
        HealthReport last = window0.get(window0.size() - 1);
        assertThat(window0.get(0).estimatedPerformance().calibration()).isEqualTo(EstimatedPerformance.UNCALIBRATED);
        assertThat(last.estimatedPerformance().calibration()).isEqualTo(EstimatedPerformance.HISTOGRAM_BINNING);
        assertThat(last.estimatedPerformance().accuracy().value()).isCloseTo(realised[0], within(0.04));
    }

    @Test
    void theHistogramsCostAKeptWindowResultLessThan120Bytes() {
        for (int k = 0; k < WINDOWS; k++) {
            HealthReport r = ofWindow("1", k).get(0);
            EstimatedPerformance e = r.estimatedPerformance();
            EstimatedPerformance without = new EstimatedPerformance(e.threshold(), e.calibration(), e.events(),
                    e.accuracy(), e.precision(), e.recall(), e.f1(), e.auc(), e.referenceAccuracy(), e.decayed(),
                    e.realised());
            int with = WindowResult.of(r.withPerformance(null, 0)).toBytes().length;
            int bare = WindowResult.of(r.withPerformance(null, 0).withEstimatedPerformance(without)).toBytes().length;
            System.out.printf("window %d: window result %d bytes, %d without the histograms%n", k, with, bare);
            assertThat(with - bare).as("window %d", k).isLessThan(120);
        }
    }

    @Test
    void theStationaryMiscalibratedModelIsNeverDecayed() {
        assertThat(reports).isNotEmpty().allSatisfy(x -> assertThat(x.estimatedPerformance().decayed()).isFalse());
    }

    @Test
    void aVersionWithoutLabelsTrustsItsScoresInEveryReport() {
        List<HealthReport> unlabelled = reports.stream().filter(x -> x.modelVersion().equals("2")).toList();
        assertThat(unlabelled).hasSize(WINDOWS).allSatisfy(x -> {
            assertThat(x.estimatedPerformance().calibration()).isEqualTo(EstimatedPerformance.UNCALIBRATED);
            assertThat(x.estimatedPerformance().calibrationLabels()).isNull();
        });
    }

    @Test
    void theTopicShowsTheCalibrationAndItsLabelsButNotTheScoreHistograms() {
        String json = new String(Json.toBytes(ofWindow("1", 3).get(0)), StandardCharsets.UTF_8);
        assertThat(json).contains("\"calibration\":\"histogram-binning\"").contains("\"calibrationLabels\":1000")
                .doesNotContain("Scores");
        HealthReport read = Json.read(json, HealthReport.class);
        assertThat(read.estimatedPerformance().calibrationLabels()).isEqualTo(1000L);
        assertThat(read.estimatedPerformance().windowScores()).isNull();
    }
}
