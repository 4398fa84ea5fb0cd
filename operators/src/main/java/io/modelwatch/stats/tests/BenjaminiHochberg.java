package io.modelwatch.stats.tests;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The Benjamini-Hochberg step-up procedure (Benjamini, Y. and Hochberg, Y. (1995), "Controlling
 * the false discovery rate: a practical and powerful approach to multiple testing", JRSS B
 * 57(1):289-300): of {@code m} p-values sorted ascending, reject the {@code k} smallest, where
 * {@code k} is the largest rank with {@code p_(k) <= k q / m}. The expected share of false
 * rejections among all rejections is then at most {@code q} for independent (and positively
 * dependent) tests; when no null hypothesis is false this is the chance of any rejection at all.
 *
 * <p>Equivalently, each test gets the adjusted p-value
 * {@code p~_(i) = min_{j >= i} min(1, m p_(j) / j)} and is rejected when {@code p~ <= q}; that is
 * the form reported, so each p-value can be read against {@code q} directly.
 */
public final class BenjaminiHochberg {
    private BenjaminiHochberg() {}

    /** Adjusted p-values, in the order of {@code pValues}. */
    public static double[] adjust(double[] pValues) {
        int m = pValues.length;
        double[] adjusted = new double[m];
        if (m == 0) {
            return adjusted;
        }
        Integer[] order = IntStream.range(0, m).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> pValues[i]));
        double running = 1;
        for (int rank = m; rank >= 1; rank--) {
            int i = order[rank - 1];
            double p = pValues[i];
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("p-values must be in [0, 1], found " + p);
            }
            running = Math.min(running, p * m / rank);
            adjusted[i] = running;
        }
        return adjusted;
    }

    /** Which hypotheses are rejected at false discovery rate {@code q}. */
    public static boolean[] reject(double[] pValues, double q) {
        double[] adjusted = adjust(pValues);
        boolean[] rejected = new boolean[adjusted.length];
        for (int i = 0; i < adjusted.length; i++) {
            rejected[i] = adjusted[i] <= q;
        }
        return rejected;
    }
}
