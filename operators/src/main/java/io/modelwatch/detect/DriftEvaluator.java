package io.modelwatch.detect;

import io.modelwatch.config.DurationParser;
import io.modelwatch.config.Thresholds;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.CategoryCount;
import io.modelwatch.model.HealthReport.DriftStatistic;
import io.modelwatch.model.HealthReport.EscalationState;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.HealthReport.QualityCounts;
import io.modelwatch.model.HealthReport.Quantiles;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.stats.FeatureProfile;
import io.modelwatch.stats.FeatureReference;
import io.modelwatch.stats.ItemCount;
import io.modelwatch.stats.JensenShannon;
import io.modelwatch.stats.ModelProfile;
import io.modelwatch.stats.PopulationStabilityIndex;
import io.modelwatch.stats.ReferenceProfile;
import io.modelwatch.stats.RunningMoments;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * Compares one window's profile with the model version's frozen reference and turns the result
 * into a {@link HealthReport} and, when something drifted, {@link DriftSignal}s. Pure: no state,
 * no Flink; the keyed function decides when a window is due.
 *
 * <p>A feature is flagged when its PSI on the reference's bins reaches the warning threshold and
 * at least half of the window's minimum sample carried a value for it (a mostly-missing feature
 * is a data-quality finding, not evidence of drift). Jensen-Shannon distance is reported beside
 * PSI for reading, not thresholded.
 */
public final class DriftEvaluator {
    static final int TOP_CATEGORIES = 5;

    private DriftEvaluator() {}

    /** Identifies the window and what the monitor already knows about the model. */
    public record Context(
            String modelId,
            String modelVersion,
            long windowStart,
            long windowEnd,
            long eventsSeen,
            long lateEvents,
            int driftedWindowsBefore,
            String thresholdsVersion) {}

    public static WindowEvaluation evaluate(ReferenceProfile ref, ModelProfile window, Thresholds t, Context c) {
        String windowEndIso = Instant.ofEpochMilli(c.windowEnd()).toString();
        List<FeatureHealth> features = new ArrayList<>();
        List<Evidence> featureEvidence = new ArrayList<>();
        double strongestFeaturePsi = 0;
        for (Map.Entry<String, FeatureReference> e : ref.features().entrySet()) {
            FeatureProfile p = window.features().get(e.getKey());
            Assessment a = assess(e.getValue(), p, window.events(), window.missing(e.getKey()), t);
            features.add(a.health());
            if (a.drifted()) {
                featureEvidence.add(new Evidence("feature:" + e.getKey(), "psi", a.psi(), t.psiWarning(), windowEndIso));
                strongestFeaturePsi = Math.max(strongestFeaturePsi, a.psi());
            }
        }
        Assessment pred = assess(ref.prediction(), window.prediction(), window.events(), 0, t);

        List<DriftSignal> signals = new ArrayList<>(2);
        if (!featureEvidence.isEmpty()) {
            featureEvidence.sort(Comparator.comparingDouble(Evidence::strength).reversed()
                    .thenComparing(Evidence::signal));
            signals.add(signal(c, RetrainTrigger.FEATURE_DRIFT, featureEvidence, strongestFeaturePsi >= t.psiCritical()));
        }
        if (pred.drifted()) {
            signals.add(signal(c, RetrainTrigger.PREDICTION_DRIFT,
                    List.of(new Evidence("prediction", "psi", pred.psi(), t.psiWarning(), windowEndIso)),
                    pred.psi() >= t.psiCritical()));
        }
        int drifted = c.driftedWindowsBefore() + (signals.isEmpty() ? 0 : 1);
        HealthReport report = report(c, window, ref.events(), signals.isEmpty() ? HealthReport.OK : HealthReport.DRIFTING,
                features.toArray(FeatureHealth[]::new), pred.health(),
                new EscalationState(drifted, t.escalationWindows(), DurationParser.format(t.escalationWithin())));
        return new WindowEvaluation(report, List.copyOf(signals));
    }

    /** A report without drift statistics: while the reference is learned, or while a window accumulates. */
    public static HealthReport summary(String status, ModelProfile window, long referenceEvents, Thresholds t, Context c) {
        List<FeatureHealth> features = new ArrayList<>();
        for (Map.Entry<String, FeatureProfile> e : window.features().entrySet()) {
            features.add(health(e.getKey(), e.getValue(), window.missing(e.getKey()), new DriftStatistic[0]));
        }
        return report(c, window, referenceEvents, status, features.toArray(FeatureHealth[]::new),
                health("prediction", window.prediction(), 0, new DriftStatistic[0]),
                new EscalationState(c.driftedWindowsBefore(), t.escalationWindows(),
                        DurationParser.format(t.escalationWithin())));
    }

