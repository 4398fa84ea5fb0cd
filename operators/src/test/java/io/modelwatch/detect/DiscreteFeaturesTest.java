package io.modelwatch.detect;

import io.modelwatch.stats.sketches.ReproducibleKll;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.FeatureProfile;
import io.modelwatch.stats.profiles.FeatureReference;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.sketches.QuantileBins;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Discrete and dominant values: flags, hard class labels, counts that are nearly always zero.
 * Before values holding more than 1/G of the reference had bins of their own, a 0/1 flag moving
 * from 1% to 30% ones gave KS 0, CUSUM 0 and no signal.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiscreteFeaturesTest {
    static final Thresholds T = Thresholds.defaults();
    static final DriftEvaluator.Context CTX = new DriftEvaluator.Context("m", "1", 0, 60_000, 7000, 0, 0, "v1");

    /** Events with numeric feature "flag" and "x" (normal) and a numeric prediction. */
    static List<PredictionEvent> events(long seed, int n, DoubleSupplier flag, DoubleSupplier prediction) {
        SplittableRandom r = new SplittableRandom(seed);
        List<PredictionEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double f = flag.getAsDouble();
            out.add(new PredictionEvent("m", "1", "p" + i, i, new String[] {"flag", "x"},
                    new byte[] {Double.isNaN(f) ? ValueKind.MISSING : ValueKind.NUMERIC, ValueKind.NUMERIC},
                    new double[] {f, r.nextGaussian()}, new String[2], ValueKind.NUMERIC, prediction.getAsDouble(),
                    null));
        }
        return out;
    }

    static DoubleSupplier bernoulli(long seed, double p) {
        SplittableRandom r = new SplittableRandom(seed);
        return () -> r.nextDouble() < p ? 1 : 0;
    }

    static DoubleSupplier uniform(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return r::nextDouble;
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

    @Test
    void aDominantValueInASketchGetsABinOfItsOwn() {
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(200);
        for (int i = 0; i < 5000; i++) {
            ReproducibleKll.update(s, i % 100 == 0 ? 1 : 0);
        }
        QuantileBins grid = QuantileBins.fromSketch(s, 50);
        // Every quantile is 0; 0 is an atom of 99%, so [0, nextUp(0)) is its bin and 1 lies above.
        assertThat(grid.edges()).containsExactly(0.0, Math.nextUp(0.0));
        assertThat(grid.binOf(0)).isEqualTo(1);
        assertThat(grid.binOf(1)).isEqualTo(2);
        assertThat(grid.referenceProportions()[1]).isCloseTo(0.99, org.assertj.core.data.Offset.offset(0.015));
    }

    @Test
    void aContinuousFeatureKeepsItsGrid() {
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(200);
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 5000; i++) {
            ReproducibleKll.update(s, r.nextGaussian());
        }
        QuantileBins grid = QuantileBins.fromSketch(s, 50);
        assertThat(grid.binCount()).isEqualTo(50);
        assertThat(grid.singleValued()).isFalse();
    }

    @Test
    void exactValueBinsHoldEachValueAloneWithItsShare() {
        QuantileBins b = QuantileBins.ofValues(new double[] {0, 1, 2}, new long[] {70, 20, 10});
        assertThat(b.edges()).containsExactly(0, Math.nextUp(0.0), 1, Math.nextUp(1.0), 2, Math.nextUp(2.0));
        assertThat(b.referenceProportions()).containsExactly(0, 0.7, 0, 0.2, 0, 0.1, 0);
        assertThat(b.singleValued()).isTrue();
        assertThat(b.binOf(0.5)).isEqualTo(2);
        assertThat(b.binOf(-3)).isEqualTo(0);
        assertThat(b.binOf(7)).isEqualTo(6);
    }

    @Test
    void aFlagsReferenceIsDiscreteAndExact() {
        ReferenceProfile ref = learn(events(1, 5000, bernoulli(2, 0.01), uniform(3)));
        FeatureReference flag = ref.feature("flag");
        assertThat(flag.discrete()).isTrue();
        assertThat(flag.rankError()).isZero();
        assertThat(ref.feature("x").discrete()).isFalse();
        assertThat(ref.prediction().discrete()).isFalse();
        // Survives the state round trip (the bins are ordinary edges and shares).
        assertThat(ReferenceProfile.fromBytes(ref.toBytes()).feature("flag").discrete()).isTrue();
    }

    @Test
    void aRareFlagRisingFrom1To30PercentIsFeatureDriftOnThatFlag() {
        ReferenceProfile ref = learn(events(1, 5000, bernoulli(2, 0.01), uniform(3)));
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, events(4, 1200, bernoulli(5, 0.30),
                uniform(6))), T, CTX);
        assertThat(eval.signals()).extracting(DriftSignal::reason).containsExactly(RetrainTrigger.FEATURE_DRIFT);
        assertThat(eval.signals().get(0).evidence()[0].signal()).isEqualTo("feature:flag");
        assertThat(eval.signals().get(0).evidence()[0].statistic()).isEqualTo("linf");
        assertThat(eval.signals().get(0).evidence()[0].value()).isBetween(0.25, 0.33);
        HealthReport.FeatureHealth f = DriftEvaluatorTest.feature(eval.report(), "flag");
        assertThat(DriftEvaluatorTest.stat(f, "psi").value()).isGreaterThan(0.25);
        // Exact on value bins: W1 of a 0/1 variable is the change of its share of ones.
        assertThat(DriftEvaluatorTest.stat(f, "wasserstein").value()).isGreaterThan(0.25 / ref.feature("flag").scale());
        // And the PIT shift that CUSUM and Page-Hinkley watch sees it: half the change of the share.
        ModelProfile w = window(ref, events(4, 1200, bernoulli(5, 0.30), uniform(6)));
        assertThat(SequentialMonitor.pitShift(ref.feature("flag"), w.features().get("flag").bins()))
                .isBetween(0.12, 0.16);
    }

    @Test
    void aHardLabelPredictionWhosePositiveShareRisesIsPredictionDrift() {
        ReferenceProfile ref = learn(events(1, 5000, uniform(2), bernoulli(3, 0.01)));
        assertThat(ref.prediction().discrete()).isTrue();
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, events(4, 1200, uniform(5),
                bernoulli(6, 0.40))), T, CTX);
        assertThat(eval.signals()).extracting(DriftSignal::reason).containsExactly(RetrainTrigger.PREDICTION_DRIFT);
    }

    @Test
    void aBinaryFeatureFrom30To40PercentFlagsInOneWindow() {
        ReferenceProfile ref = learn(events(1, 5000, bernoulli(2, 0.30), uniform(3)));
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, events(4, 1000, bernoulli(5, 0.40),
                uniform(6))), T, CTX);
        assertThat(eval.signals()).hasSize(1);
        assertThat(eval.signals().get(0).evidence()[0].signal()).isEqualTo("feature:flag");
    }

    @Test
    void unchangedFlagsRareOrCommonAndSmallReferencesStayQuiet() {
        int flagged = 0;
        for (double p : new double[] {0.01, 0.3, 0.99}) {
            for (int n : new int[] {180, 5000}) {
                ReferenceProfile ref = learn(events(n + (long) (p * 100), n, bernoulli(7 + n, p), uniform(8)));
                for (long seed = 0; seed < 20; seed++) {
                    WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, events(100 + seed, 1000,
                            bernoulli(200 + seed, p), uniform(300 + seed))), T, CTX);
                    flagged += eval.signals().isEmpty() ? 0 : 1;
                }
            }
        }
        assertThat(flagged).isZero();
    }

    @Test
    void aThreeValuedIntegerReweightedIsFound() {
        SplittableRandom r = new SplittableRandom(9);
        double[] before = {0.5, 0.3, 0.2};
        double[] after = {0.35, 0.3, 0.35};
        ReferenceProfile ref = learn(events(1, 5000, () -> draw(r, before), uniform(3)));
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, events(4, 1000, () -> draw(r, after),
                uniform(6))), T, CTX);
        assertThat(eval.signals()).hasSize(1);
        assertThat(eval.signals().get(0).evidence()[0].signal()).isEqualTo("feature:flag");
        assertThat(eval.signals().get(0).evidence()[0].value()).isBetween(0.1, 0.2);
    }

    static double draw(SplittableRandom r, double[] shares) {
        double u = r.nextDouble();
        for (int i = 0; i < shares.length; i++) {
            u -= shares[i];
            if (u < 0) {
                return i;
            }
        }
        return shares.length - 1;
    }

    @Test
    void aReferenceFromAnOlderStateFormatStillGetsItsAtomsSeparated() {
        // A profile without exact values (as restored from format 3): the sketch path, atoms isolated.
        FeatureProfile p = new FeatureProfile();
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 5000; i++) {
            p.addNumeric(r.nextDouble() < 0.01 ? 1 + r.nextDouble() : 0, -1);
        }
        FeatureReference fr = FeatureReference.freeze("count", p, 5000, 10, 20);
        assertThat(fr.discrete()).isFalse();
        assertThat(fr.binOf(0)).isNotEqualTo(fr.binOf(1.5));
    }
}
