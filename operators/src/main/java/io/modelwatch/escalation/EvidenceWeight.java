package io.modelwatch.escalation;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.DriftStatistic;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.HealthReport.QualityFinding;
import java.util.List;

/**
 * How many of the {@code escalation.windows} (k) confirmations one signalled window counts for:
 * severity-aware escalation, defined from the window's own statistics.
 *
 * <p>With {@code escalation.weighted: false} every window counts once. Otherwise a flagged window
 * counts once, and one piece of its evidence makes it count {@code w} times
 * (at most k) when it is w-fold overwhelming in both respects that make a flag:
 * <ul>
 *   <li><b>significance</b>: its p-value (for drift the Benjamini-Hochberg adjusted one, for data
 *       quality the check's own) is at most {@code alpha^w}, where {@code alpha} is the level a
 *       flag needs ({@code drift.fdr}, 0.001; {@code quality.pValue}, 1e-6); and
 *   <li><b>relevance</b>: its effect is at least w times the threshold it is shown against (for
 *       a continuous feature's KS distance: the effect floor plus the sketch's rank error, its
 *       significance being the Anderson-Darling test's p-value; for a share: the floor; so at
 *       least w times the floor).
 * </ul>
 *
 * <p>Why the false-trigger rate stays where it was: on an unchanged model every null hypothesis
 * is true, and BH's adjusted p-values keep the family-wise chance that any of them is at most q
 * below q for every q (the FDR equals the FWER under the global null). So a window counts w or
 * more times with probability at most {@code alpha^w}: exactly the chance of w independent flagged
 * windows, which is what it replaces. At the defaults a weight-3 window needs p <= 1e-9 (against
 * three flags in ten windows, about {@code C(10,3) 1e-9 = 1.2e-7}), a weight-2 window p <= 1e-6
 * and a flag besides; the chance of any trigger in a 10-window span stays of the order of 1e-7.
 * The relevance condition only takes weight away; it keeps a trivial but hugely significant
 * change (large windows) from counting more than once. A sequential detector's alarm (CUSUM,
 * Page-Hinkley) has no p-value and counts once. A significance entry (the Anderson-Darling
 * statistic that accompanies a continuous feature's {@code ks}, {@link Evidence#significance()})
 * is not an effect and is skipped: the weight is the ks entry's, its p-value the same test's.
 *
 * <p>A flagged pair ({@code feature:a*b}, {@code rank_correlation_change}) weighs as a feature's
 * evidence does, with its adjusted p-value from the report's pair tests ({@link HealthReport#joint})
 * and its change against its floor. The pairs are a Benjamini-Hochberg family of their own, and
 * the argument above holds for that family as for the features': under no change the chance that
 * any pair's adjusted p-value is at most {@code alpha^w} is at most {@code alpha^w}. With both
 * families a window reaches weight w with probability at most {@code 2 alpha^w}, as it flags with
 * at most {@code 2 alpha}: the weight keeps the ratio of a heavy window to w flagged ones. A
 * flipped correlation (0.8 to -0.8: a change of 1.57 against the floor 0.2, z about 60 on a
 * window of 1,000) counts k times; a change under twice the floor counts once.
 *
 * <p>What it buys: a 1 sd shift, a category share moving 20 points, a new category at 20%, stuck
 * scores and a +30-point missing rate have effects 3 to 10 times their thresholds and p-values
 * far below 1e-9 on one window of 1,000 events, so the first window after the change triggers
 * (docs/detection.md measures it). A 0.3 sd shift (KS 0.12, under twice its threshold) still
 * needs three windows.
 */
public final class EvidenceWeight {
    private EvidenceWeight() {}

    /** A drift signal's weight from the window's report (p-values of its features' tests). */
    public static DriftSignal ofDrift(DriftSignal s, HealthReport report, Thresholds t) {
        if (!t.escalationWeighted()) {
            return s;
        }
        int w = 1;
        for (Evidence e : s.evidence()) {
            if (e.significance()) {
                // The Anderson-Darling entry beside a continuous feature's ks: its statistic over
                // its critical value is not an effect, and the ks entry carries the same p-value.
                continue;
            }
            Double p = driftPValue(report, e);
            if (p != null) {
                w = Math.max(w, weight(p, t.falseDiscoveryRate(), e.value(), e.threshold(), t.escalationWindows()));
            }
        }
        return s.withWeight(w);
    }

    /** A data-quality signal's weight from its findings' p-values. */
    public static DriftSignal ofQuality(DriftSignal s, List<QualityFinding> findings, Thresholds t) {
        if (!t.escalationWeighted()) {
            return s;
        }
        int w = 1;
        for (QualityFinding f : findings) {
            w = Math.max(w, weight(f.pValue(), t.qualityPValue(), f.value(), f.threshold(), t.escalationWindows()));
        }
        return s.withWeight(w);
    }

    /**
     * An estimated-performance decay signal's weight from its test's p-value (level
     * {@code quality.pValue}) and its drop against the effect floor (docs/quality.md).
     */
    public static DriftSignal ofEstimate(DriftSignal s, double pValue, double drop, double floor, Thresholds t) {
        if (!t.escalationWeighted()) {
            return s;
        }
        return s.withWeight(weight(pValue, t.qualityPValue(), drop, floor, t.escalationWindows()));
    }

    /**
     * The largest {@code w <= k} with {@code p <= alpha^w} and {@code effect >= w * threshold};
     * 1 at least (the evidence flagged).
     */
    static int weight(double p, double alpha, double effect, double threshold, int k) {
        int w = 1;
        while (w < k && p <= Math.pow(alpha, w + 1) && effect >= (w + 1) * threshold && threshold > 0) {
            w++;
        }
        return w;
    }

    /** The p-value behind a drift evidence entry: its test's, as the report shows it; null for none. */
    static Double driftPValue(HealthReport report, Evidence e) {
        if (e.statistic().equals("rank_correlation_change")) {
            return pairPValue(report, e.signal());
        }
        FeatureHealth h = null;
        if (e.signal().equals("prediction")) {
            h = report.prediction();
        } else if (e.signal().startsWith("feature:") && report.features() != null) {
            String name = e.signal().substring("feature:".length());
            for (FeatureHealth f : report.features()) {
                if (f.name().equals(name)) {
                    h = f;
                }
            }
        }
        if (h == null || h.drift() == null) {
            return null;
        }
        String wanted;
        if (e.statistic().equals("missing_rate_change")) {
            wanted = "missing_p_value";
        } else if (e.statistic().equals("cusum") || e.statistic().equals("page_hinkley")) {
            return null;
        } else {
            wanted = "p_value";
        }
        for (DriftStatistic d : h.drift()) {
            if (d.statistic().equals(wanted)) {
                return d.value();
            }
        }
        return null;
    }

    /** The adjusted p-value of pair {@code feature:a*b} in the report's pair tests; null when not there. */
    private static Double pairPValue(HealthReport report, String signal) {
        if (report.joint() == null || report.joint().pairs() == null) {
            return null;
        }
        for (HealthReport.PairHealth p : report.joint().pairs()) {
            if (p != null && signal.equals("feature:" + p.first() + "*" + p.second())) {
                return p.pValue();
            }
        }
        return null;
    }
}
