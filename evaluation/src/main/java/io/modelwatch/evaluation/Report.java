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
            if (s.scenario().stationary()) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d/%d | %s | %s | %s | %s | %d (%.3f) |%n",
                    s.detector().equals(Scoring.MODELWATCH) ? s.scenario().name() : "", s.detector(),
                    s.detected(), s.models(), num(s.medianDelayWindows()), num(s.maxDelayWindows()),
                    s.detected() == 0 ? "-" : String.format(Locale.ROOT, "%,.0f", s.medianDelayEvents()),
                    s.detected() == 0 ? "-" : s.culpritFirst() + "/" + s.detected(),
                    s.falseTriggers(), s.falsePer100k()));
        }
        sb.append("\nTotals per detector:\n\n");
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
                if (!s.scenario().stationary()) {
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

    private static String num(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.1f", x);
    }
}
