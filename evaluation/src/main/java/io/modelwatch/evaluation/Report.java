package io.modelwatch.evaluation;

import java.util.List;
import java.util.Locale;

/** The results as Markdown tables, as pasted into docs/detection.md. */
public final class Report {
    private Report() {}

    public static String markdown(EvaluationRun.Settings settings, EvaluationRun.Result result,
            List<Scoring.ScenarioScore> scores) {
        StringBuilder sb = new StringBuilder();
        long events = result.runs().stream().mapToLong(ModelRun::events).sum();
        sb.append(String.format(Locale.ROOT, "Run: %,d events in %d models (%,d per stationary scenario, %d replicas "
                        + "per change), seed %d, parallelism %d, %.0f s wall clock (%,.0f events/s).%n%n",
                events, result.runs().size(), settings.stationaryEvents(), settings.replicas(), settings.seed(),
                settings.parallelism(), result.millis() / 1000.0, events * 1000.0 / Math.max(1, result.millis())));

        sb.append("No change, or none worth a trigger (every trigger is false):\n\n");
        sb.append("| scenario | events | detector | false triggers | per 100k events | flagged windows |\n");
        sb.append("|---|---:|---|---:|---:|---:|\n");
        for (Scoring.ScenarioScore s : scores) {
            if (!s.scenario().stationary()) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "| %s | %,d | %s | %d | %.3f | %.2f%% |%n",
                    s.detector().equals(Scoring.MODELWATCH) ? s.scenario().name() : "",
                    s.events(), s.detector(), s.falseTriggers(), s.falsePer100k(), 100 * s.flaggedWindowRate()));
        }
        sb.append("\nChanges (delay from the start of the change to the trigger; one window = one minute):\n\n");
        sb.append("| scenario | detector | detected | median delay (windows) | max delay | median delay (events) "
                + "| culprit first | false triggers (per 100k) |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Scoring.ScenarioScore s : scores) {
            if (s.scenario().stationary() || s.scenario().silence()) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d/%d | %s | %s | %s | %s | %d (%.3f) |%n",
                    s.detector().equals(Scoring.MODELWATCH) ? s.scenario().name() : "", s.detector(),
                    s.detected(), s.models(), num(s.medianDelayWindows()), num(s.maxDelayWindows()),
                    s.detected() == 0 ? "-" : String.format(Locale.ROOT, "%,.0f", s.medianDelayEvents()),
                    s.detected() == 0 ? "-" : s.culpritFirst() + "/" + s.detected(),
                    s.falseTriggers(), s.falsePer100k()));
        }
        delayedLabels(sb, scores);
        segments(sb, scores);
        silence(sb, scores);
        sb.append("\nTotals per detector (silence is not a trigger and is not counted):\n\n");
        sb.append("| detector | false triggers | per 100k unchanged events | changes detected | missed |\n");
        sb.append("|---|---:|---:|---:|---:|\n");
        for (String d : Scoring.DETECTORS) {
            long nonDrift = 0;
            int falseTriggers = 0;
            int detected = 0;
            int models = 0;
            for (Scoring.ScenarioScore s : scores) {
                if (!s.detector().equals(d)) {
                    continue;
                }
                nonDrift += s.nonDriftEvents();
                falseTriggers += s.falseTriggers();
                if (!s.scenario().stationary() && !s.scenario().silence()) {
                    detected += s.detected();
                    models += s.models();
                }
            }
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %d/%d | %.1f%% |%n", d, falseTriggers,
                    nonDrift == 0 ? 0 : falseTriggers * 100_000.0 / nonDrift, detected, models,
                    models == 0 ? 0 : 100.0 * (models - detected) / models));
        }
        return sb.toString();
    }

    /**
     * Performance decay with delayed labels: a trigger's detectedAt is the end of its last
     * decayed window of prediction time; the job emits it once that window's labels arrived.
     */
    private static void delayedLabels(StringBuilder sb, List<Scoring.ScenarioScore> scores) {
        List<Scoring.ScenarioScore> labelled = scores.stream()
                .filter(s -> s.detector().equals(Scoring.MODELWATCH) && s.scenario().labels() != null
                        && !s.scenario().stationary())
                .toList();
        if (labelled.isEmpty()) {
            return;
        }
        sb.append("\nDelayed labels (modelwatch; windows of prediction time to the trigger's last window, and to "
                + "when the job emitted it, once the labels had arrived):\n\n");
        sb.append("| scenario | labels | detected | median delay (windows) | max delay | median until emitted "
                + "| max until emitted | culprit first |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Scoring.ScenarioScore s : labelled) {
            Scenario.Labels l = s.scenario().labels();
            sb.append(String.format(Locale.ROOT, "| %s | %.0f%%, %.0f-%.0f min late | %d/%d | %s | %s | %s | %s | %s |%n",
                    s.scenario().name(), 100 * l.share(), l.delayMillis() / 60_000.0,
                    (l.delayMillis() + l.jitterMillis()) / 60_000.0, s.detected(), s.models(),
                    num(s.medianDelayWindows()), num(s.maxDelayWindows()), num(s.medianEmittedDelayWindows()),
                    num(s.maxEmittedDelayWindows()), s.detected() == 0 ? "-" : s.culpritFirst() + "/" + s.detected()));
        }
    }

    /**
     * Where the decay or the prediction drift is, for every labelled scenario and every scenario
     * with segments to name: whether each detection's evidence named the true segment first, which
     * segments it named first, and how many reports named segments.
     */
    private static void segments(StringBuilder sb, List<Scoring.ScenarioScore> scores) {
        List<Scoring.ScenarioScore> labelled = scores.stream()
                .filter(s -> s.detector().equals(Scoring.MODELWATCH) && (s.scenario().labels() != null
                        || s.scenario().population() instanceof Populations.Regional))
                .toList();
        if (labelled.isEmpty()) {
            return;
        }
        sb.append("\nSegments (modelwatch; the first segment each detection's evidence names, PERFORMANCE_DECAY "
                + "or PREDICTION_DRIFT, against the true one; reports: revisions whose performance, or "
                + "whose prediction drift, names segments; naming another: reports naming any segment but the "
                + "true one, first or not):\n\n");
        sb.append("| scenario | true segment | detected | true segment first | first named (count) "
                + "| reports naming segments | naming another |\n");
        sb.append("|---|---|---:|---:|---|---:|---:|\n");
        for (Scoring.ScenarioScore s : labelled) {
            java.util.Map<String, Long> named = new java.util.TreeMap<>();
            s.firstSegments().forEach(n -> named.merge(n, 1L, Long::sum));
            StringBuilder first = new StringBuilder();
            named.forEach((n, c) -> first.append(first.length() == 0 ? "" : ", ").append("`").append(n)
                    .append("` (").append(c).append(")"));
            boolean change = !s.scenario().stationary();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %d | %d |%n", s.scenario().name(),
                    s.scenario().segment() == null ? "none" : "`" + s.scenario().segment() + "`",
                    change ? s.detected() + "/" + s.models() : "-",
                    s.scenario().segment() == null || s.detected() == 0 ? "-" : s.segmentFirst() + "/" + s.detected(),
                    first.length() == 0 ? "-" : first, s.reportsNamingSegments(), s.reportsNamingAnother()));
        }
    }

    /** Silence: scored on SILENT health reports, not triggers. */
    private static void silence(StringBuilder sb, List<Scoring.ScenarioScore> scores) {
        List<Scoring.ScenarioScore> silent = scores.stream().filter(s -> s.scenario().silence()).toList();
        if (silent.isEmpty()) {
            return;
        }
        sb.append(String.format(Locale.ROOT, "%nSilence (not a trigger: the first SILENT health report after the "
                + "model's last window; promised within %.0f windows):%n%n", Goals.silenceDeadlineWindows()));
        sb.append("| scenario | reported | median delay (windows) | max delay | false (triggers or early SILENT) |\n");
        sb.append("|---|---:|---:|---:|---:|\n");
        for (Scoring.ScenarioScore s : silent) {
            sb.append(String.format(Locale.ROOT, "| %s | %d/%d | %s | %s | %d |%n", s.scenario().name(), s.detected(),
                    s.models(), num(s.medianDelayWindows()), num(s.maxDelayWindows()), s.falseTriggers()));
        }
    }

    private static String num(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.1f", x);
    }
}
