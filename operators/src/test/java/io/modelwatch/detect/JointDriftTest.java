package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.Thresholds;
import io.modelwatch.escalation.EvidenceWeight;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceBuilder;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pair test end to end on profiles: a correlation that flips with unchanged marginals is
 * FEATURE_DRIFT naming both features; stationary traffic with correlated, heavy-tailed, discrete,
 * nearly constant and mostly missing features is not.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JointDriftTest {
    static final Thresholds T = Thresholds.defaults();
    static final DriftEvaluator.Context CTX = new DriftEvaluator.Context("m", "1", 0, 60_000, 7000, 0, 0, "v1");
    static final String[] NAMES = {"a", "b", "heavy", "count", "flag", "sparse", "c"};

    /**
     * a, b standard normal with correlation {@code rho}; heavy Cauchy, tied to a; count 0..4; flag
     * 99% zero; sparse 60% missing, tied to b; c = a plus noise.
     */
    static List<PredictionEvent> events(long seed, int n, double rho) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PredictionEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double a = gaussian(r);
            double b = rho * a + Math.sqrt(1 - rho * rho) * gaussian(r);
            double heavy = Math.tan(Math.PI * (r.nextDouble() - 0.5)) + a;
            double count = r.nextInt(5);
            double flag = r.nextDouble() < 0.01 ? 1 : 0;
            double sparse = b + gaussian(r);
            double c = a + 0.5 * gaussian(r);
            byte[] kinds = new byte[NAMES.length];
            java.util.Arrays.fill(kinds, ValueKind.NUMERIC);
            boolean missing = r.nextDouble() < 0.6;
            if (missing) {
                kinds[5] = ValueKind.MISSING;
            }
            double[] values = {a, b, heavy, count, flag, missing ? 0 : sparse, c};
            out.add(new PredictionEvent("m", "1", null, i, NAMES, kinds, values, new String[NAMES.length],
                    ValueKind.NUMERIC, a + b, null));
        }
        return out;
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    static ModelProfile window(ReferenceProfile ref, List<PredictionEvent> events) {
        ModelProfile w = ModelProfile.against(ref);
        events.forEach(e -> w.add(e, ref));
        return w;
    }

    static ReferenceProfile reference(long seed, double rho) {
        return ReferenceBuilder.fromData(events(seed, T.referenceEvents(), rho), T.numericBins(), T.categoryBins());
    }

    @Test
    void aFlippedCorrelationWithUnchangedMarginalsIsFeatureDriftNamingBothFeatures() {
        ReferenceProfile ref = reference(1, 0.8);
        assertThat(ref.jointComplete()).isTrue();
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, events(2, T.minWindowEvents(), -0.8)), T, CTX);
        assertThat(eval.signals()).extracting(DriftSignal::reason).contains(RetrainTrigger.FEATURE_DRIFT);
        Evidence first = eval.signals().get(0).evidence()[0];
        assertThat(first.signal()).isEqualTo("feature:a*b");
        assertThat(first.statistic()).isEqualTo(DriftEvaluator.RANK_CORRELATION_CHANGE);
        assertThat(first.value()).isGreaterThan(1.4);
        // The marginals did not move: no evidence names a or b alone.
        assertThat(eval.signals().get(0).evidence()).extracting(Evidence::signal)
                .doesNotContain("feature:a", "feature:b");
    }

    @Test
    void stationaryCorrelatedTrafficOfEveryKindFlagsNoPair() {
        ReferenceProfile ref = reference(3, 0.8);
        int pairs = 0;
        for (long seed = 100; seed < 140; seed++) {
            ModelProfile w = window(ref, events(seed, T.minWindowEvents(), 0.8));
            for (DriftEvaluator.PairChange pc : DriftEvaluator.pairs(ref, w, T)) {
                assertThat(pc.flagged()).as("%s*%s in window %d: %s", pc.first(), pc.second(), seed, pc).isFalse();
                pairs++;
            }
        }
        // Joint features: the numeric ones no value of which holds half the reference (not the 1%
        // flag), in name order.
        assertThat(ref.joint().names()).containsExactly("a", "b", "c", "count", "heavy", "sparse");
        assertThat(pairs).isEqualTo(40 * 15);
    }

    @Test
    void aReferenceLearnedFromTrafficCompletesItsJointPartFromTheWindowsAfterIt() {
        ModelProfile learned = new ModelProfile();
        events(5, T.referenceEvents(), 0.8).forEach(learned::add);
        ReferenceProfile ref = ReferenceBuilder.learned(learned, T.numericBins(), T.categoryBins());
        assertThat(ref.jointComplete()).isFalse();
        assertThat(DriftEvaluator.pairs(ref, window(ref, events(6, 1000, -0.8)), T)).isEmpty();
        for (long seed = 10; !ref.jointComplete(); seed++) {
            ref = ref.withJointFrom(window(ref, events(seed, 1000, 0.8)).joint(), T.referenceEvents());
            assertThat(seed).isLessThan(15);
        }
        ReferenceProfile restored = ReferenceProfile.fromBytes(ref.toBytes());
        assertThat(restored.jointComplete()).isTrue();
        assertThat(restored.joint().correlation(0)).isEqualTo(ref.joint().correlation(0));
        List<DriftEvaluator.PairChange> flip = DriftEvaluator.pairs(restored, window(restored, events(7, 1000, -0.8)), T);
        assertThat(flip).filteredOn(DriftEvaluator.PairChange::flagged)
                .extracting(pc -> pc.first() + "*" + pc.second()).contains("a*b");
    }

    @Test
    void windowProfilesKeepTheirJointSummaryThroughBytesAndMerges() {
        ReferenceProfile ref = reference(8, 0.5);
        ModelProfile one = window(ref, events(9, 600, 0.5));
        ModelProfile two = ModelProfile.fromBytes(window(ref, events(10, 600, 0.5)).toBytes());
        one.merge(two);
        assertThat(one.joint().count(0)).isEqualTo(1200);
        assertThat(one.joint().correlation(0)).isBetween(0.35, 0.6);
    }

    @Test
    void theReportShowsTheFlaggedPairFirstWithItsCorrelationsZAndPValue() {
        ReferenceProfile ref = reference(11, 0.8);
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, events(12, T.minWindowEvents(), -0.8)), T, CTX);
        HealthReport.Joint joint = eval.report().joint();
        assertThat(joint.features()).containsExactly("a", "b", "c", "count", "heavy", "sparse");
        assertThat(joint.pairsTested()).isBetween(10, 15);
        HealthReport.PairHealth first = joint.pairs()[0];
        assertThat(first.first() + "*" + first.second()).isEqualTo("a*b");
        assertThat(first.drifted()).isTrue();
        assertThat(first.reference()).isBetween(0.75, 0.85);
        assertThat(first.window()).isBetween(-0.85, -0.75);
        assertThat(first.z()).isLessThan(-30);
        assertThat(first.pValue()).isLessThan(1e-9);
        assertThat(first.threshold()).isEqualTo(DriftEvaluator.MIN_CORRELATION_CHANGE);
        assertThat(first.change()).isEqualTo(eval.signals().get(0).evidence()[0].value());
        // Every flagged pair is shown, flagged ones first, and at least five pairs in all.
        long flagged = DriftEvaluator.pairs(ref, window(ref, events(12, T.minWindowEvents(), -0.8)), T).stream()
                .filter(DriftEvaluator.PairChange::flagged).count();
        assertThat(joint.pairs()).hasSize((int) Math.max(flagged, HealthReport.REPORTED_PAIRS));
        assertThat(joint.pairs()).filteredOn(HealthReport.PairHealth::drifted).hasSize((int) flagged);
        for (int i = 1; i < joint.pairs().length; i++) {
            assertThat(joint.pairs()[i - 1].drifted() || !joint.pairs()[i].drifted()).isTrue();
        }
    }

    @Test
    void aFlippedPairWeighsAsAFeatureOfTheSameStrengthAndAModerateChangeOnce() {
        ReferenceProfile ref = reference(13, 0.8);
        // The flip: a change of about 1.6 against the floor 0.2 (8 times) at z about -60: k times.
        WindowEvaluation flip = DriftEvaluator.evaluate(ref, window(ref, events(14, T.minWindowEvents(), -0.8)), T,
                CTX);
        DriftSignal flipSignal = flip.signals().get(0);
        assertThat(EvidenceWeight.ofDrift(flipSignal, flip.report(), T).weight()).isEqualTo(T.escalationWindows());
        // 0.8 to 0.45: a change of about 0.33, flagged but under twice its floor: once, however
        // significant.
        WindowEvaluation moderate = DriftEvaluator.evaluate(ref, window(ref, events(15, 4 * T.minWindowEvents(), 0.45)),
                T, CTX);
        assertThat(moderate.signals()).hasSize(1);
        DriftSignal moderateSignal = moderate.signals().get(0);
        assertThat(moderateSignal.evidence()).extracting(Evidence::signal).contains("feature:a*b");
        assertThat(moderate.report().joint().pairs()[0].pValue()).isLessThan(1e-9);
        assertThat(EvidenceWeight.ofDrift(moderateSignal, moderate.report(), T).weight()).isEqualTo(1);
    }

    @Test
    void stationaryReportsShowTheFiveStrongestPairsNoneFlagged() {
        ReferenceProfile ref = reference(16, 0.8);
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, events(17, T.minWindowEvents(), 0.8)), T, CTX);
        assertThat(eval.signals()).isEmpty();
        HealthReport.PairHealth[] shown = eval.report().joint().pairs();
        assertThat(shown).hasSize(HealthReport.REPORTED_PAIRS).noneMatch(HealthReport.PairHealth::drifted);
        for (int i = 1; i < shown.length; i++) {
            assertThat(shown[i].pValue()).isGreaterThanOrEqualTo(shown[i - 1].pValue());
        }
        // Without a complete joint reference, no pair is tested and the report has no joint part.
        ModelProfile learned = new ModelProfile();
        events(18, T.referenceEvents(), 0.8).forEach(learned::add);
        ReferenceProfile learning = ReferenceBuilder.learned(learned, T.numericBins(), T.categoryBins());
        assertThat(DriftEvaluator.evaluate(learning, window(learning, events(19, 1000, 0.8)), T, CTX).report().joint())
                .isNull();
    }
}
