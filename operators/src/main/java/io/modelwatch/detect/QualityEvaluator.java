package io.modelwatch.detect;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.HealthReport.QualityFinding;
import io.modelwatch.stats.profiles.FeatureProfile;
import io.modelwatch.stats.profiles.FeatureReference;
import io.modelwatch.stats.tests.FisherExact;
import io.modelwatch.stats.sketches.ItemCount;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.tests.PoissonTail;
import io.modelwatch.stats.profiles.ReferenceProfile;
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
 *   <li>an effect floor: the window's rate exceeds the reference's by at least the configured
 *       amount (so a huge window does not flag a trivial rise), and
 *   <li>a two-sample significance test below {@code quality.pValue} (so a small window does not
 *       flag a few unlucky values, and a small reference's own luck is not taken for a change).
 * </ul>
 *
 * <p>The reference is a sample too, so every test counts its sampling error as well as the
 * window's, and a share's floor is at least {@link DriftEvaluator#REFERENCE_STANDARD_ERRORS}
 * standard errors of the reference's own estimate of it (a small reference's unlucky share would
 * otherwise flag every window of the version). Missing, other-type and NaN/Infinity counts: Fisher's exact test of the window's
 * share against the reference's ({@link FisherExact}, one-sided towards more). The missing rate
 * is also tested the other way: a drop (nulls replaced by a default upstream) is as much a
 * change of the pipeline as a rise. New categories: the window's share of never-seen categories
 * against the reference's share of categories seen once (the Good-Turing estimate n1/N of the
 * rate of new categories, Good 1953), by the same test. Values outside the reference's
 * [min, max] widened by {@link FeatureReference#RANGE_MARGIN}: the exact permutation tail of the
 * number of window values outside the range of the reference values ({@link #outsideRangeTail}).
 * Pure: no state, no Flink.
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
            check(findings, signal, "missing_rate_increase", fr.missing(), refTotal, missing, m,
                    t.missingRateIncrease(), t);
            checkDecrease(findings, signal, "missing_rate_decrease", fr.missing(), refTotal, missing, m,
                    t.missingRateIncrease(), t);
            if (p == null) {
                continue;
            }
            check(findings, signal, "type_mismatch_rate", fr.otherType(), refTotal, p.typeMismatches(), m,
                    t.badValueRate(), t);
            check(findings, signal, "non_finite_rate", fr.nonFinite(), refTotal, p.nonFinite(), m,
                    t.badValueRate(), t);
            long values = p.present();
            if (fr.numeric() && fr.present() > 1 && values > 0) {
                long k = p.outOfRange();
                double excess = (double) k / values - 2.0 / (fr.present() + 1);
                if (k > 0 && excess >= t.badValueRate()) {
                    double pv = outsideRangeTail(k, fr.present(), values);
                    if (pv < t.qualityPValue()) {
                        findings.add(new QualityFinding(signal, "out_of_range_rate", excess, t.badValueRate(), pv));
                    }
                }
            }
            if (!fr.numeric() && fr.hasCompleteCategories()) {
                check(findings, signal, "unseen_category_rate", fr.singletons(), fr.present(), p.unseenCategories(),
                        values, t.badValueRate(), t);
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

    /**
     * Flags when the window's share {@code count / trials} exceeds the reference's
     * {@code refCount / refTotal} by at least {@code floor} and Fisher's exact test finds it
     * higher at {@code quality.pValue}.
     */
    private static void check(List<QualityFinding> out, String signal, String statistic, long refCount, long refTotal,
            long count, long trials, double floor, Thresholds t) {
        if (trials <= 0 || count <= 0 || refTotal <= 0) {
            return;
        }
        double refRate = (double) Math.min(refCount, refTotal) / refTotal;
        double excess = (double) count / trials - refRate;
        double threshold = Math.max(floor, DriftEvaluator.shareMargin(refRate, refTotal));
        if (excess < threshold) {
            return;
        }
        double p = FisherExact.greater(Math.min(refCount, refTotal), refTotal, Math.min(count, trials), trials);
        if (p < t.qualityPValue()) {
            out.add(new QualityFinding(signal, statistic, excess, threshold, p));
        }
    }

    /** As {@link #check}, for a share that fell by at least {@code floor}. */
    private static void checkDecrease(List<QualityFinding> out, String signal, String statistic, long refCount,
            long refTotal, long count, long trials, double floor, Thresholds t) {
        if (trials <= 0 || refTotal <= 0 || refCount <= 0) {
            return;
        }
        double refRate = (double) Math.min(refCount, refTotal) / refTotal;
        double drop = refRate - (double) Math.min(count, trials) / trials;
        double threshold = Math.max(floor, DriftEvaluator.shareMargin(refRate, refTotal));
        if (drop < threshold) {
            return;
        }
        double p = FisherExact.less(Math.min(refCount, refTotal), refTotal, Math.min(count, trials), trials);
        if (p < t.qualityPValue()) {
            out.add(new QualityFinding(signal, statistic, drop, threshold, p));
        }
    }

    /**
     * P(K >= k) for K the number of {@code m} window values that fall below the smallest or above
     * the largest of {@code n} reference values, when all {@code n + m} are exchangeable (the same
     * continuous distribution, no change): in the joint order the reference values take a uniformly
     * random set of positions, and K = s exactly when the first reference value is at position
     * {@code a + 1} and the last at {@code n + m - b} with {@code a + b = s}, the other {@code n - 2}
     * among the {@code n + m - s - 2} positions between: {@code P(K = s) = (s + 1)
     * C(n + m - s - 2, n - 2) / C(n + m, n)}. Counted against the range widened by
     * {@link FeatureReference#RANGE_MARGIN}, fewer values are outside, so the test is conservative;
     * ties (discrete features) only make outside values rarer. A two-sample test: a small
     * reference has a narrow range, and this tail knows it. Needs {@code n >= 2}.
     */
    static double outsideRangeTail(long k, long n, long m) {
        if (k <= 0) {
            return 1;
        }
        if (k > m) {
            return 0;
        }
        double logTotal = FisherExact.logChoose(n + m, n);
        double sum = 0;
        for (long s = k; s <= m; s++) {
            double term = Math.exp(Math.log(s + 1.0) + FisherExact.logChoose(n + m - s - 2, n - 2) - logTotal);
            sum += term;
            // The terms fall at least geometrically (by (m - s)/(n + m - s - 2) per step) once s
            // exceeds the expected 2m/(n+1); stop when they no longer count.
            if (term <= sum * 1e-17 && s > 2.0 * m / (n + 1)) {
                break;
            }
        }
        return Math.min(1, sum);
    }

    /** P(X <= k) for X ~ Poisson(lambda). */
    private static double lowerTail(long k, double lambda) {
        return 1 - PoissonTail.atLeast(k + 1, lambda);
    }
}
