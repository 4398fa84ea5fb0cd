package io.modelwatch.detect;

import io.modelwatch.config.Thresholds;
import io.modelwatch.stats.profiles.PerformanceAccumulator;
import io.modelwatch.stats.profiles.SegmentCounts;
import io.modelwatch.stats.profiles.SegmentCounts.Counts;
import io.modelwatch.stats.tests.BenjaminiHochberg;
import io.modelwatch.stats.tests.FisherExact;
import io.modelwatch.stats.tests.NormalTail;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Which segments explain a window's performance decay? Run only on a window already found decayed
 * ({@link PerformanceDecay}); it names where, not whether.
 *
 * <p>Per segment ({@code feature=value}) with at least {@link #MIN_SEGMENT_LABELS} labels in the
 * window, its error is compared with a <em>baseline</em>: the same segment in the performance
 * reference when the reference has at least {@link #MIN_SEGMENT_LABELS} of its labels, otherwise
 * the rest of the window (a segment new since the reference, or too rare in it). The tests are
 * one-sided ("worse than the baseline"):
 * <ul>
 *   <li>classification: the two-proportion z-test with pooled variance (Agresti 2002, section
 *       3.1.3; Fleiss et al. 2003, section 2.5), or Fisher's exact test ({@link FisherExact})
 *       when an expected cell count under the pooled rate is below 5 (Cochran's rule), where the
 *       normal approximation is not sound;
 *   <li>regression: Welch's z-test on the mean absolute errors, as {@link PerformanceDecay}.
 * </ul>
 * The p-values of the window's tested segments are adjusted by Benjamini-Hochberg; a segment is
 * named when its adjusted p-value is at most {@link #FDR} and its error rose. Named segments are
 * ranked by their <em>contribution</em>: share of the window's labels times the rise of their
 * error (for a regression divided by the reference MAE, the unit of {@code mae_increase}). The
 * contributions of one feature's segments add up to the window's rise when the baseline is the
 * reference and the shares are unchanged, so the first segment is the one that explains most.
 */
public final class SegmentDecay {
    /**
     * Fewer labels than this in a segment and it is not tested: with 30 labels an error rate has a
     * standard error of up to 0.09, so only a segment that went from right to wrong could be
     * significant, and a segment that small holds a sliver of the window (30 of the 200 labels
     * {@code minLabels} asks for); the usual rule of thumb for a normal approximation too.
     */
    public static final int MIN_SEGMENT_LABELS = 30;
    /**
     * The false discovery rate of named segments: the textbook 5%. The window is already
     * significantly worse (at {@code quality.pValue}); this controls how many of the segments
     * blamed for it are noise, so on average fewer than one in twenty named segments is.
     */
    public static final double FDR = 0.05;
    /** At most this many segments are named per window: the evidence stays readable. */
    public static final int MAX_NAMED = 3;

    public static final String ERROR_RATE = "error_rate";
    public static final String MAE = "mae";
    public static final String BASELINE_REFERENCE = "reference";
    public static final String BASELINE_REST = "rest_of_window";

    private SegmentDecay() {}

    /** A segment's name: one feature and one of its values, or one of its quartile bins ({@code [a, b)}). */
    public record Segment(String feature, String value) {
        public String name() {
            return feature + "=" + value;
        }
    }

    /**
     * A segment that explains part of the decay.
     *
     * @param before the baseline's error (error rate or MAE)
     * @param after the segment's error in the window
     * @param share the segment's share of the window's labels (of its problem type)
     * @param pValue the Benjamini-Hochberg adjusted one-sided p-value
     * @param contribution share x rise of the error (relative to the reference MAE for a regression)
     */
    public record Finding(Segment segment, String metric, double before, double after, String baseline,
            long labeled, double share, double pValue, double contribution) {}

    /**
     * The named segments of {@code window}, most explaining first (at most {@link #MAX_NAMED});
     * empty when none passes. {@code names} maps a segment hash to its name; hashes without a name
     * are not tested.
     */
    public static List<Finding> explain(SegmentCounts window, SegmentCounts reference, PerformanceAccumulator windowTotal,
            PerformanceAccumulator referenceTotal, Map<Integer, Segment> names) {
        List<Finding> tested = new ArrayList<>();
        List<Double> raw = new ArrayList<>();
        for (Map.Entry<Integer, Counts> e : window.segments().entrySet()) {
            Segment segment = names.get(e.getKey());
            if (segment == null) {
                continue;
            }
            Counts w = e.getValue();
            Counts r = reference == null ? null : reference.get(e.getKey());
            Finding f = w.classified >= w.regressed
                    ? classification(segment, w, r, windowTotal)
                    : regression(segment, w, r, windowTotal, referenceTotal);
            if (f != null) {
                tested.add(f);
                raw.add(f.pValue());
            }
        }
        if (tested.isEmpty()) {
            return List.of();
        }
        double[] adjusted = BenjaminiHochberg.adjust(raw.stream().mapToDouble(Double::doubleValue).toArray());
        List<Finding> named = new ArrayList<>();
        for (int i = 0; i < tested.size(); i++) {
            Finding f = tested.get(i);
            if (adjusted[i] <= FDR && f.after() > f.before() && f.contribution() > 0) {
                named.add(new Finding(f.segment(), f.metric(), f.before(), f.after(), f.baseline(), f.labeled(),
                        f.share(), adjusted[i], f.contribution()));
            }
        }
        named.sort(Comparator.comparingDouble(Finding::contribution).reversed()
                .thenComparing(f -> f.segment().name()));
        return named.size() > MAX_NAMED ? List.copyOf(named.subList(0, MAX_NAMED)) : named;
    }

    private static Finding classification(Segment segment, Counts w, Counts r, PerformanceAccumulator total) {
        if (w.classified < MIN_SEGMENT_LABELS || total.classified() == 0) {
            return null;
        }
        long k0;
        long n0;
        String baseline;
        if (r != null && r.classified >= MIN_SEGMENT_LABELS) {
            k0 = r.errors;
            n0 = r.classified;
            baseline = BASELINE_REFERENCE;
        } else {
            n0 = total.classified() - w.classified;
            k0 = total.errors() - w.errors;
            baseline = BASELINE_REST;
            if (n0 < MIN_SEGMENT_LABELS || k0 < 0) {
                return null;
            }
        }
        double before = (double) k0 / n0;
        double after = (double) w.errors / w.classified;
        double share = (double) w.classified / total.classified();
        return new Finding(segment, ERROR_RATE, before, after, baseline, w.classified, share,
                higherRate(k0, n0, w.errors, w.classified), share * (after - before));
    }

    private static Finding regression(Segment segment, Counts w, Counts r, PerformanceAccumulator total,
            PerformanceAccumulator referenceTotal) {
        if (w.regressed < MIN_SEGMENT_LABELS || total.regressed() == 0 || referenceTotal == null
                || referenceTotal.absoluteError().mean() <= 0) {
            return null;
        }
        double n0;
        double sum0;
        double squares0;
        String baseline;
        if (r != null && r.regressed >= MIN_SEGMENT_LABELS) {
            n0 = r.regressed;
            sum0 = r.absoluteErrorSum;
            squares0 = r.squaredAbsoluteErrorSum;
            baseline = BASELINE_REFERENCE;
        } else {
            var all = total.absoluteError();
            n0 = all.count() - w.regressed;
            sum0 = all.mean() * all.count() - w.absoluteErrorSum;
            squares0 = (all.variance() * (all.count() - 1) + all.mean() * all.mean() * all.count())
                    - w.squaredAbsoluteErrorSum;
            baseline = BASELINE_REST;
            if (n0 < MIN_SEGMENT_LABELS) {
                return null;
            }
        }
        double n1 = w.regressed;
        double before = sum0 / n0;
        double after = w.absoluteErrorSum / n1;
        double variance0 = Math.max(0, (squares0 - n0 * before * before) / (n0 - 1));
        double variance1 = Math.max(0, (w.squaredAbsoluteErrorSum - n1 * after * after) / (n1 - 1));
        double share = n1 / total.regressed();
        return new Finding(segment, MAE, before, after, baseline, w.regressed, share,
                higherMean(before, variance0, n0, after, variance1, n1),
                share * (after - before) / referenceTotal.absoluteError().mean());
    }

    /**
     * One-sided p-value of "the second rate ({@code k1} of {@code n1}) is higher than the first
     * ({@code k0} of {@code n0})": the pooled two-proportion z-test, or Fisher's exact test when an
     * expected count under the pooled rate is below 5.
     */
    public static double higherRate(long k0, long n0, long k1, long n1) {
        double pooled = (double) (k0 + k1) / (n0 + n1);
        double smallestExpected = Math.min(Math.min(n0, n1) * pooled, Math.min(n0, n1) * (1 - pooled));
        if (smallestExpected < 5) {
            return FisherExact.greater(k0, n0, k1, n1);
        }
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / n0 + 1.0 / n1));
        double rise = (double) k1 / n1 - (double) k0 / n0;
        return se > 0 ? NormalTail.upper(rise / se) : (rise > 0 ? 0 : 1);
    }

    /** One-sided p-value of "the second mean is higher": Welch's z-test. */
    public static double higherMean(double mean0, double variance0, double n0, double mean1, double variance1,
            double n1) {
        double se = Math.sqrt(variance0 / n0 + variance1 / n1);
        double rise = mean1 - mean0;
        return se > 0 ? NormalTail.upper(rise / se) : (rise > 0 ? 0 : 1);
    }

    /**
     * The floor a segment's contribution is shown against in a trigger's evidence: its metric's
     * decay floor, the same as the window's own entry, so that the window's entry (its whole rise)
     * comes first and the segments follow in the order of their contributions.
     */
    public static double contributionFloor(String metric, Thresholds t) {
        return ERROR_RATE.equals(metric) ? t.accuracyDrop() : t.errorIncrease();
    }
}
