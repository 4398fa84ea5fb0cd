package io.modelwatch.stats.tests;

/**
 * Did a rank correlation change between two independent samples? Fisher's z transform of each,
 * {@code z = atanh(r)}, is close to normal with a variance that does not depend on the
 * correlation; for Spearman's coefficient that variance is {@code 1.06 / (n - 3)} (Fieller,
 * Hartley and Pearson, "Tests for rank correlation coefficients. I", Biometrika 44, 1957),
 * against {@code 1 / (n - 3)} for Pearson's r on normal data. The two samples' z difference over
 * its standard error {@code sqrt(1.06/(n1-3) + 1.06/(n2-3))} is then a standard normal under
 * "no change", and the p-value is its two-sided tail.
 */
public final class CorrelationChange {
    /** Fieller, Hartley and Pearson's variance factor of Spearman's z. */
    public static final double SPEARMAN_VARIANCE_FACTOR = 1.06;

    private CorrelationChange() {}

    /** Fisher's z of {@code r}, with |r| held below 1 so a perfect correlation stays finite. */
    public static double fisherZ(double r) {
        double c = Math.max(-0.999999, Math.min(0.999999, r));
        return 0.5 * Math.log((1 + c) / (1 - c));
    }

    /** The z statistic of the change from {@code r1} (n1 pairs) to {@code r2} (n2 pairs). */
    public static double statistic(double r1, long n1, double r2, long n2) {
        double se = Math.sqrt(SPEARMAN_VARIANCE_FACTOR / (n1 - 3) + SPEARMAN_VARIANCE_FACTOR / (n2 - 3));
        return (fisherZ(r2) - fisherZ(r1)) / se;
    }

    /** Two-sided p-value of the change; 1 with fewer than 4 pairs on either side or an undefined r. */
    public static double pValue(double r1, long n1, double r2, long n2) {
        if (n1 < 4 || n2 < 4 || Double.isNaN(r1) || Double.isNaN(r2)) {
            return 1;
        }
        return Math.min(1, 2 * NormalTail.upper(Math.abs(statistic(r1, n1, r2, n2))));
    }
}
