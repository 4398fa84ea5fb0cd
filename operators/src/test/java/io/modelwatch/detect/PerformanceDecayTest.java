package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ValueKind;
import io.modelwatch.stats.profiles.PerformanceAccumulator;
import org.junit.jupiter.api.Test;

class PerformanceDecayTest {
    static final Thresholds T = Thresholds.defaults();

    static PerformanceAccumulator classifier(int n, int errors) {
        PerformanceAccumulator a = new PerformanceAccumulator();
        for (int i = 0; i < n; i++) {
            String actual = i < errors ? "no" : "yes";
            a.add(new LabelOutcome(LabelOutcome.MATCHED, "m", "1", 0, 0, ValueKind.CATEGORICAL, 0, "yes",
                    ValueKind.CATEGORICAL, 0, actual));
        }
        return a;
    }

    @Test
    void aTwentyPointAccuracyDropIsCriticalDecay() {
        // Reference 10% errors of 1000; window 30% of 500: z = 0.2 / sqrt(p(1-p)(1/1000+1/500)),
        // pooled p = 250/1500 = 0.1667 -> se = 0.0204, z = 9.8: far below 1e-6.
        PerformanceDecay.Finding f = PerformanceDecay.assess(classifier(1000, 100), classifier(500, 150), T);
        assertThat(f.statistic()).isEqualTo("error_rate_increase");
        assertThat(f.value()).isEqualTo(0.2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(f.critical()).isTrue(); // 20 points >= 2.5 x the 5-point floor
        assertThat(f.pValue()).isLessThan(1e-15);
    }

    @Test
    void noiseAndSmallDropsAndSmallWindowsAreNotDecay() {
        assertThat(PerformanceDecay.assess(classifier(1000, 100), classifier(500, 60), T)).isNull();  // +2 points
        assertThat(PerformanceDecay.assess(classifier(1000, 100), classifier(100, 40), T)).isNull();  // < minLabels
        // +6 points on 200 labels: above the floor but z = 0.06 / 0.0245 = 2.4, not significant.
        assertThat(PerformanceDecay.assess(classifier(1000, 100), classifier(200, 32), T)).isNull();
    }
}
