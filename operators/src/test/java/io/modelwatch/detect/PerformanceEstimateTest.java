package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport.EstimatedPerformance;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.model.ScoreHistogram;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The case through the verdict: a classifier {@code score = sigmoid(x)} whose input
 * {@code x ~ N(0, sd)} shifts toward its uncertain region (sd 3.4: accuracy 0.85; sd 1.2: 0.70,
 * the scores being calibrated by construction, P(y = 1 | x) = score).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PerformanceEstimateTest {
    static final Thresholds T = Thresholds.defaults();
    /** The signal is per model, off by default: these models turn it on. */
    static final Thresholds SIGNALLING = io.modelwatch.config.ThresholdsParser.parse(
            "defaults: {performance: {estimatedDecay: true}}").defaults();
    static final DriftEvaluator.Context CTX = new DriftEvaluator.Context("m", "1", 0, 60_000, 6000, 0, 0, "v1");

    static List<PredictionEvent> events(long seed, int n, double sd) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PredictionEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double x = sd * gaussian(r);
            double score = 1 / (1 + Math.exp(-x));
            out.add(new PredictionEvent("m", "1", "m-" + i, i * 60L, new String[] {"x"},
                    new byte[] {ValueKind.NUMERIC}, new double[] {x}, new String[] {null}, ValueKind.NUMERIC, score,
                    null));
        }
        return out;
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    static ReferenceProfile reference() {
        ModelProfile learned = new ModelProfile();
        events(1, 5000, 3.4).forEach(learned::add);
        return ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
    }

    static ModelProfile window(ReferenceProfile ref, List<PredictionEvent> events) {
        ModelProfile w = ModelProfile.against(ref);
        events.forEach(e -> w.add(e, ref));
        return w;
    }

    @Test
    void inputsShiftingTowardTheUncertainRegionDecayTheEstimatedAccuracyAndSendASignal() {
        ReferenceProfile ref = reference();
        List<PredictionEvent> shifted = events(2, 1000, 1.2);
        WindowVerdict v = WindowVerdict.judge(ref, window(ref, shifted), SIGNALLING, CTX, List.of(), null);
        EstimatedPerformance e = v.report().estimatedPerformance();
        assertThat(e.calibration()).isEqualTo(EstimatedPerformance.UNCALIBRATED);
        assertThat(e.threshold()).isEqualTo(0.5);
        assertThat(e.events()).isEqualTo(1000);
        assertThat(e.referenceAccuracy()).isCloseTo(0.85, within(0.02));
        assertThat(e.accuracy().value()).isCloseTo(0.70, within(0.02));
        assertThat(e.decayed()).isTrue();
        assertThat(e.realised()).isNull();
        // The labels the model will get (Bernoulli(score)): their accuracy is inside the interval.
        SplittableRandom labels = new SplittableRandom(3);
        long correct = shifted.stream()
                .filter(p -> (labels.nextDouble() < p.numericPrediction()) == (p.numericPrediction() >= 0.5)).count();
        assertThat(correct / 1000.0).isBetween(e.accuracy().lower(), e.accuracy().upper());
        List<DriftSignal> estimated = v.signals().stream()
                .filter(s -> s.reason().equals(RetrainTrigger.ESTIMATED_PERFORMANCE_DECAY)).toList();
        assertThat(estimated).hasSize(1);
        DriftSignal s = estimated.get(0);
        assertThat(s.evidence()[0].signal()).isEqualTo("performance:estimated");
        assertThat(s.evidence()[0].statistic()).isEqualTo("estimated_accuracy_drop");
        assertThat(s.evidence()[0].value()).isCloseTo(0.15, within(0.03));
        assertThat(s.evidence()[0].threshold()).isEqualTo(T.accuracyDrop());
        // 15 points against a 5-point floor with p far below 1e-9: counts as the whole escalation.
        assertThat(s.windowsCounted()).isEqualTo(T.escalationWindows());
        assertThat(s.critical()).isTrue();
    }

    @Test
    void byDefaultTheDecayIsReportedButSendsNoSignal() {
        ReferenceProfile ref = reference();
        WindowVerdict v = WindowVerdict.judge(ref, window(ref, events(2, 1000, 1.2)), T, CTX, List.of(), null);
        assertThat(v.report().estimatedPerformance().decayed()).isTrue();
        assertThat(v.signals()).noneMatch(s -> s.reason().equals(RetrainTrigger.ESTIMATED_PERFORMANCE_DECAY));
    }

    @Test
    void aStableModelStaysQuietOverManyWindows() {
        ReferenceProfile ref = reference();
        for (long seed = 10; seed < 60; seed++) {
            WindowVerdict v = WindowVerdict.judge(ref, window(ref, events(seed, 1000, 3.4)), SIGNALLING, CTX, List.of(),
                    null);
            EstimatedPerformance e = v.report().estimatedPerformance();
            assertThat(e.decayed()).as("window %d", seed).isFalse();
            assertThat(e.accuracy().value()).isCloseTo(e.referenceAccuracy(), within(0.02));
            assertThat(v.signals()).noneMatch(s -> s.reason().equals(RetrainTrigger.ESTIMATED_PERFORMANCE_DECAY));
        }
    }

    @Test
    void aLargeWindowReadFromACompactedSketchStaysWithinTheFloorOfTheReference() {
        ReferenceProfile ref = reference();
        PerformanceEstimate.Result r = PerformanceEstimate.estimate(ref.prediction(),
                window(ref, events(99, 200_000, 3.4)).prediction(), T);
        assertThat(r.estimate().events()).isEqualTo(200_000);
        assertThat(Math.abs(r.drop())).isLessThan(0.02);
        assertThat(r.estimate().decayed()).isFalse();
    }

    @Test
    void theEstimateCarriesTheScoresPerCalibrationBinSplitAtTheThreshold() {
        Thresholds strict = io.modelwatch.config.ThresholdsParser.parse(
                "defaults: {performance: {threshold: 0.73}}").defaults();
        ReferenceProfile ref = reference();
        List<PredictionEvent> events = events(6, 1000, 3.4);
        EstimatedPerformance e = PerformanceEstimate.estimate(ref.prediction(), window(ref, events).prediction(),
                strict).estimate();
        ScoreHistogram w = e.windowScores();
        assertThat(w.total()).isEqualTo(1000);
        // From the window's KLL sketch (k = 200, compacted at 1,000 scores): a cell is the difference
        // of two ranks, each within the sketch's rank error (about 0.013 of the window).
        for (int c = 0; c < ScoreHistogram.CELLS; c++) {
            int cell = c;
            long n = events.stream().map(PredictionEvent::numericPrediction)
                    .filter(s -> 2 * ScoreHistogram.bin(s) + (s >= 0.73 ? 1 : 0) == cell).count();
            assertThat(w.counts()[c]).as("cell %d", c).isCloseTo(n, within(30L));
        }
        // Bin 7 holds [0.7, 0.8): split at 0.73, both sides occupied.
        assertThat(w.counts()[14]).isPositive();
        assertThat(w.counts()[15]).isPositive();
        assertThat(w.means()[14]).isBetween(0.7, 0.73);
        // The reference's grid counts its 5,000 events.
        assertThat(e.referenceScores().total()).isCloseTo(5000, within(20L));
    }

    @Test
    void theThresholdComesFromTheThresholdsFile() {
        Thresholds strict = io.modelwatch.config.ThresholdsParser.parse(
                "defaults: {performance: {threshold: 0.8}}").defaults();
        ReferenceProfile ref = reference();
        PerformanceEstimate.Result r = PerformanceEstimate.estimate(ref.prediction(),
                window(ref, events(4, 1000, 3.4)).prediction(), strict);
        assertThat(r.estimate().threshold()).isEqualTo(0.8);
        // Scores between 0.5 and 0.8 now count as negatives, most of them wrongly: lower accuracy.
        assertThat(r.estimate().accuracy().value()).isLessThan(0.85 - 0.02);
    }

    @Test
    void predictionsOutsideZeroToOneAreNotScoresAndGetNoEstimate() {
        ModelProfile learned = new ModelProfile();
        List<PredictionEvent> margins = events(5, 2000, 3.4).stream()
                .map(p -> new PredictionEvent(p.modelId(), p.modelVersion(), p.predictionId(), p.timestamp(),
                        p.featureNames(), p.featureKinds(), p.numericValues(), p.categoricalValues(), ValueKind.NUMERIC,
                        p.numericValues()[0], null))
                .toList();
        margins.forEach(learned::add);
        ReferenceProfile ref = ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
        WindowVerdict v = WindowVerdict.judge(ref, window(ref, margins), SIGNALLING, CTX, List.of(), null);
        assertThat(v.report().estimatedPerformance()).isNull();
    }

    /** {@code events} with each score rounded to a hard 0/1 prediction. */
    static List<PredictionEvent> hardened(List<PredictionEvent> events) {
        return events.stream()
                .map(p -> new PredictionEvent(p.modelId(), p.modelVersion(), p.predictionId(), p.timestamp(),
                        p.featureNames(), p.featureKinds(), p.numericValues(), p.categoricalValues(), ValueKind.NUMERIC,
                        p.numericPrediction() >= 0.5 ? 1.0 : 0.0, null))
                .toList();
    }

    @Test
    void hardZeroOnePredictionsClaimNoConfidenceAndGetNoEstimateNorSignal() {
        ModelProfile learned = new ModelProfile();
        hardened(events(1, 5000, 3.4)).forEach(learned::add);
        ReferenceProfile hardRef = ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
        // Read as scores, a window of them would be estimated right every time: accuracy 1.
        WindowVerdict shifted = WindowVerdict.judge(hardRef, window(hardRef, hardened(events(2, 1200, 1.2))),
                SIGNALLING, CTX, List.of(), null);
        assertThat(shifted.report().estimatedPerformance()).isNull();
        assertThat(shifted.signals()).noneMatch(sig -> RetrainTrigger.ESTIMATED_PERFORMANCE_DECAY.equals(sig.reason()));
        // A reference of hard predictions against a window of real scores: no spurious decay.
        WindowVerdict soft = WindowVerdict.judge(hardRef, window(hardRef, events(3, 1200, 3.4)), SIGNALLING, CTX,
                List.of(), null);
        assertThat(soft.report().estimatedPerformance()).isNull();
        assertThat(soft.signals()).noneMatch(sig -> RetrainTrigger.ESTIMATED_PERFORMANCE_DECAY.equals(sig.reason()));
        // The same model with its scores is estimated (the rule is about hard predictions only).
        ReferenceProfile ref = reference();
        assertThat(WindowVerdict.judge(ref, window(ref, events(2, 1200, 3.4)), SIGNALLING, CTX, List.of(), null)
                .report().estimatedPerformance()).isNotNull();
    }
}
