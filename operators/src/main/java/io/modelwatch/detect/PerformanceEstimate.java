package io.modelwatch.detect;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.HealthReport.EstimatedMetric;
import io.modelwatch.model.HealthReport.EstimatedPerformance;
import io.modelwatch.stats.profiles.FeatureProfile;
import io.modelwatch.stats.profiles.FeatureReference;
import io.modelwatch.model.ScoreHistogram;
import io.modelwatch.stats.tests.CalibratedPerformance;
import io.modelwatch.stats.tests.ExpectedPerformance;
import io.modelwatch.stats.tests.HistogramBinningCalibration;
import io.modelwatch.stats.tests.NormalTail;

/**
 * A score model's performance estimated from a window's scores alone
 * ({@link ExpectedPerformance}, NannyML's confidence-based performance estimation), and whether
 * the estimated accuracy fell against the reference's, estimated the same way. Pure: the verdict
 * calls it with the window's and the reference's prediction profiles.
 *
 * <p>A <em>score model</em> here is one whose predictions are numbers in [0, 1], in its reference
 * and in the window: the score of the positive class. Anything else (classes, margins, regression)
 * gets no estimate.
 *
 * <p>The scores are read from what the monitor keeps anyway, so the estimate costs nothing per
 * event: the window's from its KLL sketch (its retained values and their weights: every score as
 * it is while the window is small, a summary within the sketch's rank error after), the
 * reference's from its grid of equal-mass quantiles (at least 50: min, the quantiles at j/G, max,
 * each pair of neighbours a bin of mass 1/G counted half at each end, the trapezoid rule on the
 * quantile function). For a function with slope at most 1 (the expected correctness max(s, 1 - s)
 * at 0.5) the grid is off by at most half the mean bin width, 1/(2G) <= 0.01, and the sketch by
 * its rank error (about 0.013 at k = 200).
 *
 * <p><b>Decay</b>: the window's estimated accuracy is below the reference's by at least the
 * effect floor {@code performance.accuracyDrop} (0.05, the same 5 points the realised decay
 * needs), and a one-sided z-test on the difference of the two estimates, each as a mean of
 * per-event expected correctness with its standard error
 * ({@link ExpectedPerformance.Estimate#accuracyStandardError}), gives p below
 * {@code quality.pValue} (1e-6). The floor is what keeps large windows honest: their standard
 * error is tiny, and the floor is above the 0.02 the two read-outs of the scores can be off
 * together, so no bias of the sketches can make a finding. Neither test asks whether the scores
 * are calibrated: the reference's estimate is made the same way, so a miscalibrated but stable
 * model is quiet, and one whose scores move toward 0.5 (less confident) decays.
 *
 * <p><b>Calibration</b>: the estimate made here trusts the scores ({@code calibration: none}) and
 * carries the window's and the reference's scores per calibration bin ({@link ScoreHistogram});
 * the performance monitor, which holds the version's first labels, estimates again through the
 * histogram binning they give ({@link #calibrated}) for the reports it sends. {@code decayed} is
 * judged here, on the raw scores, and stays as it is (docs/quality.md, "Decay and calibration").
 */
public final class PerformanceEstimate {
    private PerformanceEstimate() {}

    /**
     * The labels a calibration bin needs before its share of positives replaces its scores: 30
     * puts the share's standard error at most 0.09 (at a share of 0.5) and its binomial count in
     * the range where the normal approximation of the interval's delta-method term holds (n p and
     * n (1 - p) about 5 or more from shares of 0.15 to 0.85); with fewer, the bin's scores are
     * trusted as they are, as without labels.
     */
    public static final int MIN_LABELS_PER_BIN = 30;

    /** The estimate for the report, and the decay test's p-value and drop (NaN when not tested). */
    public record Result(EstimatedPerformance estimate, double pValue, double drop) {}

