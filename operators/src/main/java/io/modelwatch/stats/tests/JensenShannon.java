package io.modelwatch.stats.tests;

/**
 * Jensen-Shannon divergence of two count vectors over the same bins (Lin, J. (1991),
 * "Divergence measures based on the Shannon entropy", IEEE Trans. Inf. Theory 37(1):145-151):
 *
 * <pre>  JSD(P, Q) = 1/2 KL(P || M) + 1/2 KL(Q || M),   M = (P + Q) / 2</pre>
 *
 * with the counts normalised to proportions and logarithms to base 2, so that the divergence lies
 * in [0, 1]: 0 for equal distributions, 1 for disjoint supports. Because {@code M} is positive
 * wherever {@code P} or {@code Q} is, no term is ever infinite; empty bins only need the
 * convention {@code 0 log 0 = 0} and no smoothing, unlike {@link PopulationStabilityIndex}.
 *
 * <p>Its square root is a metric (Endres, D. M. and Schindelin, J. E. (2003), "A new metric for
 * probability distributions", IEEE Trans. Inf. Theory 49(7):1858-1860), which makes distances
 * between windows comparable and lets them obey the triangle inequality.
 */
public final class JensenShannon {
    private static final double LN_2 = Math.log(2);

    private JensenShannon() {}

    /**
     * Jensen-Shannon divergence in bits, in [0, 1]; NaN if either vector sums to 0.
     *
     * @throws IllegalArgumentException if the arrays differ in length, are empty, or hold a
     *     negative or non-finite count
     */
    public static double divergence(double[] countsP, double[] countsQ) {
        checkCounts(countsP, "countsP");
        checkCounts(countsQ, "countsQ");
        if (countsP.length != countsQ.length) {
            throw new IllegalArgumentException("countsP has " + countsP.length
                    + " bins but countsQ has " + countsQ.length);
        }
        double totalP = sum(countsP);
        double totalQ = sum(countsQ);
        if (totalP == 0 || totalQ == 0) {
            return Double.NaN;
        }
        // Per bin, p ln(p/m) + q ln(q/m) with m = (p+q)/2. Written as p ln(1 + d) + q ln(1 - d),
        // d = (p - q) / (p + q): log1p keeps full precision for nearly equal p and q (the
        // common, small-drift case), equal bins give exactly 0, and m is never formed, so it
        // cannot underflow to 0 next to a tiny positive p.
        double nats = 0;
        for (int i = 0; i < countsP.length; i++) {
            double p = countsP[i] / totalP;
            double q = countsQ[i] / totalQ;
            double pq = p + q;
            if (pq == 0) {
                continue;
            }
            double d = (p - q) / pq;
            if (p > 0) {
                nats += p * Math.log1p(d);
            }
            if (q > 0) {
                nats += q * Math.log1p(-d);
            }
        }
        double bits = 0.5 * nats / LN_2;
        // Rounding can leave the sum a few ulps outside the mathematical range.
        return Math.min(1.0, Math.max(0.0, bits));
    }

    /**
     * Jensen-Shannon distance {@code sqrt(divergence)}, a metric in [0, 1]; NaN if either vector
     * sums to 0.
     */
    public static double distance(double[] countsP, double[] countsQ) {
        return Math.sqrt(divergence(countsP, countsQ));
    }

    private static double sum(double[] counts) {
        double sum = 0;
        for (double c : counts) {
            sum += c;
        }
        return sum;
    }

    private static void checkCounts(double[] counts, String name) {
        if (counts.length == 0) {
            throw new IllegalArgumentException(name + " must have at least one bin");
        }
        for (double c : counts) {
            if (!(c >= 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException(name + " must be finite and >= 0, found " + c);
            }
        }
    }
}
