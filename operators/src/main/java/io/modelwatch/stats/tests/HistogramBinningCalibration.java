package io.modelwatch.stats.tests;

import java.util.function.DoubleUnaryOperator;

/**
 * Histogram binning (Zadrozny and Elkan 2001, "Obtaining calibrated probability estimates from
 * decision trees and naive Bayesian classifiers", ICML): the score range [0, 1] is cut into
 * {@code B} bins, and a score's calibrated probability is the share of positives among the
 * labelled scores of its bin. Equal-width bins (as the expected calibration error uses, Naeini et
 * al. 2015), so the fit is a pair of counts per bin and merges by adding them. A bin with fewer
 * than {@code minLabelsPerBin} labelled scores (by default 1: a bin without any) maps a score to
 * itself: too little is learned there, and the score is trusted as it is.
 */
public final class HistogramBinningCalibration implements DoubleUnaryOperator {
    private final long[] positives;
    private final long[] totals;
    private final long minLabelsPerBin;

    /**
     * @param positives labelled positives per bin
     * @param totals labelled scores per bin; the same length, the number of bins
     */
    public HistogramBinningCalibration(long[] positives, long[] totals) {
        this(positives, totals, 1);
    }

    /**
     * @param minLabelsPerBin the labelled scores a bin needs to be used; below it the bin trusts its scores
     */
    public HistogramBinningCalibration(long[] positives, long[] totals, long minLabelsPerBin) {
        if (positives.length != totals.length || totals.length == 0) {
            throw new IllegalArgumentException("positives and totals must have the same, positive length");
        }
        this.positives = positives.clone();
        this.totals = totals.clone();
        this.minLabelsPerBin = Math.max(1, minLabelsPerBin);
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

    /** Whether bin {@code b} has the labels to be used. */
    public boolean calibrated(int b) {
        return totals[b] >= minLabelsPerBin;
    }

    /** The share of positives among bin {@code b}'s labelled scores (NaN without any). */
    public double share(int b) {
        return (double) positives[b] / totals[b];
    }

    public long positives(int b) {
        return positives[b];
    }

    public long labels(int b) {
        return totals[b];
    }

    /** All labelled scores the calibration was fitted on. */
    public long labels() {
        long n = 0;
        for (long t : totals) {
            n += t;
        }
        return n;
    }

    /** Whether any bin is used. */
    public boolean usable() {
        for (int b = 0; b < totals.length; b++) {
            if (calibrated(b)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public double applyAsDouble(double score) {
        int b = bin(score, totals.length);
        return calibrated(b) ? share(b) : score;
    }
}
