package io.modelwatch.stats.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExpectedPerformanceTest {
    private static final double[] SCORES = {0.9, 0.8, 0.3, 0.1};
    private static final double[] ONES = {1, 1, 1, 1};

    @Test
    void expectedConfusionMatrixAndMetricsMatchHandComputedValues() {
        ExpectedPerformance.Estimate e = ExpectedPerformance.estimate(SCORES, ONES, 0.5);
        // Predicted positive: 0.9, 0.8. TP = 1.7, FP = 0.3; FN = 0.3 + 0.1 = 0.4, TN = 0.7 + 0.9 = 1.6.
        assertThat(e.expectedTruePositives()).isCloseTo(1.7, within(1e-12));
        assertThat(e.expectedFalsePositives()).isCloseTo(0.3, within(1e-12));
        assertThat(e.expectedFalseNegatives()).isCloseTo(0.4, within(1e-12));
        assertThat(e.expectedTrueNegatives()).isCloseTo(1.6, within(1e-12));
        assertThat(e.accuracy().value()).isCloseTo(3.3 / 4, within(1e-12));
        // Var(correct) = 0.09 + 0.16 + 0.21 + 0.09 = 0.55.
        double accSd = Math.sqrt(0.55) / 4;
        assertThat(e.accuracy().lower()).isCloseTo(0.825 - ExpectedPerformance.Z * accSd, within(1e-12));
        assertThat(e.accuracy().upper()).isCloseTo(1.0, within(1e-12)); // 0.825 + 0.363, clamped
        assertThat(e.precision().value()).isCloseTo(0.85, within(1e-12));
        assertThat(e.precision().lower()).isCloseTo(0.85 - ExpectedPerformance.Z * 0.5 / 2, within(1e-12));
        assertThat(e.recall().value()).isCloseTo(1.7 / 2.1, within(1e-12));
        // Delta method: (B^2 VA + A^2 VB) / (A + B)^4 with A = 1.7, B = 0.4, VA = 0.25, VB = 0.30.
        double recallSd = Math.sqrt((0.16 * 0.25 + 2.89 * 0.30) / Math.pow(2.1, 4));
        assertThat(e.recall().lower()).isCloseTo(1.7 / 2.1 - ExpectedPerformance.Z * recallSd, within(1e-12));
        assertThat(e.f1().value()).isCloseTo(3.4 / 4.1, within(1e-12));
        // AUC: sum p_i (1 - p_j) over s_i > s_j, plus half the ties (each score with itself) =
        // 0.045 + 0.375 + 1.36 + 1.665 = 3.445, over 2.1 expected positives x 1.9 negatives.
        assertThat(e.auc().value()).isCloseTo(3.445 / (2.1 * 1.9), within(1e-12));
        // Standard error of the estimate as a mean: c = 0.9, 0.8, 0.7, 0.9 around 0.825.
        double spread = (0.075 * 0.075 + 0.025 * 0.025 + 0.125 * 0.125 + 0.075 * 0.075) / 4;
        assertThat(e.accuracyStandardError()).isCloseTo(Math.sqrt(spread / 4), within(1e-12));
    }

    @Test
    void weightsCountAsRepeatedEvents() {
        ExpectedPerformance.Estimate weighted = ExpectedPerformance.estimate(new double[] {0.9, 0.2}, new double[] {3, 2},
                0.5);
        ExpectedPerformance.Estimate repeated = ExpectedPerformance.estimate(new double[] {0.9, 0.9, 0.9, 0.2, 0.2},
                new double[] {1, 1, 1, 1, 1}, 0.5);
        assertThat(weighted.accuracy()).isEqualTo(repeated.accuracy());
        assertThat(weighted.auc().value()).isCloseTo(repeated.auc().value(), within(1e-12));
        assertThat(weighted.f1().value()).isCloseTo(repeated.f1().value(), within(1e-12));
    }

    @Test
    void aucIsTheMannWhitneyFormOfExpectedLabelsWhateverTheOrderAndTies() {
        SplittableRandom rnd = new SplittableRandom(7);
        double[] s = new double[300];
        double[] w = new double[300];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.round(rnd.nextDouble() * 20) / 20.0; // many ties
            w[i] = 1 + rnd.nextInt(3);
        }
        double num = 0;
        double pos = 0;
        double neg = 0;
        for (int i = 0; i < s.length; i++) {
            pos += w[i] * s[i];
            neg += w[i] * (1 - s[i]);
            for (int j = 0; j < s.length; j++) {
                double pair = w[i] * s[i] * w[j] * (1 - s[j]);
                num += s[i] > s[j] ? pair : s[i] == s[j] ? pair / 2 : 0;
            }
        }
        assertThat(ExpectedPerformance.estimate(s, w, 0.5).auc().value()).isCloseTo(num / (pos * neg), within(1e-12));
    }

    @Test
    void theThresholdDecidesWhichSideAScoreIsOn() {
        ExpectedPerformance.Estimate e = ExpectedPerformance.estimate(SCORES, ONES, 0.85);
        // Only 0.9 is positive: TP 0.9, FP 0.1, TN 0.2 + 0.7 + 0.9 = 1.8.
        assertThat(e.accuracy().value()).isCloseTo(2.7 / 4, within(1e-12));
        assertThat(e.precision().value()).isCloseTo(0.9, within(1e-12));
    }

    @Test
    void calibrationReplacesTheScoreAsProbabilityButNotAsDecision() {
        // A model that is right only half the time above the threshold, whatever it says.
        ExpectedPerformance.Estimate e = ExpectedPerformance.estimate(SCORES, ONES, 0.5,
                s -> s >= 0.5 ? 0.5 : 0.2);
        assertThat(e.accuracy().value()).isCloseTo((0.5 + 0.5 + 0.8 + 0.8) / 4, within(1e-12));
        assertThat(e.precision().value()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void accuracyIntervalCoversTheRealisedAccuracyOfCalibratedScores95PercentOfTheTime() {
        SplittableRandom rnd = new SplittableRandom(42);
        int n = 500;
        double[] s = new double[n];
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = rnd.nextDouble();
            w[i] = 1;
        }
        ExpectedPerformance.Estimate e = ExpectedPerformance.estimate(s, w, 0.5);
        int covered = 0;
        int runs = 2000;
        for (int r = 0; r < runs; r++) {
            int correct = 0;
            for (int i = 0; i < n; i++) {
                boolean positive = rnd.nextDouble() < s[i];
                correct += positive == (s[i] >= 0.5) ? 1 : 0;
            }
            double acc = (double) correct / n;
            covered += acc >= e.accuracy().lower() && acc <= e.accuracy().upper() ? 1 : 0;
        }
        assertThat(covered / (double) runs).isBetween(0.93, 0.97);
    }

    @Test
    void hanleyMcNeilStandardErrorByHand() {
        // Eq. 2 at A = 0.9, 50 positives, 50 negatives: Q1 = 0.9 / 1.1, Q2 = 1.62 / 1.9;
        // (0.09 + 49 (0.818182 - 0.81) + 49 (0.852632 - 0.81)) / 2500 = 0.00103194.
        assertThat(ExpectedPerformance.hanleyMcNeilStandardError(0.9, 50, 50)).isCloseTo(0.032124, within(1e-6));
    }

    @Test
    void noEventsNoEstimate() {
        assertThat(ExpectedPerformance.estimate(new double[0], new double[0], 0.5)).isNull();
    }
}
