package io.modelwatch.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.RetrainTrigger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    static Scenario scenario(String name) {
        return Scenario.qualityAndPerformanceScenarios().stream().filter(x -> x.name().equals(name)).findFirst()
                .orElseThrow();
    }

    static HealthReport report(String model, int fromMinute, int toMinute, String status, int revision) {
        return new HealthReport(model, "1", Instant.ofEpochMilli(T0 + fromMinute * MIN).toString(),
                Instant.ofEpochMilli(T0 + toMinute * MIN).toString(), status, status.equals(HealthReport.SILENT) ? 0
                : 1200, 0, 5000, new HealthReport.FeatureHealth[0], null, null, null, "v", revision, null);
    }

    @Test
    void silenceIsScoredOnSilentReportsAndEveryTriggerOrEarlySilenceIsFalse() {
        // Sends until minute 20; reported SILENT at 50 (silenceAfter = 30 after its last window).
        ModelRun run = new ModelRun("s", scenario("quality/silence"), 1, 1, T0, T0 + 20 * MIN, T0 + 20 * MIN);
        List<HealthReport> reports = new ArrayList<>();
        for (int m = 5; m < 20; m++) {
            reports.add(report("s", m, m + 1, HealthReport.OK, 0));
        }
        reports.add(report("s", 19, 50, HealthReport.SILENT, 0));
        reports.add(report("s", 19, 80, HealthReport.SILENT, 0));
        Scoring.ModelScore reported = Scoring.scoreSilence(run, List.of(), reports);
        assertThat(reported.detected()).isTrue();
        assertThat(reported.delayWindows()).isEqualTo(30.0);
        assertThat(reported.falseTriggers()).isZero();

        // A SILENT report while it still sent, and any trigger, are false; no report is a miss.
        List<HealthReport> early = new ArrayList<>(reports.subList(0, 10));
        early.add(report("s", 10, 12, HealthReport.SILENT, 0));
        Scoring.ModelScore wrong = Scoring.scoreSilence(run,
                List.of(trigger(RetrainTrigger.DATA_QUALITY, 14, "quality:volume")), early);
        assertThat(wrong.detected()).isFalse();
        assertThat(wrong.falseTriggers()).isEqualTo(2);

        // Scored for modelwatch only (the drift baselines do not apply), and held to its deadline.
        List<Scoring.ScenarioScore> late = Scoring.score(List.of(run), List.of(),
                List.of(report("s", 19, 52, HealthReport.SILENT, 0)));
        assertThat(late).extracting(Scoring.ScenarioScore::detector).containsExactly(Scoring.MODELWATCH);
        assertThat(Goals.check(late)).containsExactly("quality/silence: reported SILENT after 32.0 windows > 31.0");
        assertThat(Goals.check(Scoring.score(List.of(run), List.of(), reports))).isEmpty();
    }

    @Test
    void aPerformanceDecayIsDetectedByItsReasonAndTimedAlsoByItsEmission() {
        ModelRun run = new ModelRun("p", scenario("performance/decay"), 1, 1, T0, T0 + 32 * MIN, T0 + 20 * MIN);
        RetrainTrigger decay = trigger(RetrainTrigger.PERFORMANCE_DECAY, 23, "performance");
        RetrainTrigger drift = trigger(RetrainTrigger.FEATURE_DRIFT, 24, "feature:age");
        // Its last decayed window ended at 23; the job emitted it at 27, once those labels were in.
        Scoring.ModelScore score = Scoring.scoreModelwatch(run, List.of(decay, drift), List.of(),
                Map.of(decay.triggerId(), T0 + 27 * MIN));
        assertThat(score.detected()).isTrue();
        assertThat(score.delayWindows()).isEqualTo(3.0);
        assertThat(score.emittedDelayWindows()).isEqualTo(7.0);
        assertThat(score.culpritFirst()).isTrue();
        // The inputs did not change: feature drift is false.
        assertThat(score.falseTriggers()).isEqualTo(1);
    }

    @Test
    void revisionsOfALabelledWindowCountAsOneWindow() {
        ModelRun run = new ModelRun("stationary/labelled", scenario("stationary/labelled"), 0, 1, T0, T0 + 20 * MIN,
                ModelRun.NO_DRIFT);
        List<HealthReport> reports = new ArrayList<>();
        for (int m = 5; m < 20; m++) {
            for (int revision = 0; revision < 3; revision++) {
                reports.add(report(run.modelId(), m, m + 1, m == 10 ? HealthReport.DRIFTING : HealthReport.OK, revision));
            }
        }
        Scoring.ScenarioScore s = Scoring.score(List.of(run), List.of(), reports).get(0);
        assertThat(s.nonDriftWindows()).isEqualTo(15);
        assertThat(s.flaggedNonDriftWindows()).isEqualTo(1);
    }

    @Test
    void labelsFollowTheScoreThenDegradeAndArriveLateInLabelTimeOrder() {
        Scenario s = scenario("performance/decay");
        ModelRun run = new ModelRun("p", s, 1, 7, T0, T0 + 40 * MIN, T0 + 20 * MIN);
        List<Long> predictionTimes = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        ModelStream predictions = new ModelStream(run, 0);
        while (predictions.hasNext()) {
            var p = predictions.next();
            assertThat(p.predictionId()).isEqualTo("p/" + predictionTimes.size());
            predictionTimes.add(p.timestamp());
            scores.add(p.numericPrediction());
        }
        LabelStream labels = new LabelStream(run);
        long last = Long.MIN_VALUE;
        int n = 0;
        int[] errors = new int[2];
        int[] counted = new int[2];
        while (labels.hasNext()) {
            long arrival = labels.nextArrival();
            IngestRecord r = labels.nextRecord();
            LabelEvent l = r.label();
            assertThat(l.timestamp()).isEqualTo(arrival).isGreaterThanOrEqualTo(last);
            last = l.timestamp();
            int index = Integer.parseInt(l.predictionId().substring(2));
            long lag = l.timestamp() - predictionTimes.get(index);
            assertThat(lag).isBetween(3 * MIN, 5 * MIN);
            int after = predictionTimes.get(index) >= run.driftStartMillis() ? 1 : 0;
            counted[after]++;
            if ((scores.get(index) >= 0.5) != (l.numericLabel() == 1)) {
                errors[after]++;
            }
            n++;
        }
        // Half the predictions are labelled; the error rate of "score >= 0.5" is about 27% while
        // the labels follow the score, about 41% once 30% of them go against it.
        assertThat(n).isBetween(22_000, 26_000);
        assertThat((double) errors[0] / counted[0]).isBetween(0.25, 0.30);
        assertThat((double) errors[1] / counted[1]).isBetween(0.38, 0.44);
    }

    static RetrainTrigger decayNaming(int minute, String... segments) {
        String at = Instant.ofEpochMilli(T0 + minute * MIN).toString();
        List<Evidence> evidence = new ArrayList<>();
        evidence.add(new Evidence("performance", "error_rate_increase", 0.12, 0.05, at));
        for (String s : segments) {
            evidence.add(new Evidence("segment:" + s, "segment_contribution", 0.1, 0.05, at));
            evidence.add(new Evidence("segment:" + s, "segment_share", 0.2, 0, at));
        }
        return new RetrainTrigger("id", "m", "1", RetrainTrigger.PERFORMANCE_DECAY, RetrainTrigger.WARNING, at, at,
                evidence.toArray(Evidence[]::new), "v", 0);
    }

    @Test
    void aSegmentDecayIsRightOnlyWhenItsFirstNamedSegmentIsTheTrueOne() {
        List<Scenario> cases = Scenario.segmentScenarios();
        Scenario region = cases.get(1);
        Scenario bin = cases.get(2);
        assertThat(region.segment()).isEqualTo("region=north_america");
        ModelRun r = new ModelRun("r", region, 1, 1, T0, T0 + 40 * MIN, T0 + 20 * MIN);
        assertThat(Scoring.scoreModelwatch(r, List.of(decayNaming(23, "region=north_america", "device=mobile")),
                List.of()).segmentFirst()).isTrue();
        assertThat(Scoring.scoreModelwatch(r, List.of(decayNaming(23, "device=mobile", "region=north_america")),
                List.of()).segmentFirst()).isFalse();
        assertThat(Scoring.scoreModelwatch(r, List.of(decayNaming(23)), List.of()).firstSegment()).isNull();

        ModelRun b = new ModelRun("b", bin, 1, 1, T0, T0 + 40 * MIN, T0 + 20 * MIN);
        for (String named : new String[] {"income=[60.12, +inf)", "income=[59, +inf)", "income=[1.2E+5, +inf)"}) {
            assertThat(Scoring.scoreModelwatch(b, List.of(decayNaming(23, named)), List.of()).segmentFirst())
                    .as(named).isTrue();
        }
        for (String named : new String[] {"income=[50.1, 60.12)", "age=[60.12, +inf)", "income=(-inf, 40)"}) {
            assertThat(Scoring.scoreModelwatch(b, List.of(decayNaming(23, named)), List.of()).segmentFirst())
                    .as(named).isFalse();
        }
    }

    static RetrainTrigger predictionDriftNaming(String reason, int minute, String... segments) {
        String at = Instant.ofEpochMilli(T0 + minute * MIN).toString();
        List<Evidence> evidence = new ArrayList<>();
        evidence.add(new Evidence("prediction", "ks", 0.1, 0.063, at));
        evidence.add(new Evidence("prediction", "anderson_darling", 40, 8, at));
        for (String s : segments) {
            evidence.add(new Evidence("segment:" + s, "segment_shift_contribution", 0.07, 0.075, at));
            evidence.add(new Evidence("segment:" + s, "segment_mean", 0.9, 0.54, at));
        }
        return new RetrainTrigger("id", "m", "1", reason, RetrainTrigger.WARNING, at, at,
                evidence.toArray(Evidence[]::new), "v", 0);
    }

    @Test
    void aPredictionDriftIsRightOnlyWhenItsFirstNamedSegmentAfterThePredictionIsTheTrueOne() {
        List<Scenario> cases = Scenario.predictionSegmentScenarios();
        Scenario stationary = cases.get(0);
        Scenario shift = cases.get(1);
        assertThat(stationary.stationary()).isTrue();
        assertThat(stationary.segment()).isNull();
        assertThat(shift.reason()).isEqualTo(RetrainTrigger.PREDICTION_DRIFT);
        ModelRun r = new ModelRun("r", shift, 1, 1, T0, T0 + 40 * MIN, T0 + 20 * MIN);

        Scoring.ModelScore named = Scoring.scoreModelwatch(r, List.of(
                predictionDriftNaming(RetrainTrigger.PREDICTION_DRIFT, 23, "region=north_america", "device=mobile")),
                List.of());
        assertThat(named.detected()).isTrue();
        assertThat(named.culpritFirst()).isTrue();
        assertThat(named.segmentFirst()).isTrue();
        assertThat(Scoring.scoreModelwatch(r, List.of(
                predictionDriftNaming(RetrainTrigger.PREDICTION_DRIFT, 23, "age=[46.1, 50.3)", "region=north_america")),
                List.of()).segmentFirst()).isFalse();
        assertThat(Scoring.scoreModelwatch(r, List.of(predictionDriftNaming(RetrainTrigger.PREDICTION_DRIFT, 23)),
                List.of()).firstSegment()).isNull();
        // Another reason naming the segment is neither the detection nor true: the inputs did not move.
        Scoring.ModelScore other = Scoring.scoreModelwatch(r, List.of(
                predictionDriftNaming(RetrainTrigger.FEATURE_DRIFT, 23, "region=north_america")), List.of());
        assertThat(other.detected()).isFalse();
        assertThat(other.falseTriggers()).isEqualTo(1);
    }

    @Test
    void aReportNamesSegmentsWhenItsPredictionDriftNamesOneNotWhenItsListIsEmpty() {
        HealthReport plain = report("m", 20, 21, HealthReport.DRIFTING, 0);
        HealthReport.ShiftSegment na = new HealthReport.ShiftSegment("region=north_america", "region",
                "north_america", 0.54, 0.90, 0.2, 0.2, 240, 1e-12, 0.072, 0.96);
        assertThat(Scoring.namesSegments(plain)).isFalse();
        assertThat(Scoring.namesSegments(plain.withPredictionSegments(new HealthReport.PredictionShift("mean", 0.50,
                0.575, 16, new HealthReport.ShiftSegment[0])))).isFalse();
        assertThat(Scoring.namesSegments(plain.withPredictionSegments(new HealthReport.PredictionShift("mean", 0.50,
                0.575, 16, new HealthReport.ShiftSegment[] {na})))).isTrue();

        // Naming another segment: any named one that is not the scenario's true one, first or not.
        Scenario shift = Scenario.predictionSegmentScenarios().get(1);
        Scenario stationary = Scenario.predictionSegmentScenarios().get(0);
        HealthReport.ShiftSegment young = new HealthReport.ShiftSegment("age=[-inf, 24.4)", "age", "[-inf, 24.4)",
                0.3, 0.45, 0.1, 0.1, 120, 0.01, 0.015, 0.2);
        HealthReport onlyNa = plain.withPredictionSegments(new HealthReport.PredictionShift("mean", 0.50, 0.575, 16,
                new HealthReport.ShiftSegment[] {na}));
        HealthReport naThenAge = plain.withPredictionSegments(new HealthReport.PredictionShift("mean", 0.50, 0.575,
                16, new HealthReport.ShiftSegment[] {na, young}));
        assertThat(Scoring.namesAnotherSegment(onlyNa, shift)).isFalse();
        assertThat(Scoring.namesAnotherSegment(naThenAge, shift)).isTrue();
        assertThat(Scoring.namesAnotherSegment(onlyNa, stationary)).isTrue();
        assertThat(Scoring.namesAnotherSegment(plain, stationary)).isFalse();
    }
}
