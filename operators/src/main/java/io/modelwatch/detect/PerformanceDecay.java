package io.modelwatch.detect;

import io.modelwatch.config.Thresholds;
import io.modelwatch.stats.tests.NormalTail;
import io.modelwatch.stats.profiles.PerformanceAccumulator;
import io.modelwatch.stats.sketches.RunningMoments;

/**
 * Is a window's performance significantly worse than the reference period's? Like the other
 * checks, it needs an effect floor and a significance test:
 *
 * <ul>
 *   <li>classification: the error rate rose by at least {@code performance.accuracyDrop}, and a
 *       one-sided two-proportion z-test (pooled variance) rejects "no rise" at
 *       {@code quality.pValue};
 *   <li>regression: MAE rose by at least {@code performance.errorIncrease} (relative), and a
 *       one-sided Welch z-test on the mean absolute errors rejects "no rise".
 * </ul>
 *
 * <p>Both tests are normal approximations; {@code minLabels >= 200} keeps them sound for error
 * rates between about 2% and 98%.
 */
public final class PerformanceDecay {
    private PerformanceDecay() {}

    /** A decay finding: statistic name, effect, its floor, and the p-value. */
    public record Finding(String statistic, double value, double threshold, double pValue) {
        public boolean critical() {
            return Severity.critical(value, threshold);
        }
    }

    /** The finding, or null when the window is not (significantly) worse or has too few labels. */
    public static Finding assess(PerformanceAccumulator reference, PerformanceAccumulator window, Thresholds t) {
        if (reference.classified() > 0 && window.classified() >= t.minLabels()) {
            double n0 = reference.classified();
            double n1 = window.classified();
            double e0 = reference.errors() / n0;
            double e1 = window.errors() / n1;
            double pooled = (reference.errors() + window.errors()) / (n0 + n1);
            double se = Math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1));
            double rise = e1 - e0;
            if (rise >= t.accuracyDrop() && se > 0) {
                double p = NormalTail.upper(rise / se);
                if (p < t.qualityPValue()) {
                    return new Finding("error_rate_increase", rise, t.accuracyDrop(), p);
                }
            }
        }
        if (reference.regressed() > 1 && window.regressed() >= t.minLabels()) {
            RunningMoments a0 = reference.absoluteError();
            RunningMoments a1 = window.absoluteError();
            if (a0.mean() > 0) {
                double relative = (a1.mean() - a0.mean()) / a0.mean();
                double se = Math.sqrt(a0.variance() / a0.count() + a1.variance() / a1.count());
                if (relative >= t.errorIncrease() && se > 0) {
                    double p = NormalTail.upper((a1.mean() - a0.mean()) / se);
                    if (p < t.qualityPValue()) {
                        return new Finding("mae_increase", relative, t.errorIncrease(), p);
                    }
                }
            }
        }
        return null;
    }
}
