package io.modelwatch.stats.tests;

/**
 * The two-sample Kolmogorov-Smirnov statistic {@code D = sup_x |F_ref(x) - F_win(x)|} evaluated
 * on a grid, with its sample-size-aware significance (Kolmogorov 1933; Smirnov 1948).
 *
 * <p>modelwatch never keeps raw values, so {@code D} is taken at the interior edges of the
 * reference's quantile grid ({@link QuantileBins}): the window side from exact counts per bin,
 * the reference side from the reference proportions. Taking the supremum over fewer points can
 * only make {@code D} smaller, so the test stays valid (conservative) on a grid; with a grid of
 * {@code G} equal-mass bins the loss is at most the mass of one bin, {@code 1/G}.
 *
 * <p>Under the null hypothesis (both samples from one continuous distribution),
 * {@code sqrt(n m / (n + m)) D} tends to Kolmogorov's distribution, whose upper tail gives the
 * p-value; Stephens' (1970, JRSS B 32:115-122) correction {@code (sqrt(ne) + 0.12 + 0.11/sqrt(ne)) D}
 * makes the asymptotic form accurate from {@code ne} of about 4 upwards. For discrete data (ties)
 * the test is conservative.
 *
 * <p>The reference's proportions come from a KLL sketch with a normalised rank error
 * {@code epsilon}: every reference CDF value may be off by up to {@code epsilon}. The tested
 * distance is therefore {@code max(0, D - epsilon)}, i.e. the critical value is raised by the
 * sketch's rank error, {@code c(alpha) sqrt((n + m) / (n m)) + epsilon}.
 */
public final class KolmogorovSmirnov {
    private KolmogorovSmirnov() {}

    /**
     * {@code max_k |sum_{i<=k} a_i / sum a - sum_{i<=k} b_i / sum b|} over the interior edges of
     * two count (or proportion) vectors on the same bins; 0 if either is empty.
     */
    public static double distance(double[] countsA, double[] countsB) {
        if (countsA.length != countsB.length) {
            throw new IllegalArgumentException("bins differ: " + countsA.length + " vs " + countsB.length);
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
        double cumA = 0;
        double cumB = 0;
        double d = 0;
        for (int i = 0; i < countsA.length - 1; i++) {
            cumA += countsA[i];
            cumB += countsB[i];
            d = Math.max(d, Math.abs(cumA / totalA - cumB / totalB));
        }
        return d;
    }

    /** {@code n m / (n + m)}: the effective sample size of the two-sample statistic. */
    public static double effectiveSize(double n, double m) {
        return n * m / (n + m);
    }

    /**
     * P-value of the two-sample test for distance {@code d} between samples of sizes {@code n}
     * and {@code m}, after subtracting the reference's rank error {@code epsilon} from {@code d}.
     */
    public static double pValue(double d, double n, double m, double epsilon) {
        if (!(n > 0) || !(m > 0)) {
            return 1;
        }
        double tested = Math.max(0, d - Math.max(0, epsilon));
        double sqrtNe = Math.sqrt(effectiveSize(n, m));
        return SpecialFunctions.kolmogorovSurvival((sqrtNe + 0.12 + 0.11 / sqrtNe) * tested);
    }

    /**
     * The distance at which the two-sample test rejects at level {@code alpha}, consistent with
     * {@link #pValue}: {@code lambda* / (sqrt(ne) + 0.12 + 0.11/sqrt(ne)) + epsilon} with
     * {@code Q(lambda*) = alpha}. For large samples this is the textbook
     * {@code c(alpha) sqrt((n + m) / (n m))}, {@code c(alpha) = sqrt(-ln(alpha / 2) / 2)} (1.358 at
     * 5%, 1.949 at 0.1%), plus the reference's rank error.
     */
    public static double criticalValue(double alpha, double n, double m, double epsilon) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), was " + alpha);
        }
        double sqrtNe = Math.sqrt(effectiveSize(n, m));
        return inverseKolmogorovSurvival(alpha) / (sqrtNe + 0.12 + 0.11 / sqrtNe) + Math.max(0, epsilon);
    }

    /** {@code lambda} with {@code Q(lambda) = alpha}, by bisection (Q falls monotonically). */
    static double inverseKolmogorovSurvival(double alpha) {
        double lo = 0;
        double hi = 10;
        for (int i = 0; i < 100; i++) {
            double mid = (lo + hi) / 2;
            if (SpecialFunctions.kolmogorovSurvival(mid) > alpha) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }
}
