package io.modelwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelwatch.config.Thresholds;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.stats.profiles.FeatureReference;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import io.modelwatch.testing.Generated;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequentialMonitorTest {
    static final Thresholds T = Thresholds.defaults();
    static final DriftEvaluator.Context CTX = new DriftEvaluator.Context("m", "1", 0, 60_000, 7000, 0, 0, "v1");

    static Generated model(double shift) {
        return new Generated().feature("x", r -> shift + r.nextGaussian())
                .feature("heavy", r -> Math.tan(Math.PI * (r.nextDouble() - 0.5)));
    }

    static ReferenceProfile reference() {
        ModelProfile learned = new ModelProfile();
        model(0).events(1, 5000).forEach(learned::add);
        return ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
    }

    static ModelProfile window(ReferenceProfile ref, double shift, long seed) {
        ModelProfile w = ModelProfile.against(ref);
        model(shift).events(seed, 1000).forEach(e -> w.add(e, ref));
        return w;
    }

    @Test
    void thePitShiftIsZeroOnTheReferenceAndAboutAQuarterOfAMeanShift() {
        FeatureReference fr = reference().feature("x");
        double[] p = fr.countingProportions();
        long[] exact = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            exact[i] = Math.round(p[i] * 1e9);
        }
        // sum_b p_b (P(X < bin b) + p_b / 2) = (sum p)^2 / 2 = 1/2, whatever the bins.
        assertThat(SequentialMonitor.pitShift(fr, exact)).isCloseTo(0, within(1e-6));
        // Phi(0.3 / sqrt 2) - 1/2 = 0.0840 for a 0.3 sd shift of a normal.
        ReferenceProfile ref = reference();
        ModelProfile w = ModelProfile.against(ref);
        model(0.3).events(2, 200_000).forEach(e -> w.add(e, ref));
        // The window's bins are those of the reference it was counted against (KLL is randomised, so
        // a second reference() has slightly different edges). The reference's grid proportions come
        // from a KLL sketch of 5,000 values (rank error up to ~1.3% per edge, and datasketches'
        // compaction coin is a JVM-wide unseeded random), which moves the estimate by up to ~0.012.
        assertThat(SequentialMonitor.pitShift(ref.feature("x"), w.features().get("x").bins()))
                .isCloseTo(0.084, within(0.02));
    }

    @Test
    void quietOnUnchangedWindowsThenAccumulatesAShiftTooSmallForOneWindow() {
        ReferenceProfile ref = reference();
        SequentialMonitor m = new SequentialMonitor();
        for (int i = 0; i < 300; i++) {
            List<SequentialEvidence> ev = m.update(ref, window(ref, 0, 100 + i), T);
            assertThat(ev).noneMatch(SequentialEvidence::alarm);
            // Round trip through state every window, as the monitor does.
            m = SequentialMonitor.fromBytes(m.toBytes());
        }
        // 0.2 sd: KS on one 1000-event window is borderline (D = 0.08 against ~0.08), the
        // PIT shift 0.056 accumulates 0.021 a window past the allowance: CUSUM alarms in the 5th,
        // Page-Hinkley (whose running mean has 300 quiet windows behind it) about as soon.
        int alarmAt = -1;
        List<SequentialEvidence> last = null;
        for (int i = 1; i <= 10 && alarmAt < 0; i++) {
            last = m.update(ref, window(ref, 0.2, 1000 + i), T);
            if (last.stream().anyMatch(e -> e.alarm() && e.signal().equals("feature:x"))) {
                alarmAt = i;
            }
        }
        assertThat(alarmAt).isBetween(3, 7);
        assertThat(last).filteredOn(SequentialEvidence::alarm).extracting(SequentialEvidence::signal)
                .containsOnly("feature:x");
        assertThat(last).filteredOn(SequentialEvidence::alarm).allMatch(e -> e.value() > e.threshold());

        // An alarm is evidence of the window, reported with the feature's statistics.
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window(ref, 0.2, 5000), T, CTX, last);
        assertThat(eval.signals()).extracting(DriftSignal::reason).contains("FEATURE_DRIFT");
        assertThat(eval.signals().get(0).evidence()).extracting(e -> e.signal()).containsOnly("feature:x");
        HealthReport.FeatureHealth x = eval.report().features()[0];
        assertThat(Arrays.stream(x.drift()).map(HealthReport.DriftStatistic::statistic))
                .contains("cusum", "page_hinkley");
    }

    /**
     * A reference of 180 values is itself a sample: against it, a stream that never changed has a
     * small constant PIT shift (standard error 0.022), beyond the default allowance of 0.035 for
     * about one signal in ten, and CUSUM added that up into alarms. Its allowance is now at least
     * four of those standard errors. Each of 80 signals gets its own 180-value reference and 30
     * unchanged 1,000-event windows.
     */
    @Test
    void aSmallReferencesOwnSamplingErrorDoesNotAccumulateIntoAlarms() {
        int signals = 80;
        int withFixedAllowance = 0;
        int alarmed = 0;
        for (int s = 0; s < signals; s++) {
            ModelProfile learned = new ModelProfile();
            model(0).events(10_000 + s, 180).forEach(learned::add);
            ReferenceProfile ref = ReferenceProfile.freeze(learned, T.numericBins(), T.categoryBins());
            SequentialMonitor m = new SequentialMonitor();
            Cusum fixed = new Cusum();
            boolean fixedAlarm = false;
            boolean alarm = false;
            for (int w = 0; w < 30; w++) {
                ModelProfile window = window(ref, 0, 1_000_000L * (s + 1) + w);
                double u = SequentialMonitor.pitShift(ref.feature("x"), window.features().get("x").bins());
                fixedAlarm |= fixed.add(u, 0, T.sequentialAllowance(), T.sequentialThreshold());
                alarm |= m.update(ref, window, T).stream().anyMatch(e -> e.alarm() && e.signal().equals("feature:x")
                        && e.statistic().equals(SequentialMonitor.CUSUM));
            }
            withFixedAllowance += fixedAlarm ? 1 : 0;
            alarmed += alarm ? 1 : 0;
        }
        // The scenario has the problem: with the configured allowance alone, several signals alarm.
        assertThat(withFixedAllowance).isGreaterThanOrEqualTo(4);
        assertThat(alarmed).isLessThanOrEqualTo(1);
        // And at the default reference (5,000 values) the allowance is the configured one.
        assertThat(SequentialMonitor.cusumAllowance(0.035, 5000)).isEqualTo(0.035);
        assertThat(SequentialMonitor.cusumAllowance(0.035, 180)).isCloseTo(4 / Math.sqrt(12 * 180.0), within(1e-12));
    }

    @Test
    void switchedOffWithAZeroThreshold() {
        Thresholds off = new Thresholds(T.referenceEvents(), T.windowSize(), T.minWindowEvents(), T.numericBins(),
                T.categoryBins(), T.psiWarning(), T.psiCritical(), T.falseDiscoveryRate(), T.minNumericShift(),
                T.minCategoryShift(), T.minMissingRateChange(), T.sequentialAllowance(), 0, T.escalationWindows(),
                T.escalationWithin(), T.cooldown());
        ReferenceProfile ref = reference();
        assertThat(new SequentialMonitor().update(ref, window(ref, 1, 1), off)).isEmpty();
    }
}
