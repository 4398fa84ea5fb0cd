package io.modelwatch.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.model.HealthReport;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    static final long SILENCE_AFTER =
            ThresholdsConfig.defaultConfig().defaults().silenceAfter().toMillis();

    @Test
    void everyScenarioMeetsItsGoalWithMargin() throws Exception {
        EvaluationRun.Settings settings = EvaluationRun.Settings.ci();
        List<ModelRun> runs = EvaluationRun.plan(settings);
        EvaluationRun.Result result = EvaluationRun.execute(settings, runs);
        List<Scoring.ScenarioScore> scores = Scoring.score(result);
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

        // Delayed labels reached the job: the labelled models' windows were revised with
        // performance, labels 3-5 minutes late, and accuracy fell only where the relation changed.
        Map<String, HealthReport> latest = latestRevisions(result.reports());
        assertThat(latest.values()).filteredOn(r -> r.modelId().equals("stationary/labelled") && r.revision() > 0)
                .hasSizeGreaterThan(30)
                .allSatisfy(r -> assertThat(r.performance().labelLagP50Seconds()).isBetween(180.0, 300.0));
        // A performance decay is invisible to the drift rules: the inputs and scores are unchanged.
        assertThat(score(scores, "performance/decay", Scoring.NAIVE).detected()).isZero();
        assertThat(score(scores, "performance/decay", Scoring.PSI).detected()).isZero();
        // Segments are looked for only in a decayed span: the unchanged model with segments names none.
        assertThat(score(scores, "segments/stationary", Scoring.MODELWATCH).reportsNamingSegments()).isZero();
        assertThat(score(scores, "segments/region-decay", Scoring.MODELWATCH).reportsNamingSegments()).isPositive();
        // And only in a window whose prediction drifted: the unchanged unlabelled model names none,
        // the one whose north_america scores shifted does.
        assertThat(score(scores, "segments/prediction-stationary", Scoring.MODELWATCH).reportsNamingSegments())
                .isZero();
        assertThat(score(scores, "segments/prediction-shift", Scoring.MODELWATCH).reportsNamingSegments())
                .isPositive();
        // The silent models were reported, and no other model was reported silent before it stopped.
        assertThat(score(scores, "quality/silence", Scoring.MODELWATCH).detected()).isEqualTo(settings.replicas());
        assertThat(result.reports()).filteredOn(r -> r.status().equals(HealthReport.SILENT))
                .allSatisfy(r -> assertThat(Instant.parse(r.windowEnd()).toEpochMilli())
                        .isGreaterThanOrEqualTo(Scoring.lastWindowEnd(byId(runs, r.modelId())) + SILENCE_AFTER));
    }

    static Map<String, HealthReport> latestRevisions(List<HealthReport> reports) {
        Map<String, HealthReport> latest = new HashMap<>();
        for (HealthReport r : reports) {
            latest.merge(r.modelId() + "@" + r.windowStart(), r, (a, b) -> a.revision() >= b.revision() ? a : b);
        }
        return latest;
    }

    static ModelRun byId(List<ModelRun> runs, String modelId) {
        return runs.stream().filter(r -> r.modelId().equals(modelId)).findFirst().orElseThrow();
    }

    static Scoring.ScenarioScore score(List<Scoring.ScenarioScore> scores, String scenario, String detector) {
        return scores.stream().filter(s -> s.scenario().name().equals(scenario) && s.detector().equals(detector))
                .findFirst().orElseThrow();
    }
}
