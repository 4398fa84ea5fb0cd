package io.modelwatch.stats.tests;

import io.modelwatch.model.ScoreHistogram;

/**
 * The expected performance ({@link ExpectedPerformance}) of a window whose scores are counted per
 * calibration bin ({@link ScoreHistogram}), through a histogram binning calibration
 * ({@link HistogramBinningCalibration}, {@link ScoreHistogram#BINS} bins) fitted to the version's
 * first labels: every score of a calibrated bin {@code b} is positive with probability
 * {@code p_b}, the share of positives among the bin's labelled scores; a bin with too few labels
 * trusts its scores (the cell's mean score stands for them).
 *
 * <p>The 95% intervals add to the outcomes' own variance (the labels of the window, Bernoulli
 * given the probabilities, as {@link ExpectedPerformance} computes it) the uncertainty of the map:
 * each {@code p_b} is a share of {@code n_b} labels, and a metric {@code f} moves by
 * {@code df/dp_b} per unit of it, so by the delta method
 *
 * <pre>
 *   Var f = Var_outcomes f + sum over calibrated bins b of (df/dp_b)^2 Var(p_b)
 * </pre>
 *
 * the two independent (the map's labels are the reference's, not the window's). {@code Var(p_b)}
 * is the binomial {@code p~ (1 - p~) / (n_b + 4)} at the Agresti-Coull share
 * {@code p~ = (x_b + 2) / (n_b + 4)} (Agresti and Coull 1998), so a bin whose labels are all of
 * one class still carries uncertainty. The derivatives are taken numerically (central
 * differences of the exact estimate; every metric is a ratio of sums linear in the
 * {@code p_b}, smooth where defined). Cost: two estimates of at most {@link ScoreHistogram#CELLS}
 * cells per calibrated bin, a few microseconds per report.
 */
public final class CalibratedPerformance {
    /** Step of the numerical derivatives: far above rounding, far below any bin's standard error. */
    private static final double STEP = 1e-5;

    private CalibratedPerformance() {}

    /**
     * @param h the scores per cell, split at {@code threshold}
     * @param threshold the threshold {@code h} was split at: positive when score >= it
     * @param c the calibration, {@link ScoreHistogram#BINS} bins
     * @return null when the histogram is empty
     */
    public static ExpectedPerformance.Estimate estimate(ScoreHistogram h, double threshold,
            HistogramBinningCalibration c) {
        if (c.bins() != ScoreHistogram.BINS) {
            throw new IllegalArgumentException("the calibration needs " + ScoreHistogram.BINS + " bins");
        }
        int m = 0;
        for (long n : h.counts()) {
            m += n > 0 ? 1 : 0;
        }
        if (m == 0) {
            return null;
        }
        double[] scores = new double[m];
        double[] weights = new double[m];
        int[] bins = new int[m];
        double[] p = new double[m];
        int i = 0;
        for (int cell = 0; cell < ScoreHistogram.CELLS; cell++) {
            if (h.counts()[cell] <= 0) {
                continue;
            }
            int b = cell / 2;
            // A cell's score on its own side of the threshold and inside its bin, whatever its
            // stored mean's rounding: it is decided, and ranked, as its scores were.
            double mean = h.means()[cell];
            double lo = (double) b / ScoreHistogram.BINS;
            double hi = Math.nextDown((double) (b + 1) / ScoreHistogram.BINS);
            mean = Math.min(hi, Math.max(lo, mean));
            scores[i] = cell % 2 == 1 ? Math.max(mean, threshold) : Math.min(mean, Math.nextDown(threshold));
            weights[i] = h.counts()[cell];
            bins[i] = b;
            p[i] = c.calibrated(b) ? c.share(b) : mean;
            i++;
        }
        ExpectedPerformance.Estimate e = ExpectedPerformance.estimate(scores, weights, threshold, p);
        double[] extra = new double[5];
        for (int b = 0; b < ScoreHistogram.BINS; b++) {
            if (!c.calibrated(b) || !occupied(bins, b)) {
                continue;
            }
            double share = c.share(b);
            double up = Math.min(1, share + STEP);
            double down = Math.max(0, share - STEP);
            double[] fUp = metrics(ExpectedPerformance.estimate(scores, weights, threshold, with(p, bins, b, up)));
            double[] fDown = metrics(ExpectedPerformance.estimate(scores, weights, threshold, with(p, bins, b, down)));
            double agrestiCoull = (c.positives(b) + 2.0) / (c.labels(b) + 4.0);
            double variance = agrestiCoull * (1 - agrestiCoull) / (c.labels(b) + 4.0);
            for (int k = 0; k < extra.length; k++) {
                double slope = (fUp[k] - fDown[k]) / (up - down);
                if (Double.isFinite(slope)) {
                    extra[k] += slope * slope * variance;
                }
            }
        }
        return new ExpectedPerformance.Estimate(e.events(), e.expectedTruePositives(), e.expectedFalsePositives(),
                e.expectedFalseNegatives(), e.expectedTrueNegatives(), widened(e.accuracy(), extra[0]),
                e.accuracyStandardError(), widened(e.precision(), extra[1]), widened(e.recall(), extra[2]),
                widened(e.f1(), extra[3]), widened(e.auc(), extra[4]));
    }

    private static boolean occupied(int[] bins, int b) {
        for (int x : bins) {
            if (x == b) {
                return true;
            }
        }
        return false;
    }

    private static double[] with(double[] p, int[] bins, int b, double value) {
        double[] q = p.clone();
        for (int i = 0; i < q.length; i++) {
            if (bins[i] == b) {
                q[i] = value;
            }
        }
        return q;
    }

    /** Accuracy, precision, recall, F1 and AUC; NaN where undefined. */
    private static double[] metrics(ExpectedPerformance.Estimate e) {
        return new double[] {value(e.accuracy()), value(e.precision()), value(e.recall()), value(e.f1()),
                value(e.auc())};
    }

    private static double value(ExpectedPerformance.Interval i) {
        return i == null ? Double.NaN : i.value();
    }

    private static ExpectedPerformance.Interval widened(ExpectedPerformance.Interval i, double extraVariance) {
        return i == null ? null : ExpectedPerformance.Interval.of(i.value(), Math.sqrt(i.sd() * i.sd() + extraVariance));
    }
}
