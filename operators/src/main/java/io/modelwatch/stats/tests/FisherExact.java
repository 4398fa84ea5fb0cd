package io.modelwatch.stats.tests;

/**
 * Fisher's exact test of two proportions (Fisher, R. A. (1935), "The logic of inductive
 * inference", J. R. Stat. Soc. 98:39-82; Agresti, A. (2002), <i>Categorical Data Analysis</i>,
 * 2nd ed., section 3.5): a reference with {@code k1} events of interest among {@code n1} and a
 * window with {@code k2} among {@code n2}. Given the total {@code K = k1 + k2}, under "the same
 * rate" the window's count is hypergeometric,
 * {@code P(X = x) = C(K, x) C(N - K, n2 - x) / C(N, n2)}, {@code N = n1 + n2}: both samples'
 * sampling error counts, where a one-sample test against the reference's rate would take that
 * rate as exact. Alibi Detect's FET drift detectors use the same test for binary data.
 *
 * <p>Tails are summed term by term from the observed count outward with the ratio
 * {@code P(x+1)/P(x) = (K - x)(n2 - x) / ((x + 1)(N - K - n2 + x + 1))}, starting from a
 * log-gamma evaluation of the first term, and stop once the terms no longer change the sum; so a
 * window of a million events costs a few hundred terms, not a million. The two-sided p-value is
 * twice the smaller one-sided one, capped at 1 (the doubling rule, Agresti section 3.5.3 / 16.6).
 */
public final class FisherExact {
    private FisherExact() {}

    /** P(X >= k2): the window's rate is higher than the reference's. */
    public static double greater(long k1, long n1, long k2, long n2) {
        check(k1, n1, k2, n2);
        long total = k1 + k2;
        long n = n1 + n2;
        long lo = Math.max(0, n2 - (n - total));
        long hi = Math.min(total, n2);
        if (k2 <= lo) {
            return 1;
        }
        if (k2 > mode(total, n2, n)) {
            return upperFrom(k2, total, n2, n, hi);
        }
        return Math.max(0, 1 - lowerFrom(k2 - 1, total, n2, n, lo));
    }

    /** P(X <= k2): the window's rate is lower than the reference's. */
    public static double less(long k1, long n1, long k2, long n2) {
        check(k1, n1, k2, n2);
        long total = k1 + k2;
        long n = n1 + n2;
        long lo = Math.max(0, n2 - (n - total));
        long hi = Math.min(total, n2);
        if (k2 >= hi) {
            return 1;
        }
        if (k2 < mode(total, n2, n)) {
            return lowerFrom(k2, total, n2, n, lo);
        }
        return Math.max(0, 1 - upperFrom(k2 + 1, total, n2, n, hi));
    }

    /** Two-sided: {@code min(1, 2 min(greater, less))}. */
    public static double twoSided(long k1, long n1, long k2, long n2) {
        return Math.min(1, 2 * Math.min(greater(k1, n1, k2, n2), less(k1, n1, k2, n2)));
    }

    private static long mode(long total, long n2, long n) {
        return (long) Math.floor((double) (n2 + 1) * (total + 1) / (n + 2));
    }

    /** Sum of P(X = x) for x from {@code from} up to {@code hi}; {@code from} at or above the mode. */
    private static double upperFrom(long from, long total, long n2, long n, long hi) {
        double term = Math.exp(logPmf(from, total, n2, n));
        double sum = 0;
        for (long x = from; x <= hi; x++) {
            sum += term;
            if (term <= sum * 1e-17) {
                break;
            }
            term *= (double) (total - x) * (n2 - x) / ((double) (x + 1) * (n - total - n2 + x + 1));
        }
        return Math.min(1, sum);
    }

    /** Sum of P(X = x) for x from {@code from} down to {@code lo}; {@code from} at or below the mode. */
    private static double lowerFrom(long from, long total, long n2, long n, long lo) {
        double term = Math.exp(logPmf(from, total, n2, n));
        double sum = 0;
        for (long x = from; x >= lo; x--) {
            sum += term;
            if (term <= sum * 1e-17) {
                break;
            }
            // P(x-1)/P(x) = x (N - K - n2 + x) / ((K - x + 1)(n2 - x + 1))
            term *= (double) x * (n - total - n2 + x) / ((double) (total - x + 1) * (n2 - x + 1));
        }
        return Math.min(1, sum);
    }

    static double logPmf(long x, long total, long n2, long n) {
        return logChoose(total, x) + logChoose(n - total, n2 - x) - logChoose(n, n2);
    }

    /** ln C(n, k); negative infinity outside 0 <= k <= n. */
    public static double logChoose(long n, long k) {
        if (k < 0 || k > n) {
            return Double.NEGATIVE_INFINITY;
        }
        if (k == 0 || k == n) {
            return 0;
        }
        return SpecialFunctions.logGamma(n + 1.0) - SpecialFunctions.logGamma(k + 1.0)
                - SpecialFunctions.logGamma(n - k + 1.0);
    }

    private static void check(long k1, long n1, long k2, long n2) {
        if (k1 < 0 || k2 < 0 || k1 > n1 || k2 > n2) {
            throw new IllegalArgumentException("counts must satisfy 0 <= k <= n: " + k1 + "/" + n1 + ", " + k2 + "/" + n2);
        }
    }
}
