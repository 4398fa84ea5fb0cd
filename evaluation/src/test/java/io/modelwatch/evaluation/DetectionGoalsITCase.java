package io.modelwatch.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import java.util.List;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The evaluation suite at CI size (EvaluationRun.Settings.ci(): 80k events per stationary
 * scenario, 3 replicas per change) through the real job on a MiniCluster, asserting the goals of
 * docs/detection.md and the stricter margins of {@link Goals#margins}. The traffic is seeded; the
 * only randomness left is the KLL sketches' compaction, which moves statistics far less than the
 * margins, so a failure here is a change in behaviour, not bad luck.
 */
class DetectionGoalsITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @Test
    void everyScenarioMeetsItsGoalWithMargin() throws Exception {
        EvaluationRun.Settings settings = EvaluationRun.Settings.ci();
        List<ModelRun> runs = EvaluationRun.plan(settings);
        EvaluationRun.Result result = EvaluationRun.execute(settings, runs);
        List<Scoring.ScenarioScore> scores = Scoring.score(runs, result.triggers(), result.reports());
        System.out.println(Report.markdown(settings, result, scores));

        // The run is whole: every model reported every window, nothing was dead-lettered.
        assertThat(result.deadLetters()).isEmpty();
        assertThat(result.reports()).extracting(HealthReport::modelId).containsAll(
                runs.stream().map(ModelRun::modelId).toList());

        assertThat(Goals.check(scores)).isEmpty();
        assertThat(Goals.margins(scores)).isEmpty();

        // The baselines are scored on the same windows and fall short where expected: the
        // naive mean rule cannot see a category or missing-rate change, PSI not a missing rate.
        assertThat(score(scores, "drift/category-mix", Scoring.NAIVE).detected()).isZero();
        assertThat(score(scores, "drift/missing-rate", Scoring.NAIVE).detected()).isZero();
        assertThat(score(scores, "drift/missing-rate", Scoring.PSI).detected()).isZero();
        // And tests without effect floors call a negligible change in large samples drift.
        assertThat(score(scores, "negligible/large-samples", Scoring.TESTS_ONLY).falseTriggers()).isPositive();
    }

    static Scoring.ScenarioScore score(List<Scoring.ScenarioScore> scores, String scenario, String detector) {
        return scores.stream().filter(s -> s.scenario().name().equals(scenario) && s.detector().equals(detector))
                .findFirst().orElseThrow();
    }
}
