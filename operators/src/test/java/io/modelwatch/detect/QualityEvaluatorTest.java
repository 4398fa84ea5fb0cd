package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.HealthReport.QualityFinding;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
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

    /** A reference whose feature x is missing in every other event, and a window with {@code missingEvery}. */
    static List<QualityFinding> halfMissingReference(long seed, int missingEvery) {
        ModelProfile learned = new ModelProfile();
        UnaryOperator<PredictionEvent> half = every(2, 0, ValueKind.MISSING, 0, null);
        Events.stream("m", 1, 5000, 0, 60, 0, 0).forEach(e -> learned.add(half.apply(e)));
        ReferenceProfile ref = ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
        ModelProfile w = ModelProfile.against(ref);
        UnaryOperator<PredictionEvent> damage = missingEvery > 0 ? every(missingEvery, 0, ValueKind.MISSING, 0, null)
                : e -> e;
        Events.stream("m", seed, 1000, 0, 60, 0, 0).forEach(e -> w.add(damage.apply(e), ref));
        return QualityEvaluator.evaluate(ref, w, T, MINUTE, 0).findings();
    }

    @Test
    void nullsReplacedByADefaultAreAMissingRateDrop() {
        // The reference had half the values missing; the window none (filled in upstream).
        List<QualityFinding> f = halfMissingReference(11, 0);
        assertThat(f).extracting(QualityFinding::signal, QualityFinding::statistic)
                .contains(org.assertj.core.groups.Tuple.tuple("quality:x", "missing_rate_decrease"));
        QualityFinding drop = f.stream().filter(q -> q.statistic().equals("missing_rate_decrease")).findFirst()
                .orElseThrow();
        assertThat(drop.value()).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.01));
        // Unchanged at 50%: nothing either way.
        assertThat(halfMissingReference(12, 2)).isEmpty();
    }

    @Test
    void aHighMissingRateRisingIsFoundWhereAPoissonTestAgainstTheRateWasWeak() {
        // 50% -> 100% (every event): far past the floor; Fisher's exact test is certain.
        List<QualityFinding> f = halfMissingReference(13, 1);
        assertThat(f).extracting(QualityFinding::statistic).contains("missing_rate_increase");
    }

    @Test
    void theOutsideRangeTailIsTheExactPermutationTail() {
        // sum over s >= k of (s + 1) C(n + m - s - 2, n - 2) / C(n + m, n), with Python's math.comb.
        assertThat(QualityEvaluator.outsideRangeTail(1, 2, 1)).isCloseTo(2.0 / 3, org.assertj.core.data.Percentage.withPercentage(1e-9));
        assertThat(QualityEvaluator.outsideRangeTail(5, 180, 1000)).isCloseTo(0.770736405526219,
                org.assertj.core.data.Percentage.withPercentage(1e-6));
        assertThat(QualityEvaluator.outsideRangeTail(20, 180, 1000)).isCloseTo(0.145468315621602,
                org.assertj.core.data.Percentage.withPercentage(1e-6));
        assertThat(QualityEvaluator.outsideRangeTail(3, 5000, 1000)).isCloseTo(0.0161689811660932,
                org.assertj.core.data.Percentage.withPercentage(1e-6));
        assertThat(QualityEvaluator.outsideRangeTail(30, 5000, 1000)).isCloseTo(8.18961767292852e-23,
                org.assertj.core.data.Percentage.withPercentage(1e-5));
    }
}
