package io.modelwatch.stats;

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

    /** Q(1/2, x) computed directly from the continued fraction for large x, where 1 - P loses precision. */
    private static double upperGammaHalf(double x) {
        if (x < 1.5) {
            return 1 - PoissonTail.regularizedGammaP(0.5, x);
        }
        double a = 0.5;
        double b = x + 1 - a;
        double fpmin = Double.MIN_NORMAL / 1e-15;
        double c = 1 / fpmin;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < 10_000; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.abs(d) < fpmin) d = fpmin;
            c = b + an / c;
            if (Math.abs(c) < fpmin) c = fpmin;
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < 1e-15) {
                break;
            }
        }
        return Math.exp(-x + a * Math.log(x) - PoissonTail.logGamma(a)) * h;
    }
}
