package io.modelwatch.detect;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.HealthReport.QualityFinding;
import io.modelwatch.stats.FeatureProfile;
import io.modelwatch.stats.FeatureReference;
import io.modelwatch.stats.ItemCount;
import io.modelwatch.stats.ModelProfile;
import io.modelwatch.stats.PoissonTail;
import io.modelwatch.stats.ReferenceProfile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Data-quality checks of one evaluated window against the reference (docs/quality.md). Each
 * check counts something that should be rare (missing values, values of the other type,
 * NaN/Infinity, values outside the reference range, never-seen categories) and flags it only when
 * both hold:
 *
 * <ul>
 *   <li>an effect floor: the window's rate exceeds the rate the reference explains by at least
 *       the configured amount (so a huge window does not flag a trivial rise), and
 *   <li>a significance test: P(X >= observed) under Poisson(window events x reference rate) is
 *       below {@code quality.pValue} (so a small window does not flag a few unlucky values).
 * </ul>
 *
 * <p>The reference rate of each check comes from the reference itself: its missing and
 * other-type shares with a 0.5 pseudo-count; 2/(N+1) for values outside the reference's
 * [min, max] widened by {@link FeatureReference#RANGE_MARGIN} (for N continuous i.i.d. values, a
 * new one falls outside their plain range with probability exactly 2/(N+1), so this bounds the
 * rate from above); the Good-Turing estimate n1/N for new categories (n1 categories
 * seen once, Good 1953). Pure: no state, no Flink.
 */
public final class QualityEvaluator {
    private QualityEvaluator() {}

    /** The findings, strongest first, and the event count the reference's rate predicts for the span. */
    public record Result(List<QualityFinding> findings, Double expectedEvents) {}

    /** Volume is checked only against a reference with a span of time (one learned from traffic). */
    public static Result evaluate(ReferenceProfile ref, ModelProfile window, Thresholds t, long spanMillis, long lateEvents) {
        List<QualityFinding> findings = new ArrayList<>();
        long m = window.events();
        for (Map.Entry<String, FeatureReference> e : ref.features().entrySet()) {
            FeatureReference fr = e.getValue();
            String signal = "quality:" + e.getKey();
            long refTotal = fr.present() + fr.missing() + fr.nonFinite() + fr.otherType();
            FeatureProfile p = window.features().get(e.getKey());
            long missing = window.missing(e.getKey());
            check(findings, signal, "missing_rate_increase", missing, m, smoothed(fr.missing(), refTotal),
                    t.missingRateIncrease(), t);
            if (p == null) {
                continue;
            }
            check(findings, signal, "type_mismatch_rate", p.typeMismatches(), m, smoothed(fr.otherType(), refTotal),
                    t.badValueRate(), t);
            check(findings, signal, "non_finite_rate", p.nonFinite(), m, smoothed(fr.nonFinite(), refTotal),
                    t.badValueRate(), t);
            long values = p.present();
            if (fr.numeric() && fr.present() > 0) {
                check(findings, signal, "out_of_range_rate", p.outOfRange(), values, 2.0 / (fr.present() + 1),
                        t.badValueRate(), t);
            }
            if (!fr.numeric() && fr.hasCompleteCategories()) {
                check(findings, signal, "unseen_category_rate", p.unseenCategories(), values,
                        (fr.singletons() + 0.5) / (fr.present() + 1), t.badValueRate(), t);
            }
        }
        if (window.unknownFeatures() != null && m > 0) {
            // A feature the reference never had, carried by most events: the schema changed.
            for (ItemCount c : window.unknownFeatures().top(3)) {
                double rate = (double) c.count() / m;
                if (rate >= 0.5) {
                    findings.add(new QualityFinding("quality:" + c.item(), "new_feature_rate", rate, 0.5, 0));
                }
            }
        }
        if (m > 0 && (double) lateEvents / m >= t.lateRate()) {
            findings.add(new QualityFinding("quality:late_events", "late_rate", (double) lateEvents / m, t.lateRate(), 0));
        }
        Double expected = null;
        long refSpan = ref.lastTimestamp() - ref.firstTimestamp();
        if (refSpan > 0 && ref.events() > 1 && spanMillis > 0) {
            double rate = (ref.events() - 1) / (double) refSpan;
            double exp = rate * spanMillis;
            expected = exp;
            double change = m >= exp ? m / exp : exp / Math.max(m, 0.5);
            double p = m >= exp ? PoissonTail.atLeast(m, exp) : lowerTail(m, exp);
            if (change >= t.volumeChange() && p < t.qualityPValue()) {
                findings.add(new QualityFinding("quality:volume", "volume_change", change, t.volumeChange(), p));
            }
        }
        findings.sort(Comparator.comparingDouble((QualityFinding f) -> f.value() / f.threshold()).reversed()
                .thenComparing(QualityFinding::signal).thenComparing(QualityFinding::statistic));
        return new Result(List.copyOf(findings), expected);
    }

    /** Flags when the excess rate reaches {@code floor} and the count is improbable at {@code baseRate}. */
    private static void check(List<QualityFinding> out, String signal, String statistic, long count, long trials,
            double baseRate, double floor, Thresholds t) {
        if (trials <= 0 || count <= 0) {
            return;
        }
        double excess = (double) count / trials - baseRate;
        if (excess < floor) {
            return;
        }
        double p = PoissonTail.atLeast(count, trials * baseRate);
        if (p < t.qualityPValue()) {
            out.add(new QualityFinding(signal, statistic, excess, floor, p));
        }
    }

    private static double smoothed(long count, long total) {
        return (count + 0.5) / (total + 1.0);
    }

    /** P(X <= k) for X ~ Poisson(lambda). */
    private static double lowerTail(long k, double lambda) {
        return 1 - PoissonTail.atLeast(k + 1, lambda);
    }
}
