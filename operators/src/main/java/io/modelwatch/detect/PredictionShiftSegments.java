package io.modelwatch.detect;

import io.modelwatch.stats.profiles.PredictionSegments;
import io.modelwatch.stats.profiles.SegmentPlan;
import io.modelwatch.stats.tests.BenjaminiHochberg;
import io.modelwatch.stats.tests.NormalTail;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which segments explain a window's prediction drift? Run only on a window whose prediction
 * already flagged ({@code PREDICTION_DRIFT}); it names where, not whether.
 *
 * <p><b>Decomposition.</b> The mean prediction of a span is the share-weighted mean of its
 * segments' means, {@code M = sum_s w_s m_s}, over the segments of one feature (with the rest of
 * its traffic as one more part). The change from the reference (0) to the window (1) splits
 * exactly into one term per part, Kitagawa's (1955) symmetric decomposition of a difference of
 * two weighted means ("Components of a difference between two rates", JASA 50; Das Gupta,
 * <em>Standardization and Decomposition of Rates</em>, 1993):
 * <pre>
 *   M1 - M0 = sum_s [ wbar_s (m1_s - m0_s)  +  (mbar_s - Mbar) (w1_s - w0_s) ]
 * </pre>
 * with {@code wbar_s}, {@code mbar_s} and {@code Mbar} the averages of reference and window: the
 * first term is the segment's own change at its average share (the rate effect), the second the
 * mix effect of its share changing. The shares sum to 1 on both sides, so their changes sum to 0
 * and centring the mix term on the overall mean {@code Mbar} leaves the sum unchanged; it makes a
 * segment's term independent of the predictions' origin (without it, adding a constant to every
 * prediction would move mix terms between segments). A segment's <em>contribution</em> is its
 * term, and the share of the shift it <em>explains</em> is contribution / (M1 - M0).
 *
 * <p><b>Test.</b> Per segment with at least {@link #MIN_SEGMENT_EVENTS} events in both the
 * reference and the window, two one-sided Welch z-tests in the direction of the shift: (a) the
 * segment's window mean against its reference mean; (b) its change against the change of the
 * rest of the span (the rest of both sides: a difference in differences, with the four sample
 * variances). (a) says the segment's predictions moved, (b) that they moved more than the others':
 * a shift spread evenly over all traffic moves every segment (a) but none stands out (b). The
 * segment's p-value is the larger of the two, the intersection-union test of both (Berger 1982,
 * valid at the level of each without adjustment). The p-values of all tested segments are adjusted
 * by Benjamini-Hochberg; a segment is named when its adjusted p-value is at most {@link #FDR} and
 * it explains part of the shift (contribution of the shift's sign). Named segments are ranked by
 * the share of the shift they explain; at most {@link #MAX_NAMED}.
 *
 * <p>With at least 30 events on each side Welch's statistic is read on the normal distribution (as
 * {@link SegmentDecay} does): at 30 degrees of freedom the t and normal tails at 0.05 differ by a
 * few percent of the p-value, and segments that matter have hundreds of events.
 */
public final class PredictionShiftSegments {
    /** Fewer events than this on either side and a segment is not tested (as the performance segments' 30 labels). */
    public static final int MIN_SEGMENT_EVENTS = 30;
    /** The false discovery rate of named segments: the textbook 5%, as for the performance segments. */
    public static final double FDR = 0.05;
    /** At most this many segments are named per window. */
    public static final int MAX_NAMED = 3;

    private PredictionShiftSegments() {}

    /**
     * A segment that explains part of the shift.
     *
     * @param before the segment's mean in the reference
     * @param after its mean in the window
     * @param referenceShare its share of the reference's events
     * @param share its share of the window's events
     * @param pValue the adjusted p-value (Benjamini-Hochberg over the window's tested segments)
     * @param contribution its term of the decomposition, in the prediction's units (signed)
     * @param explained contribution / (M1 - M0)
     */
    public record Finding(String feature, String value, double before, double after, double referenceShare,
            double share, long events, double pValue, double contribution, double explained) {
        public String name() {
            return feature + "=" + value;
        }
    }

    /**
     * What the window's segments say: the means of all events, how many segments were tested, and
     * the named ones (empty when no segment stands out).
     */
    public record Result(double referenceMean, double windowMean, int tested, List<Finding> named) {}

    /** A segment's term of Kitagawa's decomposition, centred on the overall mean (see the class comment). */
    static double contribution(double w0, double m0, double w1, double m1, double overall0, double overall1) {
        double mix = (m0 + m1) / 2 - (overall0 + overall1) / 2;
        return (w0 + w1) / 2 * (m1 - m0) + mix * (w1 - w0);
    }

    /**
     * The segments of {@code window} that explain its mean's shift from {@code reference}, most
     * explaining first; null when either side has no event with a prediction.
     */
    public static Result explain(SegmentPlan plan, PredictionSegments reference, PredictionSegments window) {
        if (reference == null || window == null || reference.segments() != plan.cellCount()
                || window.segments() != plan.cellCount() || reference.total() < 2 || window.total() < 2) {
            return null;
        }
        int all = plan.cellCount();
        double n0 = reference.total();
        double n1 = window.total();
        double mean0 = reference.sum(all) / n0;
        double mean1 = window.sum(all) / n1;
        double shift = mean1 - mean0;
        double direction = Math.signum(shift);
        List<Finding> tested = new ArrayList<>();
        List<Double> raw = new ArrayList<>();
        for (int c = 0; c < all; c++) {
            Part r = Part.of(reference, c);
            Part w = Part.of(window, c);
            Part restR = Part.rest(reference, c);
            Part restW = Part.rest(window, c);
            if (r.n < MIN_SEGMENT_EVENTS || w.n < MIN_SEGMENT_EVENTS || restR.n < MIN_SEGMENT_EVENTS
                    || restW.n < MIN_SEGMENT_EVENTS) {
                continue;
            }
            double own = w.mean - r.mean;
            double rest = restW.mean - restR.mean;
            double pOwn = oneSided(direction * own, r.variance / r.n + w.variance / w.n);
            double pApart = oneSided(direction * (own - rest),
                    r.variance / r.n + w.variance / w.n + restR.variance / restR.n + restW.variance / restW.n);
            double contribution = contribution(r.n / n0, r.mean, w.n / n1, w.mean, mean0, mean1);
            tested.add(new Finding(plan.feature(c), plan.value(c), r.mean, w.mean, r.n / n0, w.n / n1, (long) w.n,
                    Math.max(pOwn, pApart), contribution, shift == 0 ? 0 : contribution / shift));
            raw.add(Math.max(pOwn, pApart));
        }
        if (tested.isEmpty()) {
            return new Result(mean0, mean1, 0, List.of());
        }
        double[] adjusted = BenjaminiHochberg.adjust(raw.stream().mapToDouble(Double::doubleValue).toArray());
        List<Finding> named = new ArrayList<>();
        for (int i = 0; i < tested.size(); i++) {
            Finding f = tested.get(i);
            if (shift != 0 && adjusted[i] <= FDR && f.explained() > 0) {
                named.add(new Finding(f.feature(), f.value(), f.before(), f.after(), f.referenceShare(), f.share(),
                        f.events(), adjusted[i], f.contribution(), f.explained()));
            }
        }
        named.sort(Comparator.comparingDouble(Finding::explained).reversed().thenComparing(Finding::name));
        return new Result(mean0, mean1, tested.size(),
                named.size() > MAX_NAMED ? List.copyOf(named.subList(0, MAX_NAMED)) : List.copyOf(named));
    }

    /** One-sided p-value of a difference {@code d} (positive: in the shift's direction) with variance {@code v}. */
    private static double oneSided(double d, double v) {
        if (v > 0) {
            return NormalTail.upper(d / Math.sqrt(v));
        }
        return d > 0 ? 0 : 1;
    }

    /** Count, mean and sample variance of a segment, or of all events but it. */
    private record Part(double n, double mean, double variance) {
        static Part of(PredictionSegments s, int c) {
            return from(s.count(c), s.sum(c), s.sumOfSquares(c));
        }

        static Part rest(PredictionSegments s, int c) {
            int all = s.segments();
            return from(s.count(all) - s.count(c), s.sum(all) - s.sum(c), s.sumOfSquares(all) - s.sumOfSquares(c));
        }

        private static Part from(double n, double sum, double squares) {
            if (n < 2) {
                return new Part(n, n > 0 ? sum / n : 0, 0);
            }
            double mean = sum / n;
            return new Part(n, mean, Math.max(0, (squares - n * mean * mean) / (n - 1)));
        }
    }
}
