package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelwatch.model.ScoreHistogram;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CalibratedPerformanceTest {
    static final double Z = ExpectedPerformance.Z;

    /**
     * Bin 2 below the threshold: 10 events around 0.25; bin 7 above: 30 around 0.75; bin 9 above:
     * 10 around 0.95.
     */
    static ScoreHistogram histogram() {
        long[] counts = new long[ScoreHistogram.CELLS];
        double[] means = new double[ScoreHistogram.CELLS];
        counts[4] = 10;
        means[4] = 0.25;
        counts[15] = 30;
        means[15] = 0.75;
        counts[19] = 10;
        means[19] = 0.95;
        return new ScoreHistogram(counts, means);
    }

    /** Bin 2: 4 positives of 40 labels; bin 7: 30 of 50; bin 9: 9 of 10, too few (it trusts its scores). */
    static HistogramBinningCalibration calibration() {
        long[] pos = new long[10];
        long[] tot = new long[10];
        pos[2] = 4;
        tot[2] = 40;
        pos[7] = 30;
        tot[7] = 50;
        pos[9] = 9;
        tot[9] = 10;
        return new HistogramBinningCalibration(pos, tot, 30);
    }

    @Test
    void theCalibratedEstimateOfAKnownHistogramMatchesHandComputedValues() {
        ExpectedPerformance.Estimate e = CalibratedPerformance.estimate(histogram(), 0.5, calibration());
        // p = 0.1 (bin 2), 0.6 (bin 7), 0.95 (bin 9: its own mean score, too few labels).
        // TP = 30 x 0.6 + 10 x 0.95 = 27.5, FP = 12 + 0.5 = 12.5; FN = 10 x 0.1 = 1, TN = 9.
        assertThat(e.expectedTruePositives()).isCloseTo(27.5, within(1e-9));
        assertThat(e.expectedFalsePositives()).isCloseTo(12.5, within(1e-9));
        assertThat(e.expectedFalseNegatives()).isCloseTo(1, within(1e-9));
        assertThat(e.expectedTrueNegatives()).isCloseTo(9, within(1e-9));
        assertThat(e.accuracy().value()).isCloseTo(36.5 / 50, within(1e-9));
        // Outcomes: sum p (1 - p) = 10 x 0.09 + 30 x 0.24 + 10 x 0.0475 = 8.575, over n^2.
        // The map: d accuracy / d p2 = -10/50, d / d p7 = 30/50; Var p_b at the Agresti-Coull
        // share (x + 2) / (n + 4): bin 2 6/44, bin 7 32/54, each p~ (1 - p~) / (n + 4).
        double var2 = (6.0 / 44) * (38.0 / 44) / 44;
        double var7 = (32.0 / 54) * (22.0 / 54) / 54;
        double accSd = Math.sqrt(8.575 / 2500 + 0.04 * var2 + 0.36 * var7);
        assertThat(e.accuracy().sd()).isCloseTo(accSd, within(1e-7));
        assertThat(e.accuracy().lower()).isCloseTo(0.73 - Z * accSd, within(1e-6));
        assertThat(e.accuracy().upper()).isCloseTo(0.73 + Z * accSd, within(1e-6));
        // Precision 27.5 / 40; outcomes (7.2 + 0.475) / 40^2; the map: d / d p7 = 30/40 (bin 2 is not predicted positive).
        assertThat(e.precision().value()).isCloseTo(27.5 / 40, within(1e-9));
        assertThat(e.precision().sd()).isCloseTo(Math.sqrt(7.675 / 1600 + 0.5625 * var7), within(1e-7));
        // Recall A / (A + B), A = 27.5, B = 1: outcomes by the delta method as uncalibrated
        // (VA = 7.675, VB = 0.9); the map moves A by 30 per p7 and B by 10 per p2.
        double a = 27.5;
        double b = 1;
        double d = a + b;
        double outcomes = (b * b * 7.675 + a * a * 0.9) / Math.pow(d, 4);
        double dp7 = 30 * b / (d * d);
        double dp2 = -10 * a / (d * d);
        assertThat(e.recall().value()).isCloseTo(a / d, within(1e-9));
        assertThat(e.recall().sd()).isCloseTo(Math.sqrt(outcomes + dp7 * dp7 * var7 + dp2 * dp2 * var2),
                within(1e-7));
        // F1 2A / (P + A + B) with P = 40 fixed.
        assertThat(e.f1().value()).isCloseTo(55.0 / 68.5, within(1e-9));
        // AUC: runs 0.25 (1 positive, 9 negatives), 0.75 (18, 12), 0.95 (9.5, 0.5):
        // 1 x 4.5 + 18 x (9 + 6) + 9.5 x (21 + 0.25) = 476.375, over 28.5 x 21.5.
        assertThat(e.auc().value()).isCloseTo(476.375 / (28.5 * 21.5), within(1e-9));
        assertThat(e.auc().sd()).isGreaterThan(
                ExpectedPerformance.hanleyMcNeilStandardError(e.auc().value(), 28.5, 21.5));
    }

    @Test
    void theHistogramOfAWindowGivesTheEstimateOfItsScoresThroughTheSameMap() {
        // Every bin calibrated: the estimate from the 20 cells is the estimate from the scores.
        SplittableRandom r = new SplittableRandom(5);
        double[] scores = new double[2000];
        double[] ones = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = r.nextDouble();
            ones[i] = 1;
        }
        long[] pos = new long[10];
        long[] tot = new long[10];
        for (int b = 0; b < 10; b++) {
            tot[b] = 100;
            pos[b] = 5 + 9 * b;
        }
        HistogramBinningCalibration c = new HistogramBinningCalibration(pos, tot, 30);
        for (double threshold : new double[] {0.5, 0.37}) {
            ExpectedPerformance.Estimate fromScores = ExpectedPerformance.estimate(scores, ones, threshold, c);
            ExpectedPerformance.Estimate fromCells = CalibratedPerformance.estimate(
                    ScoreHistogram.of(scores, ones, threshold), threshold, c);
            assertThat(fromCells.accuracy().value()).isCloseTo(fromScores.accuracy().value(), within(1e-12));
            assertThat(fromCells.precision().value()).isCloseTo(fromScores.precision().value(), within(1e-12));
            assertThat(fromCells.recall().value()).isCloseTo(fromScores.recall().value(), within(1e-12));
            assertThat(fromCells.f1().value()).isCloseTo(fromScores.f1().value(), within(1e-12));
            assertThat(fromCells.auc().value()).isCloseTo(fromScores.auc().value(), within(1e-10));
            // Only the map's uncertainty is added to the outcomes'.
            assertThat(fromCells.accuracy().sd()).isGreaterThan(fromScores.accuracy().sd());
        }
    }

    @Test
    void withoutCalibratedBinsTheEstimateIsTheScoresOwn() {
        SplittableRandom r = new SplittableRandom(9);
        double[] scores = new double[500];
        double[] ones = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = Math.round(r.nextDouble() * 100) / 100.0;
            ones[i] = 1;
        }
        HistogramBinningCalibration none = new HistogramBinningCalibration(new long[10], new long[10], 30);
        ExpectedPerformance.Estimate raw = ExpectedPerformance.estimate(scores, ones, 0.5);
        ExpectedPerformance.Estimate cells = CalibratedPerformance.estimate(ScoreHistogram.of(scores, ones, 0.5), 0.5,
                none);
        // The expected counts are exact from the cells' means (to their 16 bits: 1/655,360 per
        // event); only the spread within a cell is lost.
        assertThat(cells.expectedTruePositives()).isCloseTo(raw.expectedTruePositives(), within(500 / 655_360.0));
        assertThat(cells.accuracy().value()).isCloseTo(raw.accuracy().value(), within(1 / 655_360.0));
        assertThat(cells.accuracy().sd()).isCloseTo(raw.accuracy().sd(), within(0.002));
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /**
     * An overconfident classifier, score = sigmoid(2x) while P(y = 1 | x) = sigmoid(x): calibrated
     * on 1,000 labels of its reference (x ~ N(0, 1.5)), the 95% interval of a 1,000-event window
     * covers the window's realised accuracy about 95% of the time, on unchanged inputs and on
     * inputs shifted toward the uncertain region (x ~ N(0, 1)); the scores as they are, hardly ever.
     */
    @Test
    void theCalibratedIntervalCoversTheRealisedAccuracyOfAnOverconfidentClassifier() {
        for (double windowSd : new double[] {1.5, 1.0}) {
            SplittableRandom r = new SplittableRandom(11);
            int replicas = 400;
            int calibratedCovers = 0;
            int rawCovers = 0;
            for (int k = 0; k < replicas; k++) {
                double[] refScores = new double[1000];
                boolean[] refLabels = new boolean[1000];
                for (int i = 0; i < refScores.length; i++) {
                    double x = 1.5 * gaussian(r);
                    refScores[i] = sigmoid(2 * x);
                    refLabels[i] = r.nextDouble() < sigmoid(x);
                }
                HistogramBinningCalibration fitted = HistogramBinningCalibration.fit(refScores, refLabels, 10);
                HistogramBinningCalibration c = new HistogramBinningCalibration(counts(fitted, true),
                        counts(fitted, false), 30);
                double[] scores = new double[1000];
                double[] ones = new double[scores.length];
                long correct = 0;
                for (int i = 0; i < scores.length; i++) {
                    double x = windowSd * gaussian(r);
                    scores[i] = sigmoid(2 * x);
                    ones[i] = 1;
                    boolean y = r.nextDouble() < sigmoid(x);
                    correct += y == (scores[i] >= 0.5) ? 1 : 0;
                }
                double realised = correct / 1000.0;
                ExpectedPerformance.Interval calibrated = CalibratedPerformance.estimate(
                        ScoreHistogram.of(scores, ones, 0.5), 0.5, c).accuracy();
                ExpectedPerformance.Interval raw = ExpectedPerformance.estimate(scores, ones, 0.5).accuracy();
                calibratedCovers += realised >= calibrated.lower() && realised <= calibrated.upper() ? 1 : 0;
                rawCovers += realised >= raw.lower() && realised <= raw.upper() ? 1 : 0;
            }
            System.out.printf("window sd %.1f: calibrated covers %d of %d, raw %d%n", windowSd, calibratedCovers,
                    replicas, rawCovers);
            assertThat(calibratedCovers).as("window sd %s", windowSd).isBetween(replicas * 90 / 100, replicas);
            assertThat(rawCovers).as("window sd %s", windowSd).isLessThan(replicas / 10);
        }
    }

    private static long[] counts(HistogramBinningCalibration c, boolean positives) {
        long[] a = new long[c.bins()];
        for (int b = 0; b < a.length; b++) {
            a[b] = positives ? c.positives(b) : c.labels(b);
        }
        return a;
    }
}
