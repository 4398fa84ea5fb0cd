package io.modelwatch.evaluation;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a run: per model, which triggers were true or false and how late the true one came;
 * per scenario and detector, the figures of docs/detection.md. The same rules score modelwatch's
 * own triggers and the baselines replayed on its health reports.
 *
 * <ul>
 *   <li>A trigger is <em>false</em> on a stationary model, before a change starts, or after it
 *       with a reason the change does not explain (feature drift on a model whose only change is
 *       its score).
 *   <li>The <em>detection</em> is the first trigger of the scenario's reason after the change
 *       started; its <em>delay</em> runs from the start of the change to the end of the window
 *       that completed the escalation, in event time, in one-minute windows and in events of that
 *       model. No detection by the end of the run is a <em>miss</em>.
 *   <li><em>Culprit first</em>: the detection's strongest evidence names the signal that
 *       changed.
 * </ul>
 */
public final class Scoring {
    public static final String MODELWATCH = "modelwatch";
    public static final String NAIVE = "naive mean";
    public static final String PSI = "PSI >= 0.1";
    public static final String EVIDENTLY = "Evidently-style";
    public static final String TESTS_ONLY = "tests only";
    public static final List<String> DETECTORS = List.of(MODELWATCH, NAIVE, PSI, EVIDENTLY, TESTS_ONLY);

    private Scoring() {}

    /** What one detector did on one model. */
    record ModelScore(ModelRun run, int falseTriggers, Long detectedAt, boolean culpritFirst, long nonDriftEvents,
            int nonDriftWindows, int flaggedNonDriftWindows) {
        boolean detected() {
            return detectedAt != null;
        }

        double delayWindows() {
            return (detectedAt - run.driftStartMillis()) / 60_000.0;
        }

        long delayEvents() {
            return run.eventsBefore(detectedAt) - run.eventsBefore(run.driftStartMillis());
        }
    }

    /** One scenario's figures for one detector. */
    public record ScenarioScore(
            Scenario scenario,
            String detector,
            int models,
            long events,
            long nonDriftEvents,
            int falseTriggers,
            int detected,
            List<Double> delaysWindows,
            List<Long> delaysEvents,
            int culpritFirst,
            int nonDriftWindows,
            int flaggedNonDriftWindows) {

        public double falsePer100k() {
            return nonDriftEvents == 0 ? 0 : falseTriggers * 100_000.0 / nonDriftEvents;
        }

        public double missRate() {
            return scenario.stationary() ? 0 : 1 - (double) detected / models;
        }

        public double medianDelayWindows() {
            return median(delaysWindows);
        }

        public double maxDelayWindows() {
            return delaysWindows.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }

        public double medianDelayEvents() {
            return median(delaysEvents.stream().map(Long::doubleValue).toList());
        }

        /** Share of evaluated windows without a change that the detector flagged. */
        public double flaggedWindowRate() {
            return nonDriftWindows == 0 ? 0 : (double) flaggedNonDriftWindows / nonDriftWindows;
        }
    }

    /** Scores every model of a run for every detector and sums them per scenario. */
    public static List<ScenarioScore> score(List<ModelRun> runs, List<RetrainTrigger> triggers,
            List<HealthReport> reports) {
        Map<String, List<RetrainTrigger>> triggersByModel = new LinkedHashMap<>();
        for (RetrainTrigger t : triggers) {
            triggersByModel.computeIfAbsent(t.modelId(), k -> new ArrayList<>()).add(t);
        }
        Map<String, List<HealthReport>> reportsByModel = new LinkedHashMap<>();
        for (HealthReport r : reports) {
            reportsByModel.computeIfAbsent(r.modelId(), k -> new ArrayList<>()).add(r);
        }
        Map<String, Map<String, List<ModelScore>>> byScenario = new LinkedHashMap<>();
        for (ModelRun run : runs) {
            List<RetrainTrigger> ts = new ArrayList<>(triggersByModel.getOrDefault(run.modelId(), List.of()));
            ts.sort(Comparator.comparing(RetrainTrigger::detectedAt));
            List<HealthReport> rs = new ArrayList<>(reportsByModel.getOrDefault(run.modelId(), List.of()));
            rs.sort(Comparator.comparing(HealthReport::windowEnd));
            Map<String, List<ModelScore>> perDetector =
                    byScenario.computeIfAbsent(run.scenario().name(), k -> new LinkedHashMap<>());
            perDetector.computeIfAbsent(MODELWATCH, k -> new ArrayList<>())
                    .add(scoreModelwatch(run, ts, rs));
            perDetector.computeIfAbsent(NAIVE, k -> new ArrayList<>())
                    .add(scoreBaseline(run, Baselines.naiveMean(rs), rs));
            perDetector.computeIfAbsent(PSI, k -> new ArrayList<>())
                    .add(scoreBaseline(run, Baselines.psi(rs), rs));
            perDetector.computeIfAbsent(EVIDENTLY, k -> new ArrayList<>())
                    .add(scoreBaseline(run, Baselines.evidentlyStyle(rs), rs));
            perDetector.computeIfAbsent(TESTS_ONLY, k -> new ArrayList<>())
                    .add(scoreBaseline(run, Baselines.testsOnly(rs), rs));
        }
        List<ScenarioScore> out = new ArrayList<>();
        for (ModelRun first : firstOfEachScenario(runs)) {
            Map<String, List<ModelScore>> perDetector = byScenario.get(first.scenario().name());
            for (String detector : DETECTORS) {
                out.add(sum(first.scenario(), detector, perDetector.get(detector)));
            }
        }
        return out;
    }

