package io.modelwatch.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport.QualityFinding;
import io.modelwatch.model.RetrainTrigger;
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
    void underTheNullAWeightedWindowIsAsRareAsTheFlagsItReplaces() {
        // P(adjusted p <= alpha^w) <= alpha^w under the global null: the p-value level is alpha^w.
        for (int w = 1; w <= 3; w++) {
            double level = Math.pow(FDR, w);
            assertThat(EvidenceWeight.weight(level, FDR, 1, 0.05, 3)).isEqualTo(w);
            assertThat(EvidenceWeight.weight(level * 1.0001, FDR, 1, 0.05, 3)).isEqualTo(Math.max(1, w - 1));
        }
    }
}
