package io.modelwatch.stats;

/**
 * P(X >= k) for X ~ Poisson(lambda), the tail that data-quality checks use for "more bad values
 * than the reference rate explains". It equals the regularised lower incomplete gamma function
 * P(k, lambda) (Abramowitz & Stegun 6.5.2 with 26.4.21), computed with the series for
 * lambda < k + 1 and Lentz's continued fraction otherwise (Press et al., Numerical Recipes,
 * 3rd ed., section 6.2), so small expected counts get exact tails rather than a normal
 * approximation that is badly wrong there.
 *
 * <p>A binomial count with small rate p over n trials is approximated by Poisson(n p): the
 * approximation is conservative enough for the rare-event rates (at most a few percent) it
 * is used for (Le Cam's bound: total variation below n p^2).
 */
public final class PoissonTail {
    private static final int MAX_ITERATIONS = 10_000;
    private static final double EPS = 1e-15;
    private static final double FPMIN = Double.MIN_NORMAL / EPS;

    private PoissonTail() {}

    /** P(X >= k); 1 for k <= 0. */
    public static double atLeast(long k, double lambda) {
        if (lambda < 0 || Double.isNaN(lambda)) {
            throw new IllegalArgumentException("lambda must be >= 0: " + lambda);
        }
        if (k <= 0) {
            return 1.0;
        }
        if (lambda == 0) {
            return 0.0;
        }
        return regularizedGammaP(k, lambda);
    }

    /** Regularised lower incomplete gamma P(a, x). */
    static double regularizedGammaP(double a, double x) {
        if (x < a + 1) {
            double sum = 1.0 / a;
            double term = sum;
            double ap = a;
            for (int n = 0; n < MAX_ITERATIONS; n++) {
                ap += 1;
                term *= x / ap;
                sum += term;
                if (Math.abs(term) < Math.abs(sum) * EPS) {
                    break;
                }
            }
            return Math.min(1.0, sum * Math.exp(-x + a * Math.log(x) - logGamma(a)));
        }
        // Q(a, x) by the continued fraction, P = 1 - Q.
        double b = x + 1 - a;
        double c = 1 / FPMIN;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < MAX_ITERATIONS; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.abs(d) < FPMIN) d = FPMIN;
            c = b + an / c;
            if (Math.abs(c) < FPMIN) c = FPMIN;
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < EPS) {
                break;
            }
        }
        double q = Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
        return Math.max(0.0, 1.0 - q);
    }

    /** ln Gamma(x) for x > 0, Lanczos approximation (g = 7, n = 9), relative error below 1e-13. */
    static double logGamma(double x) {
        double[] g = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7};
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        x -= 1;
        double a = g[0];
        double t = x + 7.5;
        for (int i = 1; i < 9; i++) {
            a += g[i] / (x + i);
        }
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
    }
}
