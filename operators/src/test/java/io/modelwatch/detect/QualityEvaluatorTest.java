package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.HealthReport.QualityFinding;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.ModelProfile;
import io.modelwatch.stats.ReferenceProfile;
import io.modelwatch.testing.Events;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class QualityEvaluatorTest {
    static final Thresholds T = Thresholds.defaults();
    static final long MINUTE = 60_000;

    /** 5,000 reference events over 5 minutes, then windows of 1,000 events per minute: the same rate. */
    static ReferenceProfile reference() {
        ModelProfile learned = new ModelProfile();
        Events.stream("m", 1, 5000, 0, 60, 0, 0).forEach(learned::add);
        return ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
    }

    static List<QualityFinding> window(long seed, int n, UnaryOperator<PredictionEvent> damage) {
        ReferenceProfile ref = reference();
        ModelProfile w = ModelProfile.against(ref);
        for (PredictionEvent e : Events.stream("m", seed, n, 0, 60, 0, 0)) {
            w.add(damage.apply(e), ref);
        }
        return QualityEvaluator.evaluate(ref, w, T, MINUTE, 0).findings();
    }

    /** Every {@code every}-th event gets feature {@code index} replaced. */
    static UnaryOperator<PredictionEvent> every(int every, int index, byte kind, double x, String s) {
        int[] i = {0};
        return e -> {
            if (i[0]++ % every != 0) {
                return e;
            }
            byte[] kinds = e.featureKinds().clone();
            double[] nums = e.numericValues().clone();
            String[] cats = e.categoricalValues().clone();
            kinds[index] = kind;
            nums[index] = x;
            cats[index] = s;
            return new PredictionEvent(e.modelId(), e.modelVersion(), e.predictionId(), e.timestamp(), e.featureNames(),
                    kinds, nums, cats, e.predictionKind(), e.numericPrediction(), e.categoricalPrediction());
        };
    }

    @Test
    void cleanTrafficHasNoFindings() {
        for (long seed = 10; seed < 40; seed++) {
            assertThat(window(seed, 1000, e -> e)).isEmpty();
        }
    }

    @Test
    void aFeatureArrivingNullOneTimeInThreeIsACriticalMissingRateFinding() {
        // Every third event: 33% missing, against none in the reference.
        List<QualityFinding> f = window(3, 1000, every(3, 0, ValueKind.MISSING, 0, null));
        assertThat(f).extracting(QualityFinding::signal, QualityFinding::statistic)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("quality:x", "missing_rate_increase"));
        assertThat(f.get(0).value()).isGreaterThan(2.5 * T.missingRateIncrease());
        assertThat(f.get(0).pValue()).isLessThan(1e-100);
    }

    @Test
    void aUnitChangeIsOutOfRange() {
        assertThat(window(4, 1000, every(20, 0, ValueKind.NUMERIC, 1000.0, null)))
                .extracting(QualityFinding::statistic).containsExactly("out_of_range_rate");
    }

    @Test
    void nanValuesWrongTypesAndNewCategoriesAreEachNamed() {
        assertThat(window(5, 1000, every(25, 0, ValueKind.NON_FINITE, 0, null)))
                .extracting(QualityFinding::statistic).containsExactly("non_finite_rate");
        assertThat(window(6, 1000, every(25, 0, ValueKind.CATEGORICAL, 0, "n/a")))
                .extracting(QualityFinding::statistic).containsExactly("type_mismatch_rate");
        assertThat(window(7, 1000, every(25, 1, ValueKind.CATEGORICAL, 0, "platinum")))
                .extracting(QualityFinding::signal, QualityFinding::statistic)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("quality:plan", "unseen_category_rate"));
    }

    @Test
    void aFewBadValuesInABigWindowAreBelowTheEffectFloor() {
        // 0.5% missing is significant against a reference with none, but under the 5 point floor.
        assertThat(window(8, 1000, every(200, 0, ValueKind.MISSING, 0, null))).isEmpty();
    }

    @Test
    void volumeFindingOnlyForAnOrderOfMagnitude() {
        ReferenceProfile ref = reference();
        ModelProfile w = ModelProfile.against(ref);
        Events.stream("m", 9, 60, 0, 1000, 0, 0).forEach(e -> w.add(e, ref));
        // 60 events in a minute against ~1,000 expected: a 16x drop.
        List<QualityFinding> f = QualityEvaluator.evaluate(ref, w, T, MINUTE, 0).findings();
        assertThat(f).extracting(QualityFinding::signal).contains("quality:volume");
        ModelProfile half = ModelProfile.against(ref);
        Events.stream("m", 9, 500, 0, 120, 0, 0).forEach(e -> half.add(e, ref));
        assertThat(QualityEvaluator.evaluate(ref, half, T, MINUTE, 0).findings()).isEmpty();
    }
}
