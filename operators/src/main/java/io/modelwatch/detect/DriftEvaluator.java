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
import io.modelwatch.stats.tests.BenjaminiHochberg;
import io.modelwatch.stats.tests.ChiSquareHomogeneity;
import io.modelwatch.stats.profiles.FeatureProfile;
import io.modelwatch.stats.profiles.FeatureReference;
import io.modelwatch.stats.tests.FisherExact;
import io.modelwatch.stats.sketches.ItemCount;
import io.modelwatch.stats.tests.JensenShannon;
import io.modelwatch.stats.tests.KolmogorovSmirnov;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.tests.PopulationStabilityIndex;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.stats.sketches.RunningMoments;
import io.modelwatch.stats.tests.Wasserstein;
import io.modelwatch.stats.tests.AndersonDarling;
import io.modelwatch.stats.tests.CorrelationChange;
import io.modelwatch.stats.sketches.RankCorrelations;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Compares one window's profile with the model version's frozen reference and turns the result
 * into a {@link HealthReport} and, when something drifted, {@link DriftSignal}s. Pure: no state,
 * no Flink; the keyed function decides when a window is due.
 *
 * <p>For every feature and for the prediction one question is tested against the reference, did
 * the distribution of the values change, with a significance test and an effect size. The effect
 * sizes are all the same kind of quantity, the largest change in the probability of one event,
 * so one floor reads the same everywhere:
 * <ul>
 *   <li>Numeric: two-sample Anderson-Darling test (Scholz-Stephens, for grouped data:
 *       {@link AndersonDarling}) on the reference's quantile grid (exact window counts per grid
 *       bin; the reference sketch's rank error shrinks every CDF gap), effect size the KS distance,
 *       the largest change of {@code P(X <= x)} over all thresholds {@code x}, less the rank
 *       error. AD rather than KS decides significance because it sees a change of spread, whose
 *       CDF gap is spread over both tails, where KS sees only the largest gap.
 *   <li>Discrete numeric (at most 20 distinct reference values, counted exactly:
 *       {@link FeatureReference#discrete()}) and categorical: chi-square test of homogeneity on the
 *       values, or on the reference's top categories plus OTHER (unseen categories land in OTHER);
 *       Fisher's exact test when only two values occur ({@link #twoValues}); effect size the
 *       largest change of one value's or category's share (L-infinity).
 * </ul>
 * Missing values are data quality ({@link QualityEvaluator}). Every floor is at least the
 * reference margin ({@link #REFERENCE_STANDARD_ERRORS}), so a small reference's own sampling
 * error cannot flag its version's windows one after another.
 * All p-values of the window (every feature and the prediction) are adjusted
 * together by Benjamini-Hochberg. A test <em>flags</em> when its adjusted p-value is at most
 * {@link Thresholds#falseDiscoveryRate()} and its effect size reaches its floor; see
 * {@link Thresholds} for the reasons behind every default. Tests need samples: the distribution
 * is tested only when both reference and window hold at least half of {@code window.minEvents}
 * values of the feature.
 *
 * <p>PSI (on the reference deciles), the Wasserstein-1 distance in reference standard deviations
 * and the Jensen-Shannon distance are reported beside the tests for reading; a flag whose
 * PSI reaches {@code psi.critical} makes the signal CRITICAL. Evidence carries the effect
 * statistic of each flag against its threshold, so "strongest first" orders features by how far
 * past it they moved; a flagged continuous feature's entry {@code ks} is followed by
 * {@code anderson_darling}, the test that made it significant, against its critical value at the
 * false discovery rate (a significance entry: {@link Evidence#significance()}).
 *
 * <p>Joint structure, which no test of one feature sees: once the reference's joint summary is
 * complete ({@link ReferenceProfile#jointComplete}), every pair of its joint features is tested
 * for a change of its rank correlation ({@link #pairs}); a flagged pair is FEATURE_DRIFT evidence
 * with the signal {@code feature:a*b} and the statistic {@link #RANK_CORRELATION_CHANGE}.
 */
public final class DriftEvaluator {
    static final int TOP_CATEGORIES = 5;

    public static final String PSI = "psi";
    public static final String KS = "ks";
    public static final String ANDERSON_DARLING = "anderson_darling";
    public static final String CHI_SQUARE = "chi_square";
    public static final String P_VALUE = "p_value";
    public static final String WASSERSTEIN = "wasserstein";
    public static final String LINF = "linf";
    public static final String JENSEN_SHANNON = "jensen_shannon";
    public static final String MISSING_RATE_CHANGE = "missing_rate_change";
    public static final String MISSING_P_VALUE = "missing_p_value";
    /** |change| of a pair's rank correlation; its evidence's signal is {@code feature:a*b}. */
    public static final String RANK_CORRELATION_CHANGE = "rank_correlation_change";

    /**
     * The effect floor of a pair: its rank correlation must move by at least 0.2. Why 0.2: the
     * changes this test exists for are large (a flipped sign, a join that pairs the wrong rows and
     * takes a correlation of 0.6 to 0), while a stable relationship still wanders with the traffic
     * mix (day and night, one client's share) by a tenth or so; 0.2 is twice that, and at the
     * default window (1,000 events) five standard errors of the Spearman z, so the floor, not
     * chance, decides. Not tuned to the evaluation's scenarios (its flip moves 1.57).
     */
    public static final double MIN_CORRELATION_CHANGE = 0.2;

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
        return evaluate(ref, window, t, c, List.of());
    }

    /**
     * As {@link #evaluate(ReferenceProfile, ModelProfile, Thresholds, Context)}, with evidence
     * that sequential detectors found over this and earlier windows: each flags its signal
     * (feature or prediction) on its own and is added to the signal's statistics.
     */
    public static WindowEvaluation evaluate(ReferenceProfile ref, ModelProfile window, Thresholds t, Context c,
            List<SequentialEvidence> sequential) {
        String windowEndIso = Instant.ofEpochMilli(c.windowEnd()).toString();
        List<Assessment> assessments = new ArrayList<>();
        for (Map.Entry<String, FeatureReference> e : ref.features().entrySet()) {
            FeatureProfile p = window.features().get(e.getKey());
            assessments.add(assess("feature:" + e.getKey(), e.getValue(), p, window.events(),
                    window.missing(e.getKey()), true, t));
        }
        Assessment pred = assess("prediction", ref.prediction(), window.prediction(), window.events(), 0, false, t);
        assessments.add(pred);

        // One Benjamini-Hochberg family: every test of this model in this window.
        List<Test> tests = new ArrayList<>();
        for (Assessment a : assessments) {
            if (a.distribution != null) {
                tests.add(a.distribution);
            }
            if (a.missingRate != null) {
                tests.add(a.missingRate);
            }
        }
        double[] p = new double[tests.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = tests.get(i).pValue;
        }
        double[] adjusted = BenjaminiHochberg.adjust(p);
        for (int i = 0; i < p.length; i++) {
            Test test = tests.get(i);
            test.adjustedP = adjusted[i];
            test.flagged = test.enough && adjusted[i] <= t.falseDiscoveryRate() && test.effect >= test.floor;
        }

        List<Evidence> featureEvidence = new ArrayList<>();
        List<Evidence> predictionEvidence = new ArrayList<>();
        boolean featureCritical = false;
        List<PairChange> pairChanges = pairs(ref, window, t);
        for (PairChange pc : pairChanges) {
            if (pc.flagged()) {
                featureEvidence.add(new Evidence("feature:" + pc.first() + "*" + pc.second(), RANK_CORRELATION_CHANGE,
                        pc.change(), pc.floor(), windowEndIso));
                featureCritical |= Severity.critical(pc.change(), pc.floor());
            }
        }
        boolean predictionCritical = false;
        List<FeatureHealth> features = new ArrayList<>();
        FeatureHealth predictionHealth = null;
        for (Assessment a : assessments) {
            List<Evidence> into = a.isFeature ? featureEvidence : predictionEvidence;
            boolean critical = false;
            for (Test test : new Test[] {a.distribution, a.missingRate}) {
                if (test != null && test.flagged) {
                    into.add(new Evidence(a.signal, test.effectStatistic, test.shownValue, test.shownThreshold,
                            windowEndIso));
                    critical |= test.psi >= t.psiCritical();
                }
            }
            if (a.distribution != null && a.distribution.flagged && !Double.isNaN(a.andersonDarling)) {
                // What made the continuous feature's change significant: its Anderson-Darling
                // statistic against the critical value at the false discovery rate (the flag needs
                // the BH-adjusted p-value at most that rate, so the statistic is past it). A
                // significance entry: it follows the ks entry and does not weigh (Evidence).
                into.add(new Evidence(a.signal, ANDERSON_DARLING, a.andersonDarling, a.andersonDarlingCritical,
                        windowEndIso));
            }
            List<DriftStatistic> stats = a.statistics(t);
            for (SequentialEvidence s : sequential) {
                if (s.signal().equals(a.signal)) {
                    stats.add(new DriftStatistic(s.statistic(), s.value(), s.threshold(), s.alarm()));
                    if (s.alarm()) {
                        into.add(new Evidence(a.signal, s.statistic(), s.value(), s.threshold(), windowEndIso));
                    }
                }
            }
            FeatureHealth h = a.health(stats.toArray(DriftStatistic[]::new));
            if (a.isFeature) {
                features.add(h);
                featureCritical |= critical;
            } else {
                predictionHealth = h;
                predictionCritical |= critical;
            }
        }

        List<DriftSignal> signals = new ArrayList<>(2);
        if (!featureEvidence.isEmpty()) {
            signals.add(signal(c, RetrainTrigger.FEATURE_DRIFT, Evidence.strongestFirst(featureEvidence),
                    featureCritical));
        }
        if (!predictionEvidence.isEmpty()) {
            signals.add(signal(c, RetrainTrigger.PREDICTION_DRIFT, Evidence.strongestFirst(predictionEvidence),
                    predictionCritical));
        }
        int drifted = c.driftedWindowsBefore() + (signals.isEmpty() ? 0 : 1);
        HealthReport report = report(c, window, ref.events(), signals.isEmpty() ? HealthReport.OK : HealthReport.DRIFTING,
                features.toArray(FeatureHealth[]::new), predictionHealth,
                new EscalationState(drifted, t.escalationWindows(), DurationParser.format(t.escalationWithin())),
                joint(ref, pairChanges));
        return new WindowEvaluation(report, List.copyOf(signals));
    }

    /**
     * One pair's test: the reference's and the window's rank correlations, their counts, Fisher's
     * z of the change (NaN when untested), its adjusted p-value, its size against its floor.
     */
    public record PairChange(String first, String second, double reference, long referenceCount, double window,
            long windowCount, double z, double adjustedP, double change, double floor, boolean flagged) {
        /** Whether both sides had enough events with both values and defined correlations. */
        public boolean tested() {
            return !Double.isNaN(z);
        }
    }

    /**
     * The pair tests of a window: empty unless the reference's joint summary is complete and the
     * window kept one of the same features. Each pair's change is tested with Fisher's z and the
     * Spearman variance ({@link CorrelationChange}); the p-values of the pairs are adjusted by
     * Benjamini-Hochberg as a family of their own at {@code drift.fdr}, so adding the joint test
     * leaves every per-feature test exactly as it was; under no change each family keeps its own
     * chance of any flag below {@code drift.fdr}, so a window's together below twice that, and the
     * effect floors make either far smaller in practice (docs/detection.md measures it). A pair
     * is tested when both sides hold at least half of {@code window.minEvents} events with both
     * values, as the feature tests need; it flags when the adjusted p-value is at most
     * {@code drift.fdr} and the change reaches {@code max(}{@link #MIN_CORRELATION_CHANGE}{@code ,}
     * {@link #REFERENCE_STANDARD_ERRORS} standard errors of the reference's correlation{@code )}.
     */
    public static List<PairChange> pairs(ReferenceProfile ref, ModelProfile window, Thresholds t) {
        RankCorrelations r = ref.joint();
        RankCorrelations w = window.joint();
        if (!ref.jointComplete() || w == null || !java.util.Arrays.equals(r.names(), w.names())) {
            return List.of();
        }
        int pairs = r.pairCount();
        double[] p = new double[pairs];
        boolean[] enough = new boolean[pairs];
        for (int k = 0; k < pairs; k++) {
            long n = r.count(k);
            long m = w.count(k);
            double rr = r.correlation(k);
            double rw = w.correlation(k);
            enough[k] = n * 2 >= t.minWindowEvents() && m * 2 >= t.minWindowEvents() && n > 3 && m > 3
                    && !Double.isNaN(rr) && !Double.isNaN(rw);
            p[k] = enough[k] ? CorrelationChange.pValue(rr, n, rw, m) : 1;
        }
        double[] adjusted = BenjaminiHochberg.adjust(p);
        List<PairChange> out = new ArrayList<>(pairs);
        for (int k = 0; k < pairs; k++) {
            double rr = r.correlation(k);
            double rw = w.correlation(k);
            long n = r.count(k);
            double change = enough[k] ? Math.abs(rw - rr) : 0;
            // The reference's own sampling error, as for every other floor: se(r) = (1 - r^2) se(z).
            double margin = n > 3 && !Double.isNaN(rr) ? REFERENCE_STANDARD_ERRORS * (1 - rr * rr)
                    * Math.sqrt(CorrelationChange.SPEARMAN_VARIANCE_FACTOR / (n - 3)) : 0;
            double floor = Math.max(MIN_CORRELATION_CHANGE, margin);
            boolean flagged = enough[k] && adjusted[k] <= t.falseDiscoveryRate() && change >= floor;
            double z = enough[k] ? CorrelationChange.statistic(rr, n, rw, w.count(k)) : Double.NaN;
            out.add(new PairChange(r.first(k), r.second(k), rr, n, rw, w.count(k), z, adjusted[k], change, floor,
                    flagged));
        }
        return out;
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
                        DurationParser.format(t.escalationWithin())), null);
    }

    /**
     * The report's part of the pair tests: every flagged pair, strongest change over its floor
     * first (as the evidence), then the tested others by adjusted p-value and |z|, up to
     * {@link HealthReport#REPORTED_PAIRS} pairs in all; null when no pair was tested.
     */
    static HealthReport.Joint joint(ReferenceProfile ref, List<PairChange> pairs) {
        List<PairChange> tested = new ArrayList<>();
        for (PairChange pc : pairs) {
            if (pc.tested()) {
                tested.add(pc);
            }
        }
        if (tested.isEmpty()) {
            return null;
        }
        tested.sort(java.util.Comparator.comparing((PairChange pc) -> !pc.flagged())
                .thenComparing(pc -> pc.flagged() ? -pc.change() / pc.floor() : 0.0)
                .thenComparingDouble(PairChange::adjustedP)
                .thenComparing(pc -> -Math.abs(pc.z())));
        List<HealthReport.PairHealth> shown = new ArrayList<>();
        for (PairChange pc : tested) {
            if (!pc.flagged() && shown.size() >= HealthReport.REPORTED_PAIRS) {
                break;
            }
            shown.add(new HealthReport.PairHealth(pc.first(), pc.second(), finite(pc.reference()), pc.referenceCount(),
                    finite(pc.window()), pc.windowCount(), finite(pc.z()), pc.adjustedP(), pc.change(), pc.floor(),
                    pc.flagged()));
        }
        return new HealthReport.Joint(ref.joint().names(), tested.size(),
                shown.toArray(HealthReport.PairHealth[]::new));
    }

    private static HealthReport report(Context c, ModelProfile window, long referenceEvents, String status,
            FeatureHealth[] features, FeatureHealth prediction, EscalationState escalation, HealthReport.Joint joint) {
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
                escalation, c.thresholdsVersion(), 0, null, null, null, joint);
    }

    /** One hypothesis test of one feature in one window. */
    static final class Test {
        double pValue = 1;
        double adjustedP = 1;
        /** The effect size compared with {@link #floor}. */
        double effect;
        double floor;
        /** The effect statistic as reported and its threshold: flagged only if value >= threshold. */
        String effectStatistic;
        double shownValue;
        double shownThreshold;
        /** PSI of the same comparison, for severity. */
        double psi;
        boolean enough;
        boolean flagged;
    }

    /** Everything computed for one feature (or the prediction) before the tests are adjusted. */
    static final class Assessment {
        final String signal;
        final boolean isFeature;
        final FeatureReference fr;
        final FeatureProfile p;
        final long events;
        final long missing;
        Test distribution;
        Test missingRate;
        double wasserstein = Double.NaN;
        double chiSquare = Double.NaN;
        double js = Double.NaN;
        /** The Anderson-Darling statistic of a continuous numeric feature and its critical value at level fdr. */
        double andersonDarling = Double.NaN;
        double andersonDarlingCritical = Double.NaN;
        double missingRateNow = Double.NaN;

        Assessment(String signal, boolean isFeature, FeatureReference fr, FeatureProfile p, long events, long missing) {
            this.signal = signal;
            this.isFeature = isFeature;
            this.fr = fr;
            this.p = p;
            this.events = events;
            this.missing = missing;
        }

        List<DriftStatistic> statistics(Thresholds t) {
            List<DriftStatistic> s = new ArrayList<>();
            Test d = distribution;
            if (d != null) {
                boolean flagged = d.flagged;
                s.add(new DriftStatistic(PSI, d.psi, t.psiWarning(), flagged && d.psi >= t.psiWarning()));
                s.add(new DriftStatistic(d.effectStatistic, d.shownValue, d.shownThreshold, flagged));
                if (!Double.isNaN(andersonDarling)) {
                    s.add(new DriftStatistic(ANDERSON_DARLING, andersonDarling, andersonDarlingCritical, flagged));
                }
                if (!Double.isNaN(chiSquare)) {
                    s.add(new DriftStatistic(CHI_SQUARE, chiSquare, null, flagged));
                }
                s.add(new DriftStatistic(P_VALUE, d.adjustedP, t.falseDiscoveryRate(), flagged));
                if (!Double.isNaN(wasserstein)) {
                    s.add(new DriftStatistic(WASSERSTEIN, wasserstein, null, false));
                }
                s.add(new DriftStatistic(JENSEN_SHANNON, Double.isFinite(js) ? js : 0, null, false));
            }
            Test m = missingRate;
            if (m != null) {
                s.add(new DriftStatistic(MISSING_RATE_CHANGE, m.shownValue, m.shownThreshold, m.flagged));
                s.add(new DriftStatistic(MISSING_P_VALUE, m.adjustedP, t.falseDiscoveryRate(), m.flagged));
            }
            return s;
        }

        FeatureHealth health(DriftStatistic[] stats) {
            if (p == null) {
                return new FeatureHealth(fr.name(), fr.numeric() ? "NUMERIC" : "CATEGORICAL", 0, events, 0, null, null,
                        null, null, null, null, stats);
            }
            return DriftEvaluator.health(fr.name(), p, missing, stats);
        }
    }

    private static Assessment assess(String signal, FeatureReference fr, FeatureProfile p, long events, long missing,
            boolean isFeature, Thresholds t) {
        Assessment a = new Assessment(signal, isFeature, fr, p, events, missing);
        long present = p == null ? 0 : p.present();
        if (isFeature) {
            // Missing values are data quality (QualityEvaluator, DATA_QUALITY triggers naming the
            // feature): one cause, one trigger, so no missing-rate test here.
            a.missingRate = null;
        }
        if (p == null || !fr.hasBins() || p.bins() == null || p.bins().length != fr.binCount()) {
            return a;
        }
        long[] bins = p.bins();
        double[] windowCounts = new double[bins.length];
        double counted = 0;
        for (int i = 0; i < bins.length; i++) {
            windowCounts[i] = bins[i];
            counted += bins[i];
        }
        if (counted == 0) {
            return a;
        }
        double n = fr.present();
        double m = counted;
        Test d = new Test();
        // Half the minimum window: below that, neither the test's asymptotics nor the effect
        // size estimate are to be trusted, so the statistics are shown but not acted on.
        d.enough = m * 2 >= t.minWindowEvents() && n * 2 >= t.minWindowEvents();

        double[] psiExpected = fr.psiProportions();
        for (int i = 0; i < psiExpected.length; i++) {
            psiExpected[i] *= n;
        }
        double[] psiActual = fr.psiCounts(bins);
        d.psi = PopulationStabilityIndex.of(psiExpected, psiActual, PopulationStabilityIndex.DEFAULT_SMOOTHING);
        a.js = JensenShannon.distance(psiExpected, psiActual);

        double[] refCounts = fr.countingProportions();
        for (int i = 0; i < refCounts.length; i++) {
            refCounts[i] *= n;
        }
        if (fr.categoryBins() != null || fr.discrete()) {
            // Categories, or the values of a discrete numeric feature (a flag, a class label, a
            // small count) counted exactly: a test of homogeneity on them, where a KS test on a
            // handful of tied values would lose most of its power.
            ChiSquareHomogeneity.Result chi = ChiSquareHomogeneity.test(refCounts, windowCounts);
            a.chiSquare = chi.statistic();
            d.pValue = twoValues(refCounts, windowCounts, chi.pValue());
            if (fr.discrete()) {
                a.wasserstein = numericShift(fr, refCounts, windowCounts);
            }
            double linf = 0;
            double share = 0;
            for (int i = 0; i < refCounts.length; i++) {
                double change = Math.abs(refCounts[i] / n - windowCounts[i] / m);
                if (change > linf) {
                    linf = change;
                    share = refCounts[i] / n;
                }
            }
            d.effect = linf;
            d.floor = Math.max(t.minCategoryShift(), shareMargin(share, n));
            d.effectStatistic = LINF;
            d.shownValue = linf;
            d.shownThreshold = d.floor;
        } else {
            double eps = fr.rankError();
            double ks = KolmogorovSmirnov.distance(refCounts, windowCounts);
            // The test is Anderson-Darling's on the same grid (the reference's rank error shrinks
            // every gap, as it raises KS's critical value): KS sees only the largest CDF gap, and a
            // change of spread spreads its gap over both tails, where KS has little power (a
            // doubled variance moves no CDF value by more than 0.085). AD weighs the whole CDF and
            // its tails; see AndersonDarling for the power on 600-1,200-event windows.
            double ad = AndersonDarling.statistic(refCounts, windowCounts, eps);
            a.andersonDarling = ad;
            a.andersonDarlingCritical = AndersonDarling.criticalValue(t.falseDiscoveryRate());
            d.pValue = AndersonDarling.pValue(ad);
            // The effect stays the KS distance: the largest change of P(X <= x), in the same units
            // as every other floor. The sketch's rank error may account for eps of it, so only what
            // lies beyond counts.
            d.effect = Math.max(0, ks - eps);
            d.floor = Math.max(t.minNumericShift(), REFERENCE_KS_LAMBDA / Math.sqrt(n));
            d.effectStatistic = KS;
            d.shownValue = ks;
            // The effect threshold: reaching it means reaching the floor beyond the rank error;
            // significance is the Anderson-Darling test's (its p_value, its own threshold).
            d.shownThreshold = eps + d.floor;
            a.wasserstein = numericShift(fr, refCounts, windowCounts);
        }
        a.distribution = d;
        return a;
    }

    /**
     * Standard errors of the reference's own sampling error that an effect must exceed, beyond
     * the configured floor: {@code 5}, a two-sided normal tail of 5.7e-7.
     *
     * <p>Why: every window of a model version is compared with the same reference. A reference
     * whose share of some value is off by chance makes the same difference appear in every
     * window, and with a small reference that difference can pass both the test (the window's
     * side of the variance is small) and the floor: the version then flags window after window,
     * and its escalation turns that into a false trigger a day for the version's lifetime. Only the
     * floor can stop it, and only if it exceeds what the reference's error can reach by chance.
     * So an effect counts beyond {@code max(floor, 5 sqrt(p (1 - p) / n))} for a share {@code p}
     * of a reference of {@code n} values: for the default reference (5,000 values) at most 0.035,
     * below the 0.05 floor, so nothing changes; for 180 values up to 0.19. A small reference can
     * only vouch for large changes. CUSUM's allowance has the same correction
     * ({@link SequentialMonitor#cusumAllowance}); the data-quality checks use it too.
     */
    public static final double REFERENCE_STANDARD_ERRORS = 5;

    /**
     * The KS counterpart of {@link #REFERENCE_STANDARD_ERRORS}: the distance between a reference
     * of {@code n} values and its own distribution exceeds {@code lambda / sqrt(n)} with
     * probability {@code Q_KS(lambda)} (Kolmogorov's limit), 1e-6 at {@code lambda = 2.69}: at
     * the default 5,000 values 0.038, below the floor; at 180 values 0.20.
     */
    public static final double REFERENCE_KS_LAMBDA = 2.69;

    /** {@link #REFERENCE_STANDARD_ERRORS} standard errors of a share {@code p} of {@code n} values. */
    public static double shareMargin(double p, double n) {
        if (!(n > 0)) {
            return 0;
        }
        return REFERENCE_STANDARD_ERRORS * Math.sqrt(Math.max(0, p * (1 - p)) / n);
    }

    /**
     * With exactly two values (or categories) seen on either side, Fisher's exact test of their
     * shares ({@link FisherExact}, two-sided): the chi-square approximation pools expected counts
     * below 5, which for a rare flag (1% ones in a reference of a few hundred) leaves nothing to
     * test; otherwise {@code chiSquareP}.
     */
    static double twoValues(double[] refCounts, double[] windowCounts, double chiSquareP) {
        int first = -1;
        int second = -1;
        for (int i = 0; i < refCounts.length; i++) {
            if (refCounts[i] > 0 || windowCounts[i] > 0) {
                if (first < 0) {
                    first = i;
                } else if (second < 0) {
                    second = i;
                } else {
                    return chiSquareP;
                }
            }
        }
        if (second < 0) {
            return chiSquareP;
        }
        long k1 = Math.round(refCounts[second]);
        long n1 = k1 + Math.round(refCounts[first]);
        long k2 = Math.round(windowCounts[second]);
        long n2 = k2 + Math.round(windowCounts[first]);
        if (n1 == 0 || n2 == 0) {
            return chiSquareP;
        }
        return FisherExact.twoSided(k1, n1, k2, n2);
    }

    /**
     * Trimmed Wasserstein-1 between reference and window on the counting bins, in reference
     * standard deviations ({@link FeatureReference#scale()}): Evidently's "normed" Wasserstein.
     */
    static double numericShift(FeatureReference fr, double[] refCounts, double[] windowCounts) {
        double[] edges = fr.grid() != null ? fr.grid().edges() : fr.numericBins().edges();
        return Wasserstein.ofBins(edges, refCounts, windowCounts) / fr.scale();
    }

    private static FeatureHealth health(String name, FeatureProfile p, long missing, DriftStatistic[] drift) {
        RunningMoments m = p.moments();
        boolean numeric = p.numericCount() >= p.categoricalCount();
        Quantiles q = null;
        if (numeric && p.hasNumericValues()) {
            double[] v = p.quantiles(new double[] {0.05, 0.25, 0.5, 0.75, 0.95});
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

    private static Double finite(double x) {
        return Double.isFinite(x) ? x : null;
    }

    private static DriftSignal signal(Context c, String reason, List<Evidence> evidence, boolean critical) {
        return new DriftSignal(c.modelId(), c.modelVersion(), reason, c.windowStart(), c.windowEnd(), c.eventsSeen(),
                evidence.toArray(Evidence[]::new), critical, c.thresholdsVersion());
    }
}
