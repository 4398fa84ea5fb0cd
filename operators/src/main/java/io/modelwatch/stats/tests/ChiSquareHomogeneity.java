package io.modelwatch.stats.tests;

/**
 * Pearson's chi-square test of homogeneity for two samples over the same categories (a 2 x B
 * contingency table): are the reference and the window drawn from one categorical distribution?
 *
 * <pre>  X2 = sum_rows sum_bins (O - E)^2 / E,   E = rowTotal * binTotal / N,   df = B' - 1</pre>
 *
 * <p>X2 is asymptotically chi-square with {@code B' - 1} degrees of freedom. The approximation
 * needs expected counts that are not tiny; following Cochran's rule (Cochran, W. G. (1954),
 * "Some methods for strengthening the common chi-square tests", Biometrics 10:417-451) bins
 * whose smaller expected count is below 5 are pooled into one bin before the test, and a bin
 * empty in both samples does not count. {@code B'} is the number of bins left. With fewer than
 * two bins left there is nothing to test and the p-value is 1.
 *
 * <p>Counts may be fractional (reference proportions times its sample size).
 */
public final class ChiSquareHomogeneity {
    /** Cochran's minimum expected count. */
    public static final double MIN_EXPECTED = 5;

    /** The statistic, its degrees of freedom and the p-value P(chi2(df) >= statistic). */
    public record Result(double statistic, int degreesOfFreedom, double pValue) {}

    private ChiSquareHomogeneity() {}

    public static Result test(double[] countsA, double[] countsB) {
        if (countsA.length != countsB.length) {
            throw new IllegalArgumentException("bins differ: " + countsA.length + " vs " + countsB.length);
        }
        double totalA = 0;
        double totalB = 0;
        for (int i = 0; i < countsA.length; i++) {
            check(countsA[i]);
            check(countsB[i]);
            totalA += countsA[i];
            totalB += countsB[i];
        }
        double total = totalA + totalB;
        if (!(totalA > 0) || !(totalB > 0)) {
            return new Result(0, 0, 1);
        }
        double shareA = totalA / total;
        double shareB = totalB / total;
        double[] a = new double[countsA.length + 1];
        double[] b = new double[countsA.length + 1];
        int bins = 0;
        double pooledA = 0;
        double pooledB = 0;
        for (int i = 0; i < countsA.length; i++) {
            double binTotal = countsA[i] + countsB[i];
            if (binTotal == 0) {
                continue;
            }
            if (Math.min(shareA, shareB) * binTotal < MIN_EXPECTED) {
                pooledA += countsA[i];
                pooledB += countsB[i];
            } else {
                a[bins] = countsA[i];
                b[bins] = countsB[i];
                bins++;
            }
        }
        if (pooledA + pooledB > 0) {
            a[bins] = pooledA;
            b[bins] = pooledB;
            bins++;
        }
        if (bins < 2) {
            return new Result(0, 0, 1);
        }
        double x2 = 0;
        for (int i = 0; i < bins; i++) {
            double binTotal = a[i] + b[i];
            double ea = binTotal * shareA;
            double eb = binTotal * shareB;
            x2 += (a[i] - ea) * (a[i] - ea) / ea + (b[i] - eb) * (b[i] - eb) / eb;
        }
        int df = bins - 1;
        return new Result(x2, df, SpecialFunctions.chiSquareSurvival(x2, df));
    }

    private static void check(double c) {
        if (!(c >= 0) || Double.isInfinite(c)) {
            throw new IllegalArgumentException("counts must be finite and >= 0, found " + c);
        }
    }
}
