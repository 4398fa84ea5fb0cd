package io.modelwatch.stats.tests;

/**
 * P(X >= k) for X ~ Poisson(lambda), the tail that data-quality checks use for "more bad values
 * than the reference rate explains". It equals the regularised lower incomplete gamma function
 * P(k, lambda) (Abramowitz & Stegun 6.5.2 with 26.4.21; computed by {@link SpecialFunctions}),
 * so small expected counts get exact tails rather than a normal approximation that is badly
 * wrong there.
 *
 * <p>A binomial count with small rate p over n trials is approximated by Poisson(n p): the
 * approximation is conservative enough for the rare-event rates (at most a few percent) it
 * is used for (Le Cam's bound: total variation below n p^2).
 */
public final class PoissonTail {

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

    /** Regularised lower incomplete gamma P(a, x) ({@link SpecialFunctions}). */
    static double regularizedGammaP(double a, double x) {
        return SpecialFunctions.regularizedGammaP(a, x);
    }

    static double logGamma(double x) {
        return SpecialFunctions.logGamma(x);
    }
}
