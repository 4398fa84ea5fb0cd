package io.modelwatch.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.WindowEvaluation;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport.QualityFinding;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.testing.Generated;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A window counts w times only when its evidence is w-fold overwhelming in significance and effect. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EvidenceWeightTest {
    static final double FDR = 0.001;

    @Test
    void weightNeedsBothThePValueAndTheEffect() {
        // 1 sd shift in a window of 1,200 against 5,000: KS 0.38, threshold about 0.068, p far below 1e-9.
        assertThat(EvidenceWeight.weight(1e-30, FDR, 0.38, 0.068, 3)).isEqualTo(3);
        // Significant enough for 3, but the effect is under twice its threshold (a 0.3 sd shift).
        assertThat(EvidenceWeight.weight(1e-12, FDR, 0.12, 0.068, 3)).isEqualTo(1);
        // Effect three times its threshold, p only below 1e-6: twice.
        assertThat(EvidenceWeight.weight(5e-7, FDR, 0.21, 0.068, 3)).isEqualTo(2);
        // p = 1e-9 exactly is enough for 3 (at most alpha^3); just above is not.
        assertThat(EvidenceWeight.weight(1e-9, FDR, 0.3, 0.068, 3)).isEqualTo(3);
        assertThat(EvidenceWeight.weight(1.01e-9, FDR, 0.3, 0.068, 3)).isEqualTo(2);
        // A bare flag counts once; never more than k.
        assertThat(EvidenceWeight.weight(1e-4, FDR, 0.5, 0.068, 3)).isEqualTo(1);
        assertThat(EvidenceWeight.weight(0, FDR, 1, 0.05, 2)).isEqualTo(2);
        assertThat(EvidenceWeight.weight(0, FDR, 1, 0.05, 1)).isEqualTo(1);
    }

    @Test
    void qualityFindingsUseTheirOwnLevel() {
        Thresholds t = ThresholdsParser.parse("").defaults();
        DriftSignal s = new DriftSignal("m", "1", RetrainTrigger.DATA_QUALITY, 0, 60_000, 1200,
                new Evidence[] {new Evidence("quality:channel", "missing_rate_increase", 0.3, 0.05, "x")}, true, "v");
        // quality.pValue 1e-6: three times needs p <= 1e-18 (and 3x the floor: 0.3 >= 0.15).
        assertThat(EvidenceWeight.ofQuality(s, List.of(new QualityFinding("quality:channel", "missing_rate_increase",
                0.3, 0.05, 1e-20)), t).weight()).isEqualTo(3);
        assertThat(EvidenceWeight.ofQuality(s, List.of(new QualityFinding("quality:channel", "missing_rate_increase",
                0.3, 0.05, 1e-7)), t).weight()).isEqualTo(1);
        Thresholds unweighted = ThresholdsParser.parse("defaults: {escalation: {weighted: false}}").defaults();
        assertThat(EvidenceWeight.ofQuality(s, List.of(new QualityFinding("quality:channel", "missing_rate_increase",
                0.3, 0.05, 1e-20)), unweighted).weight()).isEqualTo(1);
    }

    @Test
    void theAndersonDarlingEntryDoesNotChangeTheWeight() {
        // A 0.3 sd and a 1 sd shift of a continuous feature: its evidence is ks and
        // anderson_darling. The weight is the ks entry's, as before the anderson_darling entry
        // existed: the statistic far past its critical value is not an effect.
        Thresholds t = ThresholdsParser.parse("").defaults();
        Generated before = new Generated().feature("x", r -> r.nextGaussian());
        ModelProfile learned = new ModelProfile();
        before.events(1, 5000).forEach(learned::add);
        ReferenceProfile ref = ReferenceProfile.freeze(learned, t.numericBins(), t.categoryBins());
        DriftEvaluator.Context c = new DriftEvaluator.Context("m", "1", 0, 60_000, 7000, 0, 0, "v1");
        boolean adWouldHaveWeighedMore = false;
        for (double shift : new double[] {0.2, 0.3, 1.0}) {
            Generated after = new Generated().feature("x", r -> shift + r.nextGaussian());
            ModelProfile w = ModelProfile.against(ref);
            after.events(7, 1200).forEach(e -> w.add(e, ref));
            WindowEvaluation eval = DriftEvaluator.evaluate(ref, w, t, c);
            DriftSignal s = eval.signals().get(0);
            assertThat(s.evidence()).extracting(Evidence::statistic).containsExactly("ks", "anderson_darling");
            Evidence ks = s.evidence()[0];
            Evidence ad = s.evidence()[1];
            Double p = EvidenceWeight.driftPValue(eval.report(), ks);
            DriftSignal ksOnly = new DriftSignal(s.modelId(), s.modelVersion(), s.reason(), s.windowStart(),
                    s.windowEnd(), s.eventsSeen(), new Evidence[] {ks}, s.critical(), s.thresholdsVersion());
            int weight = EvidenceWeight.ofDrift(s, eval.report(), t).weight();
            assertThat(weight).as("shift %s", shift)
                    .isEqualTo(EvidenceWeight.ofDrift(ksOnly, eval.report(), t).weight())
                    .isEqualTo(EvidenceWeight.weight(p, FDR, ks.value(), ks.threshold(), 3));
            // Counted as an effect, the Anderson-Darling entry would weigh more on a weak shift.
            adWouldHaveWeighedMore |= EvidenceWeight.weight(p, FDR, ad.value(), ad.threshold(), 3) > weight;
        }
        assertThat(adWouldHaveWeighedMore).isTrue();
    }

    @Test
    void underTheNullAWeightedWindowIsAsRareAsTheFlagsItReplaces() {
        // P(adjusted p <= alpha^w) <= alpha^w under the global null: the p-value level is alpha^w.
        for (int w = 1; w <= 3; w++) {
            double level = Math.pow(FDR, w);
            assertThat(EvidenceWeight.weight(level, FDR, 1, 0.05, 3)).isEqualTo(w);
            assertThat(EvidenceWeight.weight(level * 1.0001, FDR, 1, 0.05, 3)).isEqualTo(Math.max(1, w - 1));
        }
    }
}
