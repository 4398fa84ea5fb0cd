package io.modelwatch.model;

import java.util.Arrays;

/**
 * A score model's scores of one window (or of its reference) counted per calibration bin: what the
 * performance monitor needs to estimate the window's performance again through the histogram
 * binning calibration it fits to the version's first labels (docs/quality.md, "Calibration").
 *
 * <p>{@link #BINS} equal-width bins on [0, 1] (the bins of the calibration), each split at the
 * decision threshold, so cell {@code 2b} holds the scores of bin {@code b} below the threshold and
 * cell {@code 2b + 1} those at or above it: every score in a cell is decided the same way and is
 * mapped to the same calibrated probability. For a calibrated bin the histogram is therefore
 * exact for every metric of the estimate (AUC included: two scores of one bin have the same
 * probability, so their order does not matter). A bin with too few labels trusts its scores as
 * they are: for it the cell's mean score stands for its scores (exact for the expected counts,
 * the spread within the cell, at most a bin's width, is lost for the variances).
 *
 * <p>A cell's mean is held to a 16-bit fraction of its bin's width ({@link #meanCode}: within
 * 1/131,072 of a bin, far below what the estimate can tell), as the performance monitor keeps it,
 * so a report read back from its state estimates exactly what the report it received did (a run
 * recovered from a checkpoint reports what an undisturbed run does).
 *
 * @param counts events per cell, {@code 2 * BINS} of them
 * @param means mean score per cell (0 for an empty cell)
 */
public record ScoreHistogram(long[] counts, double[] means) {
    /**
     * Ten bins, as Zadrozny and Elkan (2001) used and the expected calibration error of the
     * realised performance reads: with the default 1,000 labels of the performance reference, about
     * 100 per occupied bin, so a bin's share of positives has a standard error of at most 0.05.
     */
    public static final int BINS = 10;
    public static final int CELLS = 2 * BINS;

    public ScoreHistogram {
        if (counts.length != CELLS || means.length != CELLS) {
            throw new IllegalArgumentException("a score histogram has " + CELLS + " cells");
        }
    }

    /** The calibration bin of a score: floor(score * BINS), scores outside [0, 1] in the end bins. */
    public static int bin(double score) {
        return (int) Math.min(BINS - 1, Math.max(0, Math.floor(score * BINS)));
    }

    /**
     * The histogram of a weighted sample of scores in [0, 1] (each score stands for {@code weight}
     * events), split at {@code threshold}. A cell's count is its weight rounded (a KLL sketch's
     * weights are whole; a reference's quantile grid gives fractions of its events).
     */
    public static ScoreHistogram of(double[] scores, double[] weights, double threshold) {
        double[] w = new double[CELLS];
        double[] sum = new double[CELLS];
        for (int i = 0; i < scores.length; i++) {
            int c = 2 * bin(scores[i]) + (scores[i] >= threshold ? 1 : 0);
            w[c] += weights[i];
            sum[c] += weights[i] * scores[i];
        }
        long[] counts = new long[CELLS];
        double[] means = new double[CELLS];
        for (int c = 0; c < CELLS; c++) {
            counts[c] = Math.round(w[c]);
            means[c] = counts[c] > 0 ? mean(c, meanCode(c, sum[c] / w[c])) : 0;
        }
        return new ScoreHistogram(counts, means);
    }

    /** The 16-bit code of a mean score of cell {@code cell}: its offset in the cell's bin, in 1/65,536 of the bin. */
    public static int meanCode(int cell, double mean) {
        double withinBin = mean * BINS - cell / 2;
        return (int) Math.min(65535, Math.max(0, Math.round(withinBin * 65536)));
    }

    /** The mean score of cell {@code cell} that {@code code} stands for. */
    public static double mean(int cell, int code) {
        return (cell / 2 + code / 65536.0) / BINS;
    }

    public long total() {
        return Arrays.stream(counts).sum();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScoreHistogram h && Arrays.equals(counts, h.counts) && Arrays.equals(means, h.means);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(counts) + Arrays.hashCode(means);
    }

    @Override
    public String toString() {
        return "ScoreHistogram" + Arrays.toString(counts);
    }
}
