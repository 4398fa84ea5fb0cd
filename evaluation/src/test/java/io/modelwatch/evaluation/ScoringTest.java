package io.modelwatch.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.Evidence;
import io.modelwatch.model.RetrainTrigger;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scoring rules on hand-made triggers and flags, without a cluster. */
class ScoringTest {
    static final long MIN = 60_000;
    static final long T0 = EvaluationRun.START.toEpochMilli();

    static Baselines.Flag flag(int minute) {
        return new Baselines.Flag(T0 + minute * MIN, "feature:age");
    }

    @Test
    void escalationNeedsThreeFlagsWithinTenMinutesThenCoolsDown() {
        // 3 flags spread over exactly 10 minutes do not match (within is exclusive), 3 in 9 do.
        assertThat(Baselines.escalate(List.of(flag(1), flag(6), flag(11)))).isEmpty();
        assertThat(Baselines.escalate(List.of(flag(1), flag(6), flag(10))))
                .extracting(Baselines.Trigger::detectedAt).containsExactly(T0 + 10 * MIN);
        // Flags after a match start afresh, and the cooldown holds back the next trigger.
        assertThat(Baselines.escalate(List.of(flag(1), flag(2), flag(3), flag(4), flag(5), flag(6)))).hasSize(1);
    }

    static RetrainTrigger trigger(String reason, int minute, String firstSignal) {
        String at = Instant.ofEpochMilli(T0 + minute * MIN).toString();
        return new RetrainTrigger("id", "m", "1", reason, RetrainTrigger.WARNING, at, at,
                new Evidence[] {new Evidence(firstSignal, "ks", 0.2, 0.06, at)}, "v", 0);
    }

    @Test
    void triggersAreTrueFalseOrDetectionsByTimeAndReason() {
        Scenario s = Scenario.driftScenarios().get(0); // mean-1.0sd on age, prediction drift also expected
        ModelRun run = new ModelRun("m", s, 1, 1, T0, T0 + 45 * MIN, T0 + 25 * MIN);
        Scoring.ModelScore score = Scoring.scoreModelwatch(run, List.of(
                trigger(RetrainTrigger.FEATURE_DRIFT, 12, "feature:plan"),      // before the change: false
                trigger(RetrainTrigger.PREDICTION_DRIFT, 28, "prediction"),     // explained by the change
                trigger(RetrainTrigger.FEATURE_DRIFT, 28, "feature:age")), List.of());
        assertThat(score.falseTriggers()).isEqualTo(1);
        assertThat(score.detected()).isTrue();
        assertThat(score.delayWindows()).isEqualTo(3.0);
        assertThat(score.delayEvents()).isEqualTo(3 * 1200);
        assertThat(score.culpritFirst()).isTrue();

        Scenario predictionOnly = Scenario.driftScenarios().stream()
                .filter(x -> x.name().equals("drift/prediction-only")).findFirst().orElseThrow();
        ModelRun p = new ModelRun("p", predictionOnly, 1, 1, T0, T0 + 45 * MIN, T0 + 25 * MIN);
        Scoring.ModelScore ps = Scoring.scoreModelwatch(p, List.of(
                trigger(RetrainTrigger.FEATURE_DRIFT, 28, "feature:age")), List.of());
        assertThat(ps.falseTriggers()).isEqualTo(1);
        assertThat(ps.detected()).isFalse();
    }

    @Test
    void eventsAreCountedFromTheRate() {
        Scenario s = Scenario.stationaryScenarios().get(0);
        ModelRun run = new ModelRun("m", s, 0, 1, T0, T0 + 10 * MIN, ModelRun.NO_DRIFT);
        assertThat(run.events()).isEqualTo(12_000);
        assertThat(run.eventsBefore(T0 + MIN)).isEqualTo(1200);
        assertThat(run.eventsBefore(T0 + 1)).isEqualTo(1);
        assertThat(run.driftAt(T0 + 9 * MIN)).isZero();
        ModelRun ramp = new ModelRun("r", Scenario.driftScenarios().get(4), 1, 1, T0, T0 + 80 * MIN, T0 + 25 * MIN);
        assertThat(ramp.driftAt(T0 + 40 * MIN)).isEqualTo(0.5);
        assertThat(ramp.driftAt(T0 + 70 * MIN)).isEqualTo(1.0);
    }
}
