package io.modelwatch.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.RetrainTrigger;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A trigger's evidence: per signal its strongest window's effect, with the test that made it significant. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RetrainTriggerBuilderTest {
    static DriftSignal window(long end, Evidence... evidence) {
        return new DriftSignal("m", "1", RetrainTrigger.FEATURE_DRIFT, end - 60_000, end, 5000, evidence, false, "v");
    }

    @Test
    void eachSignalKeepsItsStrongestWindowsEffectFollowedByItsSignificance() {
        DriftSignal first = window(60_000,
                new Evidence("feature:x", "ks", 0.10, 0.068, "w1"),
                new Evidence("feature:x", "anderson_darling", 40, 5.967, "w1"),
                new Evidence("feature:plan", "linf", 0.30, 0.05, "w1"));
        DriftSignal second = window(120_000,
                new Evidence("feature:x", "ks", 0.20, 0.068, "w2"),
                new Evidence("feature:x", "anderson_darling", 90, 5.967, "w2"),
                new Evidence("feature:y", "ks", 0.09, 0.068, "w2"),
                new Evidence("feature:y", "anderson_darling", 300, 5.967, "w2"));
        RetrainTrigger t = RetrainTriggerBuilder.build(List.of(first, second));
        // Ordered by the effects (plan 6.0, x 2.9, y 1.3), not by the Anderson-Darling ratios
        // (y's 300 / 5.967 would come first); x's entries are from its strongest window, w2.
        assertThat(t.evidence()).extracting(e -> e.signal() + "/" + e.statistic() + "@" + e.windowEnd())
                .containsExactly("feature:plan/linf@w1", "feature:x/ks@w2", "feature:x/anderson_darling@w2",
                        "feature:y/ks@w2", "feature:y/anderson_darling@w2");
    }

    @Test
    void aDecaysSegmentsFollowItsPerformanceEntryEvenWhenTheirContributionIsLarger() {
        DriftSignal decay = new DriftSignal("m", "1", RetrainTrigger.PERFORMANCE_DECAY, 0, 60_000, 5000,
                new Evidence[] {
                    new Evidence("segment:region=north_america", "segment_contribution", 0.17, 0.05, "w"),
                    new Evidence("segment:region=north_america", "segment_error_rate", 0.9, 0.1, "w"),
                    new Evidence("segment:device=mobile", "segment_contribution", 0.06, 0.05, "w"),
                    new Evidence("performance", "error_rate_increase", 0.16, 0.05, "w")}, false, "v");
        RetrainTrigger t = RetrainTriggerBuilder.build(List.of(decay));
        assertThat(t.evidence()).extracting(e -> e.signal() + "/" + e.statistic())
                .containsExactly("performance/error_rate_increase", "segment:region=north_america/segment_contribution",
                        "segment:region=north_america/segment_error_rate", "segment:device=mobile/segment_contribution");
    }

    @Test
    void atMostTenSignalsAreKept() {
        Evidence[] evidence = new Evidence[24];
        for (int i = 0; i < 12; i++) {
            evidence[2 * i] = new Evidence("feature:f" + (10 + i), "ks", 0.5 - i * 0.01, 0.068, "w");
            evidence[2 * i + 1] = new Evidence("feature:f" + (10 + i), "anderson_darling", 100, 5.967, "w");
        }
        RetrainTrigger t = RetrainTriggerBuilder.build(List.of(window(60_000, evidence)));
        assertThat(t.evidence()).hasSize(2 * RetrainTriggerBuilder.MAX_EVIDENCE);
        assertThat(t.evidence()).extracting(Evidence::signal).doesNotContain("feature:f20", "feature:f21");
    }
}