    static ModelScore scoreModelwatch(ModelRun run, List<RetrainTrigger> triggers, List<HealthReport> reports) {
        Scenario s = run.scenario();
        int falseTriggers = 0;
        Long detectedAt = null;
        boolean culpritFirst = false;
        for (RetrainTrigger t : triggers) {
            long at = Instant.parse(t.detectedAt()).toEpochMilli();
            boolean afterChange = at > run.scoredChangeStart();
            if (afterChange && t.reason().equals(s.reason())) {
                if (detectedAt == null) {
                    detectedAt = at;
                    culpritFirst = t.evidence().length > 0 && t.evidence()[0].signal().equals(s.culprit());
                }
            } else if (!(afterChange && s.alsoExpected().contains(t.reason()))) {
                falseTriggers++;
            }
        }
        return withExposure(run, falseTriggers, detectedAt, culpritFirst, reports, Baselines.modelwatch(reports));
    }

    static ModelScore scoreBaseline(ModelRun run, List<Baselines.Flag> flags, List<HealthReport> reports) {
        Scenario s = run.scenario();
        int falseTriggers = 0;
        Long detectedAt = null;
        boolean culpritFirst = false;
        for (Baselines.Trigger t : Baselines.escalate(flags)) {
            if (t.detectedAt() > run.scoredChangeStart()) {
                if (detectedAt == null) {
                    detectedAt = t.detectedAt();
                    culpritFirst = s.culprit().equals(t.strongest());
                }
            } else {
                falseTriggers++;
            }
        }
        return withExposure(run, falseTriggers, detectedAt, culpritFirst, reports, flags);
    }

    private static ModelScore withExposure(ModelRun run, int falseTriggers, Long detectedAt, boolean culpritFirst,
            List<HealthReport> reports, List<Baselines.Flag> flags) {
        long boundary = run.scoredChangeStart();
        int windows = 0;
        for (HealthReport r : reports) {
            if (Baselines.evaluated(r) && Baselines.end(r) <= boundary) {
                windows++;
            }
        }
        int flagged = 0;
        for (Baselines.Flag f : flags) {
            if (f.windowEnd() <= boundary) {
                flagged++;
            }
        }
        long nonDriftEvents = run.eventsBefore(boundary);
        return new ModelScore(run, falseTriggers, detectedAt, culpritFirst, nonDriftEvents, windows, flagged);
    }

    private static ScenarioScore sum(Scenario scenario, String detector, List<ModelScore> models) {
        long events = 0;
        long nonDrift = 0;
        int falseTriggers = 0;
        int detected = 0;
        int culprit = 0;
        int windows = 0;
        int flagged = 0;
        List<Double> delays = new ArrayList<>();
        List<Long> delayEvents = new ArrayList<>();
        for (ModelScore m : models) {
            events += m.run().events();
            nonDrift += m.nonDriftEvents();
            falseTriggers += m.falseTriggers();
            windows += m.nonDriftWindows();
            flagged += m.flaggedNonDriftWindows();
            if (m.detected()) {
                detected++;
                delays.add(m.delayWindows());
                delayEvents.add(m.delayEvents());
                if (m.culpritFirst()) {
                    culprit++;
                }
            }
        }
        return new ScenarioScore(scenario, detector, models.size(), events, nonDrift, falseTriggers, detected,
                List.copyOf(delays), List.copyOf(delayEvents), culprit, windows, flagged);
    }

    private static List<ModelRun> firstOfEachScenario(List<ModelRun> runs) {
        Map<String, ModelRun> first = new LinkedHashMap<>();
        for (ModelRun r : runs) {
            first.putIfAbsent(r.scenario().name(), r);
        }
        return List.copyOf(first.values());
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
