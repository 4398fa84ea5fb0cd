package io.modelwatch.stats.tests;

import java.util.function.DoubleUnaryOperator;

/**
 * Histogram binning (Zadrozny and Elkan 2001, "Obtaining calibrated probability estimates from
 * decision trees and naive Bayesian classifiers", ICML): the score range [0, 1] is cut into
 * {@code B} bins, and a score's calibrated probability is the share of positives among the
 * labelled scores of its bin. Equal-width bins (as the expected calibration error uses, Naeini et
 * al. 2015), so the fit is a pair of counts per bin and merges by adding them. A bin without
 * labelled scores maps a score to itself (nothing learned there: the score is trusted).
 */
public final class HistogramBinningCalibration implements DoubleUnaryOperator {
    private final long[] positives;
    private final long[] totals;

    /**
     * @param positives labelled positives per bin
     * @param totals labelled scores per bin; the same length, the number of bins
     */
    public HistogramBinningCalibration(long[] positives, long[] totals) {
        if (positives.length != totals.length || totals.length == 0) {
            throw new IllegalArgumentException("positives and totals must have the same, positive length");
        }
        this.positives = positives.clone();
        this.totals = totals.clone();
    }

    /** Fits {@code bins} equal-width bins to labelled scores (label true = positive). */
    public static HistogramBinningCalibration fit(double[] scores, boolean[] labels, int bins) {
        long[] pos = new long[bins];
        long[] tot = new long[bins];
        for (int i = 0; i < scores.length; i++) {
            int b = bin(scores[i], bins);
            tot[b]++;
            if (labels[i]) {
                pos[b]++;
            }
        }
        return new HistogramBinningCalibration(pos, tot);
    }

    /** The bin of {@code score}: floor(score * bins), scores outside [0, 1] in the end bins. */
    public static int bin(double score, int bins) {
        return (int) Math.min(bins - 1, Math.max(0, Math.floor(score * bins)));
    }

    public int bins() {
        return totals.length;
    }

    @Override
    public double applyAsDouble(double score) {
        int b = bin(score, totals.length);
        return totals[b] == 0 ? score : (double) positives[b] / totals[b];
    }
}
