package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.stats.ModelProfile;
import io.modelwatch.stats.ReferenceProfile;
import io.modelwatch.testing.Events;
import java.util.List;
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
        HealthReport.FeatureHealth plan = r.features()[1];
        assertThat(plan.type()).isEqualTo("CATEGORICAL");
        assertThat(plan.topCategories()[0].value()).isEqualTo("basic");
    }
}
