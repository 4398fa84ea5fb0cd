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
 *   <li><em>Emitted</em>: when, in event time, the job emitted the detection. For drift and
 *       quality triggers that is the end of the window in {@code detectedAt}; a performance
 *       trigger's {@code detectedAt} is the end of its last decayed window of <em>prediction</em>
 *       time, and it is emitted only once that window's labels arrived, minutes later.
 *   <li><em>Silence is not a trigger.</em> A silence scenario is scored on health reports alone:
 *       its detection is the first SILENT report after the model's last event, its delay runs
 *       from the end of its last window to that report's end, and a SILENT report before the
 *       model stopped, like any trigger of it, is false. The drift baselines do not apply.
 * </ul>
 *
 * <p>Labels revise reports (revision 1, 2, ... of the same window, same drift figures): only
 * revision 0 is counted as a window, so a labelled model's windows are not counted twice.
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
            int nonDriftWindows, int flaggedNonDriftWindows, Long emittedAt, String firstSegment,
            int reportsNamingSegments, int reportsNamingAnother) {
        ModelScore(ModelRun run, int falseTriggers, Long detectedAt, boolean culpritFirst, long nonDriftEvents,
                int nonDriftWindows, int flaggedNonDriftWindows, Long emittedAt) {
            this(run, falseTriggers, detectedAt, culpritFirst, nonDriftEvents, nonDriftWindows, flaggedNonDriftWindows,
                    emittedAt, null, 0, 0);
        }

        /**
         * This score with {@code n} reports (of any revision) naming segments, {@code another} of
         * them naming a segment other than the scenario's true one.
         */
        ModelScore withReportsNamingSegments(int n, int another) {
            return new ModelScore(run, falseTriggers, detectedAt, culpritFirst, nonDriftEvents, nonDriftWindows,
                    flaggedNonDriftWindows, emittedAt, firstSegment, n, another);
        }

        /** Whether the detection's first named segment is the scenario's true one. */
        boolean segmentFirst() {
            return run.scenario().isTrueSegment(firstSegment);
        }

        boolean detected() {
            return detectedAt != null;
        }

        double delayWindows() {
            return (detectedAt - run.driftStartMillis()) / 60_000.0;
        }

        long delayEvents() {
            return run.eventsBefore(detectedAt) - run.eventsBefore(run.driftStartMillis());
        }

        /** From the change to the emission, in windows; NaN when the emission time is unknown. */
        double emittedDelayWindows() {
            return emittedAt == null ? Double.NaN : (emittedAt - run.driftStartMillis()) / 60_000.0;
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
            int flaggedNonDriftWindows,
            List<Double> emittedDelaysWindows,
            int segmentFirst,
            List<String> firstSegments,
            int reportsNamingSegments,
            int reportsNamingAnother) {

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

        public double medianEmittedDelayWindows() {
            return median(emittedDelaysWindows);
        }

        public double maxEmittedDelayWindows() {
            return emittedDelaysWindows.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }

        /** Share of evaluated windows without a change that the detector flagged. */
        public double flaggedWindowRate() {
            return nonDriftWindows == 0 ? 0 : (double) flaggedNonDriftWindows / nonDriftWindows;
        }
    }

    /** Scores a run's outputs, with the triggers' emission times. */
    public static List<ScenarioScore> score(EvaluationRun.Result result) {
        return score(result.runs(), result.triggers(), result.reports(), result.emittedAt());
    }

    /** Scores every model of a run for every detector and sums them per scenario. */
    public static List<ScenarioScore> score(List<ModelRun> runs, List<RetrainTrigger> triggers,
            List<HealthReport> reports) {
        return score(runs, triggers, reports, Map.of());
    }

    static List<ScenarioScore> score(List<ModelRun> runs, List<RetrainTrigger> triggers, List<HealthReport> reports,
            Map<String, Long> emittedAt) {
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
            // A decay's segments are named in revisions (the labels come after revision 0): counted before they go.
            int namingSegments = (int) rs.stream().filter(Scoring::namesSegments).count();
            int namingAnother = (int) rs.stream().filter(r -> namesAnotherSegment(r, run.scenario())).count();
            rs.removeIf(r -> r.revision() != 0);
            rs.sort(Comparator.comparing(HealthReport::windowEnd));
            Map<String, List<ModelScore>> perDetector =
                    byScenario.computeIfAbsent(run.scenario().name(), k -> new LinkedHashMap<>());
            if (run.scenario().silence()) {
                perDetector.computeIfAbsent(MODELWATCH, k -> new ArrayList<>()).add(scoreSilence(run, ts, rs));
                continue;
            }
            perDetector.computeIfAbsent(MODELWATCH, k -> new ArrayList<>())
                    .add(scoreModelwatch(run, ts, rs, emittedAt)
                            .withReportsNamingSegments(namingSegments, namingAnother));
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
                if (perDetector.containsKey(detector)) {
                    out.add(sum(first.scenario(), detector, perDetector.get(detector)));
                }
            }
        }
        return out;
    }

    static ModelScore scoreModelwatch(ModelRun run, List<RetrainTrigger> triggers, List<HealthReport> reports) {
        return scoreModelwatch(run, triggers, reports, Map.of());
    }

    static ModelScore scoreModelwatch(ModelRun run, List<RetrainTrigger> triggers, List<HealthReport> reports,
            Map<String, Long> emittedAt) {
        Scenario s = run.scenario();
        int falseTriggers = 0;
        Long detectedAt = null;
        Long emitted = null;
        boolean culpritFirst = false;
        String firstSegment = null;
        for (RetrainTrigger t : triggers) {
            long at = Instant.parse(t.detectedAt()).toEpochMilli();
            boolean afterChange = at > run.scoredChangeStart();
            if (afterChange && t.reason().equals(s.reason())) {
                if (detectedAt == null) {
                    detectedAt = at;
                    emitted = emittedAt.get(t.triggerId());
                    culpritFirst = t.evidence().length > 0 && t.evidence()[0].signal().equals(s.culprit());
                    firstSegment = firstSegment(t);
                }
            } else if (!(afterChange && s.alsoExpected().contains(t.reason()))) {
                falseTriggers++;
            }
        }
        ModelScore m = withExposure(run, falseTriggers, detectedAt, culpritFirst, reports,
                Baselines.modelwatch(reports), emitted);
        return new ModelScore(m.run(), m.falseTriggers(), m.detectedAt(), m.culpritFirst(), m.nonDriftEvents(),
                m.nonDriftWindows(), m.flaggedNonDriftWindows(), m.emittedAt(), firstSegment, 0, 0);
    }

    /**
     * Whether {@code r} names a segment: of its performance's decay, or of its prediction's drift
     * (an empty list of the latter says that no segment stands out, and names none).
     */
    static boolean namesSegments(HealthReport r) {
        return r.performance() != null && r.performance().segments() != null
                || r.predictionSegments() != null && r.predictionSegments().segments() != null
                        && r.predictionSegments().segments().length > 0;
    }

    /**
     * Whether {@code r} names a segment that is not {@code s}'s true one (any segment, for a
     * scenario without one), in its performance or its prediction drift, first or not.
     */
    static boolean namesAnotherSegment(HealthReport r, Scenario s) {
        List<String> named = new ArrayList<>();
        if (r.performance() != null && r.performance().segments() != null) {
            for (HealthReport.SegmentFinding f : r.performance().segments()) {
                named.add(f.segment());
            }
        }
        if (r.predictionSegments() != null && r.predictionSegments().segments() != null) {
            for (HealthReport.ShiftSegment f : r.predictionSegments().segments()) {
                named.add(f.segment());
            }
        }
        return named.stream().anyMatch(n -> !s.isTrueSegment(n));
    }

    /** The first segment {@code t}'s evidence names ({@code segment:<name>}), without the prefix; null when none. */
    static String firstSegment(RetrainTrigger t) {
        for (var e : t.evidence()) {
            if (e.signal().startsWith("segment:")) {
                return e.signal().substring("segment:".length());
            }
        }
        return null;
    }

    /**
     * A model that stops sending at its change: the first SILENT report ending after its last
     * window is the detection, with the delay counted from the end of that last window (where
     * {@code quality.silenceAfter} starts); an earlier SILENT report and every trigger are false.
     */
    static ModelScore scoreSilence(ModelRun run, List<RetrainTrigger> triggers, List<HealthReport> reports) {
        long lastWindowEnd = lastWindowEnd(run);
        int falseReports = triggers.size();
        Long detectedAt = null;
        for (HealthReport r : reports) {
            if (!HealthReport.SILENT.equals(r.status())) {
                continue;
            }
            long end = Instant.parse(r.windowEnd()).toEpochMilli();
            if (end <= lastWindowEnd) {
                falseReports++;
            } else if (detectedAt == null) {
                detectedAt = end;
            }
        }
        return withExposure(run, falseReports, detectedAt, detectedAt != null, reports, List.of(), detectedAt);
    }

    /** End of the one-minute window of a model's last event. */
    static long lastWindowEnd(ModelRun run) {
        long last = run.endMillis() - 1;
        return last - Math.floorMod(last, 60_000L) + 60_000;
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
        return withExposure(run, falseTriggers, detectedAt, culpritFirst, reports, flags, detectedAt);
    }

    private static ModelScore withExposure(ModelRun run, int falseTriggers, Long detectedAt, boolean culpritFirst,
            List<HealthReport> reports, List<Baselines.Flag> flags, Long emittedAt) {
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
        return new ModelScore(run, falseTriggers, detectedAt, culpritFirst, nonDriftEvents, windows, flagged,
                emittedAt);
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
        List<Double> emittedDelays = new ArrayList<>();
        int segmentFirst = 0;
        int reportsNamingSegments = 0;
        int reportsNamingAnother = 0;
        List<String> firstSegments = new ArrayList<>();
        for (ModelScore m : models) {
            reportsNamingSegments += m.reportsNamingSegments();
            reportsNamingAnother += m.reportsNamingAnother();
            events += m.run().events();
            nonDrift += m.nonDriftEvents();
            falseTriggers += m.falseTriggers();
            windows += m.nonDriftWindows();
            flagged += m.flaggedNonDriftWindows();
            if (m.detected()) {
                detected++;
                delays.add(m.delayWindows());
                delayEvents.add(m.delayEvents());
                if (!Double.isNaN(m.emittedDelayWindows())) {
                    emittedDelays.add(m.emittedDelayWindows());
                }
                if (m.culpritFirst()) {
                    culprit++;
                }
                if (m.segmentFirst()) {
                    segmentFirst++;
                }
                firstSegments.add(m.firstSegment() == null ? "none" : m.firstSegment());
            }
        }
        return new ScenarioScore(scenario, detector, models.size(), events, nonDrift, falseTriggers, detected,
                List.copyOf(delays), List.copyOf(delayEvents), culprit, windows, flagged, List.copyOf(emittedDelays),
                segmentFirst, List.copyOf(firstSegments), reportsNamingSegments, reportsNamingAnother);
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
