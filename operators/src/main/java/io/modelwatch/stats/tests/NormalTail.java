package io.modelwatch.stats.tests;

/**
 * Upper tail of the standard normal, P(Z >= z) = erfc(z / sqrt 2) / 2, with
 * erfc(x) = Q(1/2, x^2) (the regularised upper incomplete gamma; Abramowitz & Stegun 7.1.2 and
 * 6.5.17), accurate far into the tail where p-values of 1e-6 and below are decided.
 */
public final class NormalTail {
    private NormalTail() {}

    public static double upper(double z) {
        if (Double.isNaN(z)) {
            return Double.NaN;
        }
        if (z < 0) {
            return 1 - upper(-z);
        }
        if (z == 0) {
            return 0.5;
        }
        return 0.5 * upperGammaHalf(z * z / 2);
    }

    /** Q(1/2, x), by the continued fraction for large x, where 1 - P would lose the tail's digits. */
    private static double upperGammaHalf(double x) {
        return SpecialFunctions.regularizedGammaQ(0.5, x);
    }
}