    private static HealthReport report(Context c, ModelProfile window, long referenceEvents, String status,
            FeatureHealth[] features, FeatureHealth prediction, EscalationState escalation) {
        long mismatches = 0;
        long nonFinite = 0;
        long outOfRange = 0;
        long unseen = 0;
        for (FeatureProfile p : window.features().values()) {
            mismatches += p.typeMismatches();
            nonFinite += p.nonFinite();
            outOfRange += p.outOfRange();
            unseen += p.unseenCategories();
        }
        return new HealthReport(c.modelId(), c.modelVersion(),
                Instant.ofEpochMilli(c.windowStart()).toString(), Instant.ofEpochMilli(c.windowEnd()).toString(),
                status, window.events(), c.eventsSeen(), referenceEvents, features, prediction,
                new QualityCounts(c.lateEvents(), window.unknownFeatureValues(), mismatches, window.featuresOverCap(),
                        nonFinite, outOfRange, unseen, null, new HealthReport.QualityFinding[0]),
                escalation, c.thresholdsVersion(), 0, null);
    }

    private record Assessment(FeatureHealth health, double psi, boolean drifted) {}

    private static Assessment assess(FeatureReference fr, FeatureProfile p, long events, long missing, Thresholds t) {
        if (p == null) {
            FeatureHealth h = new FeatureHealth(fr.name(), type(fr), 0, events, 0, null, null, null, null, null, null,
                    new DriftStatistic[0]);
            return new Assessment(h, 0, false);
        }
        if (!fr.hasBins() || p.bins() == null) {
            return new Assessment(health(fr.name(), p, missing, new DriftStatistic[0]), 0, false);
        }
        double[] expected = fr.referenceProportions();
        for (int i = 0; i < expected.length; i++) {
            expected[i] *= fr.present();
        }
        long[] bins = p.bins();
        double[] actual = new double[bins.length];
        for (int i = 0; i < bins.length; i++) {
            actual[i] = bins[i];
        }
        double psi = PopulationStabilityIndex.of(expected, actual, PopulationStabilityIndex.DEFAULT_SMOOTHING);
        double js = JensenShannon.distance(expected, actual);
        // Half the minimum sample: below that, PSI's sampling noise is no longer small against
        // the warning threshold (see Thresholds), so the value is shown but not acted on.
        boolean enough = p.present() * 2 >= t.minWindowEvents();
        boolean drifted = enough && psi >= t.psiWarning();
        DriftStatistic[] stats = {
            new DriftStatistic("psi", psi, t.psiWarning(), drifted),
            new DriftStatistic("jensen_shannon", Double.isFinite(js) ? js : 0, null, false)
        };
        return new Assessment(health(fr.name(), p, missing, stats), psi, drifted);
    }

    private static FeatureHealth health(String name, FeatureProfile p, long missing, DriftStatistic[] drift) {
        RunningMoments m = p.moments();
        boolean numeric = p.numericCount() >= p.categoricalCount();
        Quantiles q = null;
        if (numeric && p.sketch() != null && !p.sketch().isEmpty()) {
            KllDoublesSketch s = p.sketch();
            double[] v = s.getQuantiles(new double[] {0.05, 0.25, 0.5, 0.75, 0.95}, QuantileSearchCriteria.INCLUSIVE);
            q = new Quantiles(v[0], v[1], v[2], v[3], v[4]);
        }
        CategoryCount[] top = null;
        if (p.categories() != null) {
            List<ItemCount> items = p.categories().top(TOP_CATEGORIES);
            top = items.stream().map(i -> new CategoryCount(i.item(), i.count())).toArray(CategoryCount[]::new);
        }
        return new FeatureHealth(name, numeric ? "NUMERIC" : "CATEGORICAL", p.present(), missing, p.typeMismatches(),
                m == null ? null : finite(m.mean()), m == null ? null : finite(m.stddev()),
                m == null ? null : finite(m.min()), m == null ? null : finite(m.max()), q, top, drift);
    }

    private static String type(FeatureReference fr) {
        return fr.numeric() ? "NUMERIC" : "CATEGORICAL";
    }

    private static Double finite(double x) {
        return Double.isFinite(x) ? x : null;
    }

    private static DriftSignal signal(Context c, String reason, List<Evidence> evidence, boolean critical) {
        return new DriftSignal(c.modelId(), c.modelVersion(), reason, c.windowStart(), c.windowEnd(), c.eventsSeen(),
                evidence.toArray(Evidence[]::new), critical, c.thresholdsVersion());
    }
}
