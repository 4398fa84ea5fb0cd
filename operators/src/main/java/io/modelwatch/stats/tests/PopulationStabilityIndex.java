package io.modelwatch.stats.tests;

/**
 * Population Stability Index of an actual (recent) distribution against an expected (reference)
 * one over the same bins:
 *
 * <pre>  PSI = sum_i (a_i - e_i) * ln(a_i / e_i)</pre>
 *
 * where {@code a_i} and {@code e_i} are the proportions in bin {@code i}. The index comes from
 * credit scoring (Siddiqi, N. (2006), "Credit Risk Scorecards", Wiley, ch. 8, with the usual
 * reading: below 0.1 no significant shift, 0.1 to 0.25 moderate, above 0.25 significant).
 * Yurdakul, B. (2018), "Statistical properties of population stability index", PhD thesis,
 * Western Michigan University, shows it is Jeffreys' symmetrised divergence
 * {@code KL(a||e) + KL(e||a)} (Jeffreys 1946), hence non-negative, zero only for equal
 * proportions, and symmetric in its two arguments.
 *
 * <p>An empty bin on one side makes a raw term infinite ({@code ln(a/0)}), and with quantile bins
 * and small windows that happens in routine operation. Counts are therefore smoothed additively
 * before they become proportions: {@code (c_i + alpha) / (n + alpha * B)}.
 */
public final class PopulationStabilityIndex {
    /**
     * The pseudo-count added to every bin. 1/2 is the Krichevsky-Trofimov estimator (Krichevsky,
     * R. and Trofimov, V. (1981), "The performance of universal encoding", IEEE Trans. Inf.
     * Theory 27(2):199-207): the posterior mean under Jeffreys' Dirichlet(1/2, ..., 1/2) prior.
     * Its worst-case Kullback-Leibler cost of estimating proportions from counts is close to the
     * minimax optimum, and KL is what PSI (a sum of two KL divergences) measures; Laplace's
     * add-one puts twice the pseudo-mass in and pulls small windows harder towards uniform.
     */
    public static final double DEFAULT_SMOOTHING = 0.5;

    private PopulationStabilityIndex() {}

    /**
     * {@code (c_i + alpha) / (sum(c) + alpha * B)} for the {@code B} bins of {@code counts}.
     *
     * @param counts non-negative, finite; counts may be fractional (e.g. proportions times n)
     * @param alpha non-negative pseudo-count; with 0 the counts must not all be 0
     */
    public static double[] smoothedProportions(double[] counts, double alpha) {
        checkCounts(counts, "counts");
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be finite and >= 0, was " + alpha);
        }
        double sum = 0;
        for (double c : counts) {
            sum += c;
        }
        double denominator = sum + alpha * counts.length;
        if (!(denominator > 0)) {
            throw new IllegalArgumentException("all counts are 0 and alpha is 0: no proportions");
        }
        double[] proportions = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            proportions[i] = (counts[i] + alpha) / denominator;
        }
        return proportions;
    }

    /**
     * PSI of {@code actualCounts} against {@code expectedCounts}, both smoothed with
     * {@code alpha}. Always {@code >= 0} and 0 for identical proportions. With {@code alpha = 0}
     * it is the unsmoothed index, {@code +Infinity} if a bin is empty on exactly one side.
     *
     * @throws IllegalArgumentException if the arrays differ in length, are empty, or hold a
     *     negative or non-finite count
     */
    public static double of(double[] expectedCounts, double[] actualCounts, double alpha) {
        checkCounts(expectedCounts, "expectedCounts");
        checkCounts(actualCounts, "actualCounts");
        if (expectedCounts.length != actualCounts.length) {
            throw new IllegalArgumentException("expected " + expectedCounts.length
                    + " bins but actual has " + actualCounts.length);
        }
        double[] e = smoothedProportions(expectedCounts, alpha);
        double[] a = smoothedProportions(actualCounts, alpha);
        double psi = 0;
        for (int i = 0; i < e.length; i++) {
            if (a[i] == e[i]) {
                continue; // also covers 0 vs 0 when alpha = 0, where the formula reads 0 * NaN
            }
            // ln a - ln e rather than ln(a / e): swapping the arguments then negates both factors
            // exactly, so the result is bit-for-bit symmetric, and each term is >= 0 because the
            // two factors always share a sign.
            psi += (a[i] - e[i]) * (Math.log(a[i]) - Math.log(e[i]));
        }
        return psi;
    }

    /** {@link #of(double[], double[], double)} with {@link #DEFAULT_SMOOTHING}. */
    public static double of(double[] expectedCounts, double[] actualCounts) {
        return of(expectedCounts, actualCounts, DEFAULT_SMOOTHING);
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
