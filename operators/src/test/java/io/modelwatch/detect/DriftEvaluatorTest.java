package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.testing.Events;
import io.modelwatch.testing.Generated;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DriftEvaluatorTest {
    static final Thresholds T = Thresholds.defaults();
    static final DriftEvaluator.Context CTX = new DriftEvaluator.Context("m", "1", 0, 60_000, 7000, 0, 0, "v1");

    static ReferenceProfile reference() {
        ModelProfile learned = new ModelProfile();
        Events.stream("m", 1, 5000, 0, 10, 0, 0).forEach(learned::add);
        return ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
    }

    static ModelProfile window(ReferenceProfile ref, long seed, double shift, double planSkew) {
        ModelProfile w = ModelProfile.against(ref);
        for (PredictionEvent e : Events.stream("m", seed, 2000, 0, 10, shift, planSkew)) {
            w.add(e, ref);
        }
        return w;
    }

    @Test
    void unchangedTrafficIsNotDrift() {
        ReferenceProfile ref = reference();
        for (long seed = 10; seed < 30; seed++) {
            WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, seed, 0, 0), T, CTX);
            assertThat(eval.signals()).isEmpty();
            assertThat(eval.report().status()).isEqualTo(HealthReport.OK);
        }
    }

    @Test
    void aOneSigmaShiftIsCriticalFeatureAndPredictionDriftNamingTheFeature() {
        ReferenceProfile ref = reference();
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, 99, 1.0, 0), T, CTX);
        assertThat(eval.report().status()).isEqualTo(HealthReport.DRIFTING);
        assertThat(eval.signals()).extracting(DriftSignal::reason)
                .containsExactly(RetrainTrigger.FEATURE_DRIFT, RetrainTrigger.PREDICTION_DRIFT);
        DriftSignal feature = eval.signals().get(0);
        assertThat(feature.evidence()[0].signal()).isEqualTo("feature:x");
        assertThat(feature.evidence()[0].value()).isGreaterThan(T.psiCritical());
        assertThat(feature.critical()).isTrue();
        assertThat(List.of(feature.evidence())).noneMatch(e -> e.signal().equals("feature:plan"));
    }

    @Test
    void aCategoryProportionChangeIsDriftOfThatFeatureOnly() {
        ReferenceProfile ref = reference();
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, 5, 0, 0.3), T, CTX);
        assertThat(eval.signals()).extracting(DriftSignal::reason).containsExactly(RetrainTrigger.FEATURE_DRIFT);
        assertThat(eval.signals().get(0).evidence()).extracting(e -> e.signal()).containsExactly("feature:plan");
    }

    @Test
    void reportCarriesSummariesAndThresholds() {
        ReferenceProfile ref = reference();
        HealthReport r = DriftEvaluator.evaluate(ref, window(ref, 3, 0, 0), T, CTX).report();
        assertThat(r.events()).isEqualTo(2000);
        assertThat(r.referenceEvents()).isEqualTo(5000);
        assertThat(r.thresholdsVersion()).isEqualTo("v1");
        HealthReport.FeatureHealth x = r.features()[0];
        assertThat(x.name()).isEqualTo("x");
        assertThat(x.type()).isEqualTo("NUMERIC");
        assertThat(x.mean()).isCloseTo(10.0, org.assertj.core.data.Offset.offset(0.2));
        assertThat(x.stddev()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.2));
        assertThat(x.quantiles().p50()).isCloseTo(10.0, org.assertj.core.data.Offset.offset(0.3));
        assertThat(x.drift()[0].statistic()).isEqualTo("psi");
        assertThat(x.drift()[0].threshold()).isEqualTo(0.1);
        assertThat(x.drift()).extracting(HealthReport.DriftStatistic::statistic)
                .containsExactly("psi", "ks", "anderson_darling", "p_value", "wasserstein", "jensen_shannon");
        assertThat(stat(x, "p_value").threshold()).isEqualTo(T.falseDiscoveryRate());
        // The larger of the effect floor and the sample-size-aware critical distance at level fdr
        // (1.95 / (sqrt(ne) + 0.12) = 0.051 with ne = 1429), both raised by the sketch's rank error.
        assertThat(stat(x, "ks").threshold()).isBetween(0.052, 0.07);
        assertThat(stat(x, "wasserstein").threshold()).isNull();
        HealthReport.FeatureHealth plan = r.features()[1];
        assertThat(plan.type()).isEqualTo("CATEGORICAL");
        assertThat(plan.topCategories()[0].value()).isEqualTo("basic");
        assertThat(plan.drift()).extracting(HealthReport.DriftStatistic::statistic)
                .containsExactly("psi", "linf", "chi_square", "p_value", "jensen_shannon");
    }

    static HealthReport.DriftStatistic stat(HealthReport.FeatureHealth f, String name) {
        return Arrays.stream(f.drift()).filter(d -> d.statistic().equals(name)).findFirst().orElseThrow();
    }

    static HealthReport.FeatureHealth feature(HealthReport r, String name) {
        return Arrays.stream(r.features()).filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    static ReferenceProfile learn(List<PredictionEvent> events) {
        ModelProfile learned = new ModelProfile();
        events.forEach(learned::add);
        return ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
    }

    static ModelProfile window(ReferenceProfile ref, List<PredictionEvent> events) {
        ModelProfile w = ModelProfile.against(ref);
        events.forEach(e -> w.add(e, ref));
        return w;
    }

    static double normal(SplittableRandom r, double mean, double sd) {
        return mean + sd * r.nextGaussian();
    }

    @Test
    void manyStationaryFeaturesOfAwkwardShapesStayQuiet() {
        // 24 features: normal, heavy-tailed, integer counts, zero-inflated, bimodal, constant,
        // high-cardinality and binary categoricals, some with a constant missing rate. All tests
        // of a window form one Benjamini-Hochberg family.
        Generated model = new Generated();
        for (int k = 0; k < 3; k++) {
            model.feature("normal" + k, r -> normal(r, 50, 10))
                    .feature("cauchy" + k, r -> Math.tan(Math.PI * (r.nextDouble() - 0.5)))
                    .feature("count" + k, r -> (double) Generated.poisson(r, 3))
                    .feature("zeroInflated" + k, r -> r.nextDouble() < 0.7 ? 0.0 : Math.exp(normal(r, 3, 1)))
                    .feature("bimodal" + k, r -> r.nextBoolean() ? normal(r, -3, 1) : normal(r, 3, 1))
                    .feature("constant" + k, r -> 1.0)
                    .feature("city" + k, Generated.zipf(300))
                    .feature("flag" + k, r -> r.nextDouble() < 0.1 ? null : r.nextBoolean() ? "yes" : "no");
        }
        ReferenceProfile ref = learn(model.events(1, 5000));
        for (long seed = 100; seed < 115; seed++) {
            int size = seed % 3 == 0 ? 20_000 : 1000;
            WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, model.events(seed, size)), T, CTX);
            assertThat(eval.signals()).as("seed %d, %d events", seed, size).isEmpty();
        }
    }

    @Test
    void aDoubledVarianceIsFlaggedByTheAndersonDarlingTestInEveryWindow() {
        // A learned reference of 5,000 values (with the sketch's rank error) and windows of 1,200
        // (two minutes at 10 events/s): the largest CDF gap of a doubled variance is only about
        // 0.085, which KS at these sizes often does not find significant. Anderson-Darling does,
        // and the effect (the KS distance beyond the rank error) passes the 5% floor.
        Generated before = new Generated().feature("x", r -> normal(r, 0, 1));
        Generated wider = new Generated().feature("x", r -> normal(r, 0, Math.sqrt(2)));
        ReferenceProfile ref = learn(before.events(1, 5000));
        for (long seed = 20; seed < 30; seed++) {
            WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, wider.events(seed, 1200)), T, CTX);
            assertThat(eval.signals()).as("seed %d", seed).extracting(DriftSignal::reason)
                    .contains(RetrainTrigger.FEATURE_DRIFT);
            HealthReport.FeatureHealth x = feature(eval.report(), "x");
            assertThat(stat(x, "anderson_darling").drifted()).isTrue();
            assertThat(stat(x, "anderson_darling").value()).isGreaterThan(stat(x, "anderson_darling").threshold());
            assertThat(stat(x, "p_value").value()).isLessThanOrEqualTo(T.falseDiscoveryRate());
        }
        // Unchanged windows of the same size stay quiet.
        for (long seed = 40; seed < 50; seed++) {
            assertThat(DriftEvaluator.evaluate(ref, window(ref, before.events(seed, 1200)), T, CTX).signals())
                    .as("seed %d", seed).isEmpty();
        }
    }

    @Test
    void aContinuousFeaturesEvidenceNamesTheEffectAndTheTestThatMadeItSignificant() {
        ReferenceProfile ref = reference();
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, 99, 1.0, 0), T, CTX);
        DriftSignal feature = eval.signals().get(0);
        // ks (the effect, against the floor plus the rank error), then anderson_darling (what
        // decided significance, against its critical value at the false discovery rate).
        assertThat(feature.evidence()).extracting(e -> e.signal() + "/" + e.statistic())
                .containsExactly("feature:x/ks", "feature:x/anderson_darling");
        HealthReport.FeatureHealth x = feature(eval.report(), "x");
        assertThat(feature.evidence()[1].value()).isEqualTo(stat(x, "anderson_darling").value());
        assertThat(feature.evidence()[1].threshold())
                .isEqualTo(io.modelwatch.stats.tests.AndersonDarling.criticalValue(T.falseDiscoveryRate()));
        assertThat(feature.evidence()[1].value()).isGreaterThan(feature.evidence()[1].threshold());
        // Discrete and categorical features keep their one entry: linf (the chi-square or
        // Fisher p-value is in the report).
        WindowEvaluation plan = DriftEvaluator.evaluate(ref, window(ref, 5, 0, 0.3), T, CTX);
        assertThat(plan.signals().get(0).evidence()).extracting(e -> e.statistic()).containsExactly("linf");
    }

    @Test
    void aSignificantButTrivialShiftInHugeSamplesIsNotDrift() {
        // A training-file reference of 200k values counted exactly, and a 100k window shifted by
        // 0.05 sd: the test is certain the distributions differ (KS: D = 2 Phi(0.025) - 1 = 0.02
        // against a critical 0.008; Anderson-Darling too), but 2% of the mass moving is less than
        // the 5% floor.
        Generated before = new Generated().feature("x", r -> normal(r, 0, 1));
        Generated after = new Generated().feature("x", r -> normal(r, 0.05, 1));
        List<PredictionEvent> training = before.events(1, 200_000);
        ReferenceProfile learned = learn(training);
        ReferenceProfile ref = learned.withExactProportions(window(learned, training));
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, after.events(2, 100_000)), T, CTX);
        HealthReport.FeatureHealth x = feature(eval.report(), "x");
        assertThat(stat(x, "p_value").value()).isLessThan(1e-6);
        assertThat(stat(x, "ks").value()).isBetween(0.015, 0.025);
        assertThat(eval.signals()).isEmpty();
        // Ten times the shift is both significant and relevant.
        Generated far = new Generated().feature("x", r -> normal(r, 0.5, 1));
        assertThat(DriftEvaluator.evaluate(ref, window(ref, far.events(3, 100_000)), T, CTX).signals()).hasSize(1);
    }

    @Test
    void aMissingRateJumpIsDataQualityNotDrift() {
        // Missing values are judged by QualityEvaluator (a DATA_QUALITY trigger naming the
        // feature): the drift statistics look at the values that are there, so one cause gives
        // one trigger.
        Generated before = new Generated().feature("x", r -> normal(r, 0, 1))
                .feature("region", r -> r.nextDouble() < 0.05 ? null : "eu");
        Generated after = new Generated().feature("x", r -> normal(r, 0, 1))
                .feature("region", r -> r.nextDouble() < 0.20 ? null : "eu");
        ReferenceProfile ref = learn(before.events(1, 5000));
        ModelProfile w = window(ref, after.events(2, 1200));
        assertThat(DriftEvaluator.evaluate(ref, w, T, CTX).signals()).isEmpty();
        assertThat(QualityEvaluator.evaluate(ref, w, T, 60_000, 0).findings())
                .extracting(f -> f.signal() + "/" + f.statistic()).contains("quality:region/missing_rate_increase");
    }

    @Test
    void aNewCategoryIsDriftOfThatFeature() {
        Generated before = new Generated().feature("plan", r -> r.nextDouble() < 0.6 ? "basic" : "pro");
        Generated after = new Generated().feature("plan",
                r -> r.nextDouble() < 0.1 ? "enterprise" : r.nextDouble() < 0.6 ? "basic" : "pro");
        ReferenceProfile ref = learn(before.events(1, 5000));
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, after.events(2, 1200)), T, CTX);
        assertThat(eval.signals()).hasSize(1);
        assertThat(eval.signals().get(0).evidence()).extracting(e -> e.signal() + "/" + e.statistic())
                .containsExactly("feature:plan/linf");
        // The new category's 10% went to OTHER; PSI with an empty reference bin is large: CRITICAL.
        assertThat(eval.signals().get(0).critical()).isTrue();
    }

    @Test
    void aFeatureMissingFromEveryEventOfTheWindowIsADataQualityFinding() {
        Generated before = new Generated().feature("x", r -> normal(r, 0, 1)).feature("y", r -> normal(r, 0, 1));
        Generated after = new Generated().feature("x", r -> normal(r, 0, 1));
        ReferenceProfile ref = learn(before.events(1, 5000));
        ModelProfile w = window(ref, after.events(2, 1200));
        assertThat(DriftEvaluator.evaluate(ref, w, T, CTX).signals()).isEmpty();
        assertThat(QualityEvaluator.evaluate(ref, w, T, 60_000, 0).findings().get(0).signal()).isEqualTo("quality:y");
    }
}
