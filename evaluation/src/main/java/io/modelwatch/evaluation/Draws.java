package io.modelwatch.evaluation;

import java.util.SplittableRandom;

/** Random variates from their textbook constructions; all take the caller's seeded generator. */
final class Draws {
    private Draws() {}

    static double normal(SplittableRandom r, double mean, double sd) {
        return mean + sd * r.nextGaussian();
    }

    static double logNormal(SplittableRandom r, double mu, double sigma) {
        return Math.exp(mu + sigma * r.nextGaussian());
    }

    static double exponential(SplittableRandom r, double mean) {
        return -mean * Math.log(1 - r.nextDouble());
    }

    /** Standard Cauchy: tan of a uniform angle. No mean, no variance. */
    static double cauchy(SplittableRandom r) {
        return Math.tan(Math.PI * (r.nextDouble() - 0.5));
    }

    /** Pareto with minimum {@code xm} and tail index {@code alpha} by inversion; infinite variance for alpha <= 2. */
    static double pareto(SplittableRandom r, double xm, double alpha) {
        return xm / Math.pow(1 - r.nextDouble(), 1 / alpha);
    }

    /** Student's t with {@code nu} degrees of freedom: Z / sqrt(chi2(nu) / nu), nu integer. */
    static double studentT(SplittableRandom r, int nu) {
        double chi2 = 0;
        for (int i = 0; i < nu; i++) {
            double z = r.nextGaussian();
            chi2 += z * z;
        }
        return r.nextGaussian() / Math.sqrt(chi2 / nu);
    }

    /** Poisson: Knuth's product of uniforms below 30, a rounded normal above (never used for small means). */
    static int poisson(SplittableRandom r, double mean) {
        if (mean > 30) {
            return (int) Math.max(0, Math.round(normal(r, mean, Math.sqrt(mean))));
        }
        double limit = Math.exp(-mean);
        double product = r.nextDouble();
        int k = 0;
        while (product > limit) {
            product *= r.nextDouble();
            k++;
        }
        return k;
    }

    /** Negative binomial as a gamma-Poisson mixture with integer shape. */
    static int negativeBinomial(SplittableRandom r, int shape, double mean) {
        double gamma = 0;
        for (int i = 0; i < shape; i++) {
            gamma += exponential(r, 1);
        }
        return poisson(r, gamma * mean / shape);
    }

    /** Index drawn from weights summing to 1. */
    static int pick(SplittableRandom r, double[] weights) {
        double u = r.nextDouble();
        double c = 0;
        for (int i = 0; i < weights.length - 1; i++) {
            c += weights[i];
            if (u < c) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /** Cumulative weights of Zipf(s) over n ranks, normalised to 1. */
    static double[] zipfCumulative(int n, double s) {
        double[] c = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1 / Math.pow(i + 1, s);
            c[i] = sum;
        }
        for (int i = 0; i < n; i++) {
            c[i] /= sum;
        }
        return c;
    }

    /** Rank drawn from cumulative weights, by binary search. */
    static int fromCumulative(SplittableRandom r, double[] cumulative) {
        double u = r.nextDouble();
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** Scores as models emit them: four decimals. */
    static double score(double z) {
        return Math.round(sigmoid(z) * 1e4) / 1e4;
    }
}
