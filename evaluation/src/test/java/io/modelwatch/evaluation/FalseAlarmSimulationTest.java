package io.modelwatch.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Percentage.withPercentage;

import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.detect.SequentialMonitor;
import io.modelwatch.detect.WindowVerdict;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A reduced run of the false-alarm simulation (the published one is {@code bin/false-alarms}). */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FalseAlarmSimulationTest {

    @Test
    void everyKindStaysQuietOnASmallReferenceInAReducedRun() {
        for (FalseAlarmSimulation.Kind kind : FalseAlarmSimulation.Kind.values()) {
            FalseAlarmSimulation.Result r = FalseAlarmSimulation.run(kind, 180, 4, 30, 5, null);
            assertThat(r.windows()).isEqualTo(120);
            assertThat(r.triggers()).as("%s", kind).isZero();
            assertThat(r.signalledWindows()).as("%s", kind).isLessThanOrEqualTo(2);
            assertThat(r.heavyWindows()).as("%s: windows of weight >= 2", kind).isZero();
            assertThat(r.closedEarly()).as("%s: spans closed early", kind).isZero();
        }
    }

    @Test
    void theScoreKindCanSignalAnEstimatedDecaySoItsQuietIsNotForLackOfTheSignal() {
        // The score kind runs with performance.estimatedDecay on: its scores squeezed toward 0.5
        // (x sd 3.4 -> 1.2, accuracy 0.85 -> 0.70) send ESTIMATED_PERFORMANCE_DECAY in the
        // simulation's per-window step, so the kind's zero triggers above measure the null.
        FalseAlarmSimulation.Kind kind = FalseAlarmSimulation.Kind.SCORE_ESTIMATED;
        Thresholds t = FalseAlarmSimulation.thresholdsFor(kind);
        assertThat(t.estimatedDecaySignal()).isTrue();
        assertThat(FalseAlarmSimulation.thresholdsFor(FalseAlarmSimulation.Kind.CONTINUOUS).estimatedDecaySignal())
                .isFalse();
        SplittableRandom r = new SplittableRandom(4);
        ModelProfile learned = new ModelProfile();
        for (int i = 0; i < 5000; i++) {
            learned.add(FalseAlarmSimulation.event(kind, r, i));
        }
        ReferenceProfile ref = ReferenceProfile.freeze(learned, t.numericBins(), t.categoryBins());
        ModelProfile window = ModelProfile.against(ref);
        for (int i = 0; i < 1200; i++) {
            PredictionEvent e = FalseAlarmSimulation.event(kind, r, 5000 + i);
            double x = e.numericValues()[0] * 1.2 / 3.4;
            window.add(new PredictionEvent(e.modelId(), e.modelVersion(), e.predictionId(), e.timestamp(),
                    e.featureNames(), e.featureKinds(), new double[] {x}, e.categoricalValues(), e.predictionKind(),
                    1 / (1 + Math.exp(-x)), e.categoricalPrediction()), ref);
        }
        List<DriftSignal> signals = FalseAlarmSimulation.judge(ref, window, new SequentialMonitor(), t,
                FalseAlarmSimulation.context(5000, 0, 60_000, 6200));
        assertThat(signals).extracting(DriftSignal::reason).contains(RetrainTrigger.ESTIMATED_PERFORMANCE_DECAY);
    }

    @Test
    void aWindowOfOverwhelmingEvidenceWeighsThreeAndTriggersAloneAsInTheJob() {
        // The simulation's per-window step on a 1 sd shift: the job's signals carry EvidenceWeight's
        // weight, and one such window completes the escalation (it would not if weights were ignored).
        Thresholds t = Thresholds.defaults();
        SplittableRandom r = new SplittableRandom(3);
        ModelProfile learned = new ModelProfile();
        for (int i = 0; i < 5000; i++) {
            learned.add(FalseAlarmSimulation.event(FalseAlarmSimulation.Kind.CONTINUOUS, r, i));
        }
        ReferenceProfile ref = ReferenceProfile.freeze(learned, t.numericBins(), t.categoryBins());
        ModelProfile window = ModelProfile.against(ref);
        for (int i = 0; i < 1000; i++) {
            PredictionEvent e = FalseAlarmSimulation.event(FalseAlarmSimulation.Kind.CONTINUOUS, r, 5000 + i);
            window.add(new PredictionEvent(e.modelId(), e.modelVersion(), e.predictionId(), e.timestamp(),
                    e.featureNames(), e.featureKinds(), new double[] {e.numericValues()[0] + 1},
                    e.categoricalValues(), e.predictionKind(), e.numericPrediction(), e.categoricalPrediction()), ref);
            if (i + 1 == t.minWindowEvents() / 2) {
                assertThat(WindowVerdict.decisive(ref, window, t,
                        FalseAlarmSimulation.context(5000, 0, 30_000, 5500))).as("early close at 500 events").isTrue();
            }
        }
        List<DriftSignal> signals = FalseAlarmSimulation.judge(ref, window, new SequentialMonitor(), t,
                FalseAlarmSimulation.context(5000, 0, 60_000, 6000));
        assertThat(signals).extracting(DriftSignal::reason).contains(RetrainTrigger.FEATURE_DRIFT);
        DriftSignal drift = signals.stream().filter(s -> s.reason().equals(RetrainTrigger.FEATURE_DRIFT)).findFirst()
                .orElseThrow();
        assertThat(drift.windowsCounted()).isEqualTo(3);
        FalseAlarmSimulation.Escalation e = new FalseAlarmSimulation.Escalation(t);
        e.signal(0, drift.windowsCounted());
        assertThat(e.triggers).isEqualTo(1);
    }

    @Test
    void weightsSumTowardTheEscalationOnlyWhenWeighted() {
        FalseAlarmSimulation.Escalation e = new FalseAlarmSimulation.Escalation(Thresholds.defaults());
        e.signal(0, 2);
        assertThat(e.triggers).isZero();
        e.signal(9, 1); // 2 + 1 within 10 minutes
        assertThat(e.triggers).isEqualTo(1);
        e.signal(3000, 2);
        e.signal(3010, 2); // 10 minutes apart: the first is out, 2 < 3
        assertThat(e.triggers).isEqualTo(1);

        Thresholds unweighted = ThresholdsParser.parse("defaults: {escalation: {weighted: false}}").defaults();
        FalseAlarmSimulation.Escalation u = new FalseAlarmSimulation.Escalation(unweighted);
        u.signal(0, 3);
        u.signal(1, 3);
        assertThat(u.triggers).isZero();
        u.signal(2, 3);
        assertThat(u.triggers).isEqualTo(1);
    }

    @Test
    void theRuleEstimateCountsHeavyWindows() {
        // atLeast = {1, q, q2, q3}: P = P(w=3) + P(w=2) P(before >= 1) + P(w=1) P(before >= 2), where the
        // 9 windows before reach 2 by two signals or one of weight >= 2.
        double q = 1e-3;
        double q2 = 1e-6;
        double q3 = 1e-9;
        double before1 = 1 - Math.pow(1 - q, 9);
        double before2 = 1 - Math.pow(1 - q, 9) - 9 * (q - q2) * Math.pow(1 - q, 8);
        double expected = q3 + (q2 - q3) * before1 + (q - q2) * before2;
        assertThat(FalseAlarmSimulation.completesMatch(new double[] {1, q, q2, q3}, 3, 10))
                .isCloseTo(expected, withPercentage(1e-6));
        // the weighted tail at the defaults: q alpha^(w-1) with alpha = drift.fdr; none without weights
        double[] tail = FalseAlarmSimulation.weightTail(q, 0, Thresholds.defaults());
        assertThat(tail[2]).isCloseTo(1e-6, withPercentage(1e-9));
        assertThat(tail[3]).isCloseTo(1e-9, withPercentage(1e-9));
        assertThat(FalseAlarmSimulation.weightTail(q, 0,
                ThresholdsParser.parse("defaults: {escalation: {weighted: false}}").defaults())[3]).isZero();
        // weights make the rate larger than the unweighted 3 of 10, never smaller
        assertThat(FalseAlarmSimulation.completesMatch(tail, 3, 10))
                .isGreaterThan(FalseAlarmSimulation.completesMatch(q, 3, 10));
    }

    @Test
    void theEscalationRuleIsThreeWithinTenThenCooldown() {
        FalseAlarmSimulation.Escalation e = new FalseAlarmSimulation.Escalation(Thresholds.defaults());
        e.signal(0);
        e.signal(5);
        e.signal(10); // 10 minutes after the first: window 0 is out, only 2 open
        assertThat(e.triggers).isZero();
        e.signal(14); // 5, 10, 14 within 10 minutes
        assertThat(e.triggers).isEqualTo(1);
        e.signal(20);
        e.signal(21);
        e.signal(22); // a second match within the 24 h cooldown
        assertThat(e.triggers).isEqualTo(1);
        e.signal(14 + 1440);
        e.signal(14 + 1441);
        e.signal(14 + 1442);
        assertThat(e.triggers).isEqualTo(2);
    }

    @Test
    void theConditionalMatchProbabilityIsTheBinomialTail() {
        // q * P(Bin(9, q) >= 2) = q (1 - (1-q)^9 - 9 q (1-q)^8); q = 0.01: 0.01 * 0.0034208...
        double q = 0.01;
        double expected = q * (1 - Math.pow(1 - q, 9) - 9 * q * Math.pow(1 - q, 8));
        assertThat(FalseAlarmSimulation.completesMatch(q, 3, 10)).isCloseTo(expected, withPercentage(1e-9));
        assertThat(FalseAlarmSimulation.completesMatch(1e-3, 3, 10)).isCloseTo(36e-9, withPercentage(1));
    }

    @Test
    void thePoissonUpperBoundIsExact() {
        // k = 0: P(X = 0) = exp(-mu) = 0.05 -> mu = ln 20; k = 4: the chi-square(10) 95% quantile / 2.
        assertThat(FalseAlarmSimulation.poissonUpper95(0)).isCloseTo(Math.log(20), withPercentage(1e-6));
        assertThat(FalseAlarmSimulation.poissonUpper95(4)).isCloseTo(18.307038 / 2, withPercentage(1e-4));
    }
}
