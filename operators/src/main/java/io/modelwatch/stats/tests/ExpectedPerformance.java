package io.modelwatch.stats.tests;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * Confidence-based performance estimation (CBPE, NannyML: "Estimation of Performance of Binary
 * Classification Models", docs.nannyml.com, "How it works: Confidence-based Performance
 * Estimation"): the performance a binary classifier is expected to have on a set of predictions
 * whose labels are not known, from its scores alone. If the score {@code p} of an event is its
 * calibrated probability of being positive (P(y = 1 | score) = p, which covariate shift leaves
 * alone), the event's outcome is Bernoulli(p), and the confusion matrix at the decision threshold
 * {@code t} has the expectations
 *
 * <pre>
 *   E[TP] = sum over s_i >= t of p_i      E[FP] = sum over s_i >= t of (1 - p_i)
 *   E[FN] = sum over s_i <  t of p_i      E[TN] = sum over s_i <  t of (1 - p_i)
 * </pre>
 *
 * where {@code s_i} is the raw score (the model decides on it) and {@code p_i} its calibrated
 * probability ({@code p_i = s_i} when the scores are trusted as they are). Expected accuracy,
 * precision, recall and F1 are taken from these expectations (a ratio of expectations, as NannyML
 * does). Expected ROC AUC is the area under the curve of expected true and false positive rates
 * over all thresholds (NannyML's CBPE for {@code roc_auc}), which summed by ranks is the
 * Mann-Whitney form with each event counting {@code p_i} as a positive and {@code 1 - p_i} as a
 * negative:
 *
 * <pre>
 *   AUC = sum_i sum_j p_i (1 - p_j) ([s_i > s_j] + [s_i = s_j] / 2) / (sum_i p_i * sum_j (1 - p_j))
 * </pre>
 *
 * <p>Confidence intervals (95%, {@link #Z}) are for the metric the labels will show, given the
 * scores: the outcomes are independent Bernoulli(p_i), so
 *
 * <ul>
 *   <li>accuracy: the number correct is a sum of Bernoulli(c_i), c_i = p_i or 1 - p_i, with
 *       variance {@code sum p_i (1 - p_i)} (exact; divided by n^2);
 *   <li>precision: TP over the predicted positives, a fixed number P given the scores: variance
 *       {@code sum over s_i >= t of p_i (1 - p_i) / P^2} (exact);
 *   <li>recall A / (A + B) and F1 2A / (P + A + B), with A = TP and B = FN independent sums of
 *       Bernoullis: the delta method (first-order Taylor expansion at their expectations);
 *   <li>AUC: Hanley and McNeil's (1982) standard error with the expected numbers of positives
 *       ({@code sum p_i}) and negatives ({@code sum 1 - p_i}).
 * </ul>
 *
 * <p>{@link Estimate#accuracyStandardError} is something else: the standard error of the
 * <em>estimate</em> as a mean over a sample of events, {@code sqrt(var(c) / n)}, for comparing the
 * estimate of a window with that of the reference (both are samples of scores).
 *
 * <p>Input is a weighted sample of scores: each score stands for {@code weight} events (a KLL
 * sketch's retained items, or quantiles of a reference). Cost: O(m log m) for m scores (the sort
 * for AUC), once per window.
 */
public final class ExpectedPerformance {
    /** Two-sided 95% normal quantile. */
    public static final double Z = 1.959963984540054;

    private ExpectedPerformance() {}

    /** A metric's expected value, its 95% interval (clamped to [0, 1]) and the standard deviation it is made of. */
    public record Interval(double value, double lower, double upper, double sd) {
        static Interval of(double value, double sd) {
            return new Interval(value, Math.max(0, value - Z * sd), Math.min(1, value + Z * sd), sd);
        }
    }

    /**
     * The expected performance of a set of events.
     *
     * @param events the total weight
     * @param accuracyStandardError standard error of {@code accuracy.value()} as the mean of the
     *     per-event expected correctness over a sample of events
     * @param precision null without predicted positives; recall null without expected positives; F1
     *     null when both are null; AUC null without expected positives or negatives
     */
    public record Estimate(double events, double expectedTruePositives, double expectedFalsePositives,
            double expectedFalseNegatives, double expectedTrueNegatives, Interval accuracy,
            double accuracyStandardError, Interval precision, Interval recall, Interval f1, Interval auc) {}

    /** {@link #estimate(double[], double[], double, DoubleUnaryOperator)} with the scores trusted as they are. */
    public static Estimate estimate(double[] scores, double[] weights, double threshold) {
        return estimate(scores, weights, threshold, DoubleUnaryOperator.identity());
    }

    /**
     * @param scores raw scores in [0, 1]
     * @param weights how many events each score stands for (positive)
     * @param threshold the model's decision threshold: positive when {@code score >= threshold}
     * @param calibration maps a raw score to the probability of the positive class
     * @return null when there are no events
     */
    public static Estimate estimate(double[] scores, double[] weights, double threshold,
            DoubleUnaryOperator calibration) {
        double[] p = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            p[i] = calibration.applyAsDouble(scores[i]);
        }
        return estimate(scores, weights, threshold, p);
    }

    /**
     * As {@link #estimate(double[], double[], double, DoubleUnaryOperator)}, with each score's
     * probability of the positive class given ({@code probabilities[i]} for {@code scores[i]},
     * clamped to [0, 1]).
     */
    static Estimate estimate(double[] scores, double[] weights, double threshold, double[] probabilities) {
        int m = scores.length;
        double n = 0;
        double tp = 0;
        double fp = 0;
        double fn = 0;
        double tn = 0;
        double varPos = 0;
        double varNeg = 0;
        double predictedPositive = 0;
        double[] p = new double[m];
        for (int i = 0; i < m; i++) {
            double w = weights[i];
            double pi = Math.min(1, Math.max(0, probabilities[i]));
            p[i] = pi;
            n += w;
            if (scores[i] >= threshold) {
                predictedPositive += w;
                tp += w * pi;
                fp += w * (1 - pi);
                varPos += w * pi * (1 - pi);
            } else {
                fn += w * pi;
                tn += w * (1 - pi);
                varNeg += w * pi * (1 - pi);
            }
        }
        if (n <= 0) {
            return null;
        }
        double acc = (tp + tn) / n;
        Interval accuracy = Interval.of(acc, Math.sqrt(varPos + varNeg) / n);
        double spread = 0;
        for (int i = 0; i < m; i++) {
            double c = scores[i] >= threshold ? p[i] : 1 - p[i];
            spread += weights[i] * (c - acc) * (c - acc);
        }
        double accuracySe = Math.sqrt(spread / n / n);
        Interval precision = predictedPositive > 0
                ? Interval.of(tp / predictedPositive, Math.sqrt(varPos) / predictedPositive) : null;
        double a = tp;
        double b = fn;
        Interval recall = null;
        if (a + b > 0) {
            double d = a + b;
            recall = Interval.of(a / d, Math.sqrt(b * b * varPos + a * a * varNeg) / (d * d));
        }
        Interval f1 = null;
        double f1Denominator = predictedPositive + a + b;
        if (f1Denominator > 0) {
            double da = 2 * (predictedPositive + b);
            double db = -2 * a;
            f1 = Interval.of(2 * a / f1Denominator,
                    Math.sqrt(da * da * varPos + db * db * varNeg) / (f1Denominator * f1Denominator));
        }
        return new Estimate(n, tp, fp, fn, tn, accuracy, accuracySe, precision, recall, f1, auc(scores, weights, p));
    }

    /** The expected AUC (see the class comment) with Hanley and McNeil's standard error; null if undefined. */
    static Interval auc(double[] scores, double[] weights, double[] p) {
        int m = scores.length;
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(scores[x], scores[y]));
        double positives = 0;
        double negatives = 0;
        double concordant = 0;
        double negativesBelow = 0;
        int i = 0;
        while (i < m) {
            // A run of equal scores: its negatives count half against its own positives.
            int j = i;
            double runPositives = 0;
            double runNegatives = 0;
            while (j < m && scores[order[j]] == scores[order[i]]) {
                int k = order[j];
                runPositives += weights[k] * p[k];
                runNegatives += weights[k] * (1 - p[k]);
                j++;
            }
            concordant += runPositives * (negativesBelow + runNegatives / 2);
            negativesBelow += runNegatives;
            positives += runPositives;
            negatives += runNegatives;
            i = j;
        }
        if (positives <= 0 || negatives <= 0) {
            return null;
        }
        double auc = concordant / (positives * negatives);
        return Interval.of(auc, hanleyMcNeilStandardError(auc, positives, negatives));
    }

    /**
     * Hanley and McNeil (1982), "The meaning and use of the area under a ROC curve", eq. 2: the
     * standard error of an AUC {@code a} from {@code n1} positives and {@code n2} negatives.
     */
    public static double hanleyMcNeilStandardError(double a, double n1, double n2) {
        double q1 = a / (2 - a);
        double q2 = 2 * a * a / (1 + a);
        double v = (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n2 - 1) * (q2 - a * a)) / (n1 * n2);
        return Math.sqrt(Math.max(0, v));
    }
}
