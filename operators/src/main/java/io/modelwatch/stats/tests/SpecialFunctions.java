package io.modelwatch.stats.tests;

/**
 * The few special functions the drift tests need, from their textbook definitions: the log-gamma
 * function and the regularised incomplete gamma function (whence the chi-square distribution),
 * the standard normal distribution, and Kolmogorov's limiting distribution.
 */
public final class SpecialFunctions {
    /**
     * Lanczos coefficients for g = 7, n = 9 (Godfrey's set, as in Press et al. 2007 and many
     * libraries): |relative error| of Gamma below 1e-15 for real arguments.
     */
    private static final double[] LANCZOS = {
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7
    };
    private static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
    private static final double EPS = 1e-15;
    private static final double FPMIN = Double.MIN_NORMAL / EPS;
    private static final int MAX_ITERATIONS = 10_000;

    private SpecialFunctions() {}

    /** ln Gamma(x) for x > 0 (Lanczos approximation; reflection below 1/2). */
    public static double logGamma(double x) {
        if (!(x > 0)) {
            throw new IllegalArgumentException("logGamma needs x > 0, was " + x);
        }
        if (x < 0.5) {
            // Gamma(x) Gamma(1 - x) = pi / sin(pi x)
            return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
        }
        double z = x - 1;
        double a = LANCZOS[0];
        double t = z + 7.5;
        for (int i = 1; i < LANCZOS.length; i++) {
            a += LANCZOS[i] / (z + i);
        }
        return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
    }

    /**
     * The regularised upper incomplete gamma function {@code Q(a, x) = Gamma(a, x) / Gamma(a)},
     * by its power series below {@code x = a + 1} and by Lentz's continued fraction above (Press,
     * Teukolsky, Vetterling and Flannery, "Numerical Recipes", 3rd ed., 2007, section 6.2): each
     * converges fast on its side of the split.
     */
    public static double regularizedGammaQ(double a, double x) {
        if (!(a > 0) || !(x >= 0)) {
            throw new IllegalArgumentException("regularizedGammaQ needs a > 0 and x >= 0, was a=" + a + ", x=" + x);
        }
        if (x == 0) {
            return 1;
        }
        if (Double.isInfinite(x)) {
            return 0;
        }
        double logPrefix = -x + a * Math.log(x) - logGamma(a);
        if (x < a + 1) {
            // P(a, x) = e^-x x^a / Gamma(a) * sum_n x^n / (a (a+1) ... (a+n))
            double ap = a;
            double del = 1 / a;
            double sum = del;
            for (int n = 0; n < MAX_ITERATIONS; n++) {
                ap += 1;
                del *= x / ap;
                sum += del;
                if (Math.abs(del) < Math.abs(sum) * EPS) {
                    break;
                }
            }
            return Math.max(0, 1 - sum * Math.exp(logPrefix));
        }
        // Q(a, x) = e^-x x^a / Gamma(a) * 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...)))
        double b = x + 1 - a;
        double c = 1 / FPMIN;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < MAX_ITERATIONS; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.abs(d) < FPMIN) {
                d = FPMIN;
            }
            c = b + an / c;
            if (Math.abs(c) < FPMIN) {
                c = FPMIN;
            }
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < EPS) {
                break;
            }
        }
        return Math.min(1, Math.exp(logPrefix) * h);
    }

    /**
     * The regularised lower incomplete gamma function {@code P(a, x) = 1 - Q(a, x)}, computed
     * directly where it is small (the series, below {@code x = a + 1}) so that tail probabilities
     * of 1e-12 keep their digits instead of vanishing in {@code 1 - Q}.
     */
    public static double regularizedGammaP(double a, double x) {
        if (!(a > 0) || !(x >= 0)) {
            throw new IllegalArgumentException("regularizedGammaP needs a > 0 and x >= 0, was a=" + a + ", x=" + x);
        }
        if (x == 0) {
            return 0;
        }
        if (x >= a + 1) {
            return Math.max(0, 1 - regularizedGammaQ(a, x));
        }
        double ap = a;
        double del = 1 / a;
        double sum = del;
        for (int n = 0; n < MAX_ITERATIONS; n++) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (Math.abs(del) < Math.abs(sum) * EPS) {
                break;
            }
        }
        return Math.min(1, sum * Math.exp(-x + a * Math.log(x) - logGamma(a)));
    }

    /** P(X > x) for X chi-square distributed with {@code df} degrees of freedom: Q(df/2, x/2). */
    public static double chiSquareSurvival(double x, double df) {
        if (!(df > 0)) {
            throw new IllegalArgumentException("degrees of freedom must be > 0, was " + df);
        }
        return x <= 0 ? 1 : regularizedGammaQ(df / 2, x / 2);
    }

    /**
     * Kolmogorov's limiting distribution, complemented: {@code Q(lambda) = P(K > lambda)} with
     * {@code K = sup |B(t)|} of a Brownian bridge (Kolmogorov 1933):
     *
     * <pre>  Q(lambda) = 2 sum_{j>=1} (-1)^(j-1) exp(-2 j^2 lambda^2)</pre>
     *
     * That alternating series converges slowly for small lambda, where the equivalent theta-function
     * form {@code 1 - sqrt(2 pi)/lambda sum_{j>=1} exp(-(2j-1)^2 pi^2 / (8 lambda^2))} converges
     * in a few terms; the two are switched at 1.18 (Press et al. 2007, section 6.14).
     */
    public static double kolmogorovSurvival(double lambda) {
        if (!(lambda > 0)) {
            return 1;
        }
        if (lambda < 1.18) {
            double y = Math.exp(-Math.PI * Math.PI / (8 * lambda * lambda));
            double sum = 0;
            for (int j = 1; j <= 6; j++) {
                sum += Math.pow(y, (2 * j - 1) * (2 * j - 1));
            }
            return Math.min(1, Math.max(0, 1 - Math.sqrt(2 * Math.PI) / lambda * sum));
        }
        double sum = 0;
        double sign = 1;
        for (int j = 1; j <= 100; j++) {
            double term = Math.exp(-2 * (double) j * j * lambda * lambda);
            sum += sign * term;
            if (term < 1e-17) {
                break;
            }
            sign = -sign;
        }
        return Math.min(1, Math.max(0, 2 * sum));
    }
}