    /**
     * @return null when the model is not a score model, the window has no scores, or the reference
     *     has no quantile grid
     */
    public static Result estimate(FeatureReference ref, FeatureProfile window, Thresholds t) {
        if (ref == null || window == null || !ref.numeric() || ref.quantiles() == null || ref.present() <= 0
                || !(ref.min() >= 0 && ref.max() <= 1) || !window.hasNumericValues()
                || window.categoricalCount() > 0) {
            return null;
        }
        // Read without building the window's sketch from its few values: the profile stays as it is.
        double[][] sample = window.weightedValues();
        double[] scores = sample[0];
        for (double s : scores) {
            if (!(s >= 0 && s <= 1)) {
                return null;
            }
        }
        double[][] grid = referenceScores(ref);
        if (hard(scores) || hard(grid[0])) {
            // Hard 0/1 predictions (a class, not a score) claim certainty: read as scores, every
            // one would be right by its own account, an estimated accuracy of 1 with no interval,
            // and a reference of them would make any window with real scores look decayed. They
            // carry no confidence to estimate from; their labels measure them (realised performance).
            return null;
        }
        double threshold = t.scoreThreshold();
        ExpectedPerformance.Estimate w = ExpectedPerformance.estimate(scores, sample[1], threshold);
        ExpectedPerformance.Estimate r = ExpectedPerformance.estimate(grid[0], grid[1], threshold);
        if (w == null || r == null) {
            return null;
        }
        double drop = r.accuracy().value() - w.accuracy().value();
        double se = Math.sqrt(w.accuracyStandardError() * w.accuracyStandardError()
                + r.accuracyStandardError() * r.accuracyStandardError());
        double p = se > 0 ? NormalTail.upper(drop / se) : (drop > 0 ? 0 : 1);
        boolean decayed = drop >= t.accuracyDrop() && p < t.qualityPValue();
        EstimatedPerformance e = new EstimatedPerformance(threshold, EstimatedPerformance.UNCALIBRATED,
                Math.round(w.events()), metric(w.accuracy()), metric(w.precision()), metric(w.recall()),
                metric(w.f1()), metric(w.auc()), r.accuracy().value(), decayed, null)
                .withScores(ScoreHistogram.of(scores, sample[1], threshold),
                        ScoreHistogram.of(grid[0], grid[1], threshold));
        return new Result(e, p, drop);
    }

    /** Whether every score is exactly 0 or 1. */
    static boolean hard(double[] scores) {
        for (double s : scores) {
            if (s != 0 && s != 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * The reference's scores as the trapezoid rule on its quantile grid: its grid points and their
     * weights (see the class comment).
     */
    private static double[][] referenceScores(FeatureReference ref) {
        double[] q = ref.quantiles();
        int g = q.length + 1;
        double[] scores = new double[g + 1];
        double[] weights = new double[g + 1];
        scores[0] = ref.min();
        scores[g] = ref.max();
        System.arraycopy(q, 0, scores, 1, q.length);
        double n = ref.present();
        for (int j = 0; j <= g; j++) {
            weights[j] = (j == 0 || j == g ? 0.5 : 1.0) * n / g;
        }
        return new double[][] {scores, weights};
    }

    /**
     * {@code raw}, the model monitor's estimate, estimated again through {@code calibration}
     * ({@link CalibratedPerformance}), fitted to {@code labels} labelled predictions: the window's
     * metrics and the reference's accuracy from the score histograms the estimate carries. What
     * stays is {@code decayed}, judged on the raw scores when the window was (the signal's
     * judgement; docs/quality.md, "Calibration"), and {@code realised}. {@code raw} itself when it
     * carries no histograms (kept by an earlier build) or the calibration has no bin to use.
     */
    public static EstimatedPerformance calibrated(EstimatedPerformance raw, HistogramBinningCalibration calibration,
            long labels) {
        if (raw == null || calibration == null || raw.windowScores() == null || raw.referenceScores() == null
                || !calibration.usable()) {
            return raw;
        }
        ExpectedPerformance.Estimate w = CalibratedPerformance.estimate(raw.windowScores(), raw.threshold(), calibration);
        ExpectedPerformance.Estimate r = CalibratedPerformance.estimate(raw.referenceScores(), raw.threshold(),
                calibration);
        if (w == null) {
            return raw;
        }
        return new EstimatedPerformance(raw.threshold(), EstimatedPerformance.HISTOGRAM_BINNING, raw.events(),
                metric(w.accuracy()), metric(w.precision()), metric(w.recall()), metric(w.f1()), metric(w.auc()),
                r == null ? raw.referenceAccuracy() : Double.valueOf(r.accuracy().value()), raw.decayed(),
                raw.realised(), labels, raw.windowScores(), raw.referenceScores());
    }

    private static EstimatedMetric metric(ExpectedPerformance.Interval i) {
        return i == null ? null : new EstimatedMetric(i.value(), i.lower(), i.upper());
    }
}
