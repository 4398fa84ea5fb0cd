package io.modelwatch.stats.tests;

/**
 * The Wasserstein-1 (earth mover's) distance between two one-dimensional distributions,
 * {@code W1(F, G) = integral |F(x) - G(x)| dx} (Vallender, S. S. (1973), "Calculation of the
 * Wasserstein distance between probability distributions on the line", Theory Probab. Appl.
 * 18:784-786), evaluated on a grid of bins.
 *
 * <p>modelwatch keeps counts per bin of the reference's quantile grid, not values. Between two
 * consecutive interior edges {@code e_i <= x < e_(i+1)} both CDFs are taken as
 * {@code P(X < e_(i+1))}, which is exact for data whose values sit on the edges (integer counts,
 * zero-inflated features: deduplicated quantiles put edges on the atoms) and a Riemann sum for
 * continuous data. Mass below the first and above the last edge (the outer {@code 1/G} of each
 * tail of the reference) is left out: a trimmed W1 that a handful of extreme values cannot
 * dominate. For a small shift {@code d} of a continuous distribution it is about {@code d} times
 * the central mass, {@code (1 - 2/G) d}.
 */
public final class Wasserstein {
    private Wasserstein() {}

    /**
     * Trimmed W1 between two count (or proportion) vectors on bins cut at {@code edges}
     * ({@code edges.length + 1} bins, as {@link QuantileBins}); 0 if either is empty.
     */
    public static double ofBins(double[] edges, double[] countsA, double[] countsB) {
        if (countsA.length != edges.length + 1 || countsB.length != countsA.length) {
            throw new IllegalArgumentException(edges.length + " edges need " + (edges.length + 1) + " bins");
        }
        double totalA = 0;
        double totalB = 0;
        for (int i = 0; i < countsA.length; i++) {
            totalA += countsA[i];
            totalB += countsB[i];
        }
        if (!(totalA > 0) || !(totalB > 0)) {
            return 0;
        }
        double cumA = countsA[0];
        double cumB = countsB[0];
        double w = 0;
        for (int i = 0; i + 1 < edges.length; i++) {
            // Bin i+1 is [e_i, e_(i+1)): after adding it, cum = P(X < e_(i+1)).
            cumA += countsA[i + 1];
            cumB += countsB[i + 1];
            w += Math.abs(cumA / totalA - cumB / totalB) * (edges[i + 1] - edges[i]);
        }
        return w;
    }

    /** The ranks {@code j/G, j = 1..G-1} at which grid quantiles are taken. */
    public static double[] gridRanks(int gridBins) {
        double[] ranks = new double[gridBins - 1];
        for (int j = 1; j < gridBins; j++) {
            ranks[j - 1] = (double) j / gridBins;
        }
        return ranks;
    }
}
