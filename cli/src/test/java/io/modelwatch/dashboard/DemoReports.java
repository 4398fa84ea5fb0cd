package io.modelwatch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.serde.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-made health reports and a trigger shaped like the demo's, for the dashboard's unit tests
 * (DashboardBrowserITCase uses what the real job writes): {@code churn-01} learns its reference for
 * 4 windows, is OK, and drifts from minute 12 (monthly_spend and tenure_months shift), escalating
 * to a FEATURE_DRIFT trigger on its third drifted window; the other models stay OK or are still
 * warming up. Built from the contract's own examples (src/examples), so every field is one the
 * job writes.
 */
final class DemoReports {
    static final Path EXAMPLES = Path.of("..").toAbsolutePath().normalize().resolve("src/examples");
    static final Instant START = Instant.parse("2026-11-26T08:00:00Z");
    static final int DRIFT_FROM_MINUTE = 12;

    private DemoReports() {}

    static ObjectNode example(String name) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(EXAMPLES.resolve(name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One model's report for the window ending at {@code minute + 1}. */
    static ObjectNode report(String modelId, String version, int minute, String status, double spendKs,
            double tenureKs, double predictionKs, int driftedWindows) {
        ObjectNode r = example("health-report.json");
        r.put("modelId", modelId);
        r.put("modelVersion", version);
        r.put("windowStart", START.plusSeconds(60L * minute).toString());
        r.put("windowEnd", START.plusSeconds(60L * (minute + 1)).toString());
        r.put("status", status);
        // The first report of a window, before any label arrived.
        r.put("revision", 0);
        r.remove("performance");
        long events = 1180 + (minute * 37L + modelId.length() * 11L) % 60;
        r.put("events", events);
        r.put("eventsSeen", 1200L * (minute + 1));
        r.put("referenceEvents", Math.min(5000, 1200L * (minute + 1)));
        ArrayNode features = (ArrayNode) r.get("features");
        // The example's second feature is tenure_months; drawn here as a continuous one like monthly_spend.
        ObjectNode tenure = features.get(0).deepCopy();
        tenure.put("name", "tenure_months");
        tenure.put("mean", 24.1);
        tenure.put("stddev", 11.7);
        features.set(1, tenure);
        boolean warming = status.equals("WARMING_UP");
        double jitter = ((minute * 7 + modelId.hashCode()) & 7) / 1000.0;
        setDrift(features.get(0), warming, spendKs + jitter);
        setDrift(features.get(1), warming, tenureKs + jitter / 2);
        setDrift(features.get(2), warming, 0.004 + jitter);
        setDrift(features.get(3), warming, 0.006 + jitter / 3);
        setDrift(r.get("prediction"), warming, predictionKs + jitter);
        ((ObjectNode) r.get("quality")).put("lateEvents", minute == 9 ? 14 : 0);
        ((ObjectNode) features.get(3)).put("missing", 40 + (minute * 13) % 30);
        ((ObjectNode) r.get("escalation")).put("driftedWindows", driftedWindows);
        return r;
    }

    /** KS threshold of a 1,200-event window against a 5,000-event reference at the default fdr. */
    static final double KS_THRESHOLD = 0.081;
    /** The default effect floor of a category share (drift.effect.categorical). */
    static final double LINF_THRESHOLD = 0.05;

    /**
     * The drift statistics as the job writes them (DriftEvaluator): PSI for reading, the deciding
     * effect ({@code ks} or {@code linf}) against its threshold, the adjusted p-value, and the
     * Jensen-Shannon distance; {@code shift} is the deciding effect.
     */
    private static void setDrift(JsonNode feature, boolean warming, double shift) {
        ArrayNode drift = (ArrayNode) feature.get("drift");
        drift.removeAll();
        if (warming) {
            return;
        }
        boolean numeric = feature.path("type").asText().equals("NUMERIC");
        double threshold = numeric ? KS_THRESHOLD : LINF_THRESHOLD;
        double effect = Math.round(shift * 1000) / 1000.0;
        boolean drifted = effect >= threshold;
        double p = drifted ? 1e-12 : 0.6;
        drift.addObject().put("statistic", "psi").put("value", Math.round(effect * effect * 3 * 1000) / 1000.0)
                .put("threshold", 0.1).put("drifted", drifted && effect * effect * 3 >= 0.1);
        drift.addObject().put("statistic", numeric ? "ks" : "linf").put("value", effect).put("threshold", threshold)
                .put("drifted", drifted);
        drift.addObject().put("statistic", "p_value").put("value", p).put("threshold", 0.001).put("drifted", drifted);
        drift.addObject().put("statistic", "jensen_shannon").put("value", Math.round(Math.sqrt(effect) * 0.45 * 1000) / 1000.0)
                .put("drifted", false);
    }

    /** churn-01's windows 0..{@code minutes-1}: warm-up, OK, then drifting from minute 12. */
    static List<ObjectNode> drifting(int minutes) {
        List<ObjectNode> out = new ArrayList<>();
        int drifted = 0;
        for (int m = 0; m < minutes; m++) {
            if (m < 4) {
                out.add(report("churn-01", "1", m, "WARMING_UP", 0, 0, 0, 0));
            } else if (m < DRIFT_FROM_MINUTE) {
                out.add(report("churn-01", "1", m, "OK", 0.012, 0.009, 0.006, 0));
            } else {
                drifted = Math.min(3, drifted + 1);
                int k = m - DRIFT_FROM_MINUTE;
                out.add(report("churn-01", "1", m, "DRIFTING", 0.42 + 0.15 * Math.min(k, 3), 0.27 + 0.09 * Math.min(k, 3),
                        0.05 + 0.02 * k, drifted));
            }
        }
        return out;
    }

    /** A stable model: OK after its warm-up. */
    static List<ObjectNode> stable(String modelId, String version, int minutes) {
        List<ObjectNode> out = new ArrayList<>();
        for (int m = 0; m < minutes; m++) {
            out.add(report(modelId, version, m, m < 4 ? "WARMING_UP" : "OK", 0.010, 0.008, 0.005, 0));
        }
        return out;
    }

    /** churn-01's FEATURE_DRIFT trigger after its third drifted window (minute 14, ending 08:15). */
    static ObjectNode trigger() {
        ObjectNode t = example("retrain-trigger.json");
        String detectedAt = START.plusSeconds(60L * (DRIFT_FROM_MINUTE + 3)).toString();
        t.put("triggerId", "churn-01/1/FEATURE_DRIFT/" + detectedAt);
        t.put("modelId", "churn-01");
        t.put("modelVersion", "1");
        t.put("detectedAt", detectedAt);
        t.put("firstEvidenceAt", START.plusSeconds(60L * DRIFT_FROM_MINUTE).toString());
        ArrayNode evidence = (ArrayNode) t.get("evidence");
        ((ObjectNode) evidence.get(0)).put("statistic", "ks").put("value", 0.39).put("threshold", KS_THRESHOLD)
                .put("windowEnd", detectedAt);
        ((ObjectNode) evidence.get(1)).put("statistic", "ks").put("value", 0.31).put("threshold", KS_THRESHOLD)
                .put("windowEnd", detectedAt);
        t.put("eventsSeen", 18000);
        return t;
    }
}
