package io.modelwatch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.model.ModelKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the dashboard knows: per model version its latest health report, a bounded history of
 * compact window points (what the charts draw: per feature the statistic that decides, against
 * the threshold it had to reach, see {@link #signals}) and its latest triggers. Everything is bounded, so
 * a dashboard left running for months against thousands of models keeps a fixed footprint:
 * {@code maxModels x windowsPerModel} points of at most {@link #SIGNALS_PER_POINT} statistics.
 *
 * <p>Reports and triggers are kept as JSON trees, not the job's records: the dashboard reads
 * what a newer job writes (the contract only ever adds optional fields) without failing on a
 * field it does not know, and passes such fields (a {@code performance} block, say) on to the page.
 *
 * <p>Thread-safe: one feed thread writes, HTTP threads read. Every change is handed to the
 * {@link Listener} while the store's lock is held, so a listener that subscribes together with a
 * {@link #snapshot()} (see {@link #subscribe}) sees every later change exactly once, in order.
 */
public final class ModelStore {
    /** 240 one-minute windows: the last four hours of every model at the default window size. */
    public static final int DEFAULT_WINDOWS_PER_MODEL = 240;
    /** Triggers are rare (one per drift and cooldown); 50 is months of a model's history. */
    public static final int TRIGGERS_PER_MODEL = 50;
    /**
     * Model versions held; beyond it the one updated longest ago is dropped (old versions stop
     * reporting once replaced). 10,000 x 240 points of ~1 KB stays within a few GB in the worst
     * case and a few hundred MB for typical models.
     */
    public static final int DEFAULT_MAX_MODELS = 10_000;
    /**
     * Deciding statistics kept per window point: the strongest features' plus the prediction's. A
     * model may have 200 features; the charts draw the few that drift, and the latest report
     * keeps all of them for the table.
     */
    public static final int SIGNALS_PER_POINT = 12;
    /** Features named in a table row ("top drifting features"). */
    static final int TOP_FEATURES = 3;

    /** Receives every change, under the store's lock: must not block. */
    public interface Listener {
        void onChange(String type, ObjectNode payload);
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final int windowsPerModel;
    private final int maxModels;
    /** In update order: the first entry is the model version updated longest ago. */
    private final LinkedHashMap<String, ModelState> models = new LinkedHashMap<>();
    private final List<Listener> listeners = new ArrayList<>();
    private long reports;
    private long triggers;
    private long unreadable;
    private long evicted;

    public ModelStore() {
        this(DEFAULT_WINDOWS_PER_MODEL, DEFAULT_MAX_MODELS);
    }

    public ModelStore(int windowsPerModel, int maxModels) {
        if (windowsPerModel < 1 || maxModels < 1) {
            throw new IllegalArgumentException("windowsPerModel and maxModels must be positive");
        }
        this.windowsPerModel = windowsPerModel;
        this.maxModels = maxModels;
    }

    /** Adds one {@code model-health} record. Returns false (and counts it) if it is not a report. */
    public synchronized boolean addReport(JsonNode report) {
        String modelId = text(report, "modelId");
        String windowEnd = text(report, "windowEnd");
        if (modelId == null || windowEnd == null || !report.isObject()) {
            unreadable++;
            return false;
        }
        reports++;
        ModelState m = touch(modelId, versionOf(report));
        ObjectNode point = point(report);
        boolean newest = m.addPoint(point, windowsPerModel);
        if (newest) {
            m.latest = (ObjectNode) report;
        }
        ObjectNode change = NODES.objectNode();
        change.set("summary", m.summary());
        change.set("point", point);
        fire("model", change);
        return true;
    }

    /** Adds one {@code retrain-triggers} record; a trigger already held (same id) is ignored. */
    public synchronized boolean addTrigger(JsonNode trigger) {
        String modelId = text(trigger, "modelId");
        String triggerId = text(trigger, "triggerId");
        if (modelId == null || triggerId == null || !trigger.isObject()) {
            unreadable++;
            return false;
        }
        triggers++;
        ModelState m = touch(modelId, versionOf(trigger));
        if (!m.addTrigger((ObjectNode) trigger)) {
            return true;
        }
        ObjectNode change = NODES.objectNode();
        change.set("summary", m.summary());
        change.set("trigger", trigger);
        fire("trigger", change);
        return true;
    }

    /** Counts a record that was not JSON at all. */
    public synchronized void countUnreadable() {
        unreadable++;
    }

    /** Every model version's table row, plus the store's counters. */
    public synchronized ObjectNode snapshot() {
        ObjectNode s = NODES.objectNode();
        ArrayNode rows = s.putArray("models");
        for (ModelState m : models.values()) {
            rows.add(m.summary());
        }
        s.set("counts", counts());
        return s;
    }

    /**
     * The snapshot, taken atomically with adding {@code listener}: the listener then sees every
     * change after the snapshot and none before.
     */
    public synchronized ObjectNode subscribe(Listener listener) {
        listeners.add(listener);
        return snapshot();
    }

    public synchronized void unsubscribe(Listener listener) {
        listeners.remove(listener);
    }

    /** One model version with its history and triggers, or null if the store has none. */
    public synchronized ObjectNode detail(String modelId, String modelVersion) {
        ModelState m = models.get(ModelKey.of(modelId, modelVersion));
        if (m == null) {
            return null;
        }
        ObjectNode d = NODES.objectNode();
        d.set("summary", m.summary());
        if (m.latest != null) {
            d.set("latest", m.latest);
            ArrayNode latestSignals = d.putArray("latestSignals");
            signals(m.latest).forEach(latestSignals::add);
        }
        ArrayNode points = d.putArray("points");
        m.points.forEach(points::add);
        ArrayNode ts = d.putArray("triggers");
        m.triggers.forEach(ts::add);
        return d;
    }

    public synchronized int size() {
        return models.size();
    }

    /** Reports and triggers read, records that were neither, model versions dropped by the cap. */
    public synchronized ObjectNode counts() {
        ObjectNode c = NODES.objectNode();
        c.put("models", models.size());
        c.put("reports", reports);
        c.put("triggers", triggers);
        c.put("unreadable", unreadable);
        c.put("evicted", evicted);
        c.put("maxModels", maxModels);
        c.put("windowsPerModel", windowsPerModel);
        return c;
    }

    /** Broadcasts a change that is not about one model (the feed's state). */
    public synchronized void publish(String type, ObjectNode payload) {
        fire(type, payload);
    }

    private void fire(String type, ObjectNode payload) {
        for (Listener l : listeners) {
            l.onChange(type, payload);
        }
    }

    /** The model version's state, moved to the end of the update order; evicts beyond the cap. */
    private ModelState touch(String modelId, String modelVersion) {
        String key = ModelKey.of(modelId, modelVersion);
        ModelState m = models.remove(key);
        if (m == null) {
            m = new ModelState(modelId, modelVersion);
            if (models.size() >= maxModels) {
                Iterator<ModelState> oldest = models.values().iterator();
                oldest.next();
                oldest.remove();
                evicted++;
            }
        }
        models.put(key, m);
        m.updatedAtMillis = System.currentTimeMillis();
        return m;
    }

    private static String versionOf(JsonNode n) {
        String v = text(n, "modelVersion");
        return v == null ? "default" : v;
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
    }

    /**
     * The compact form of a report that the charts draw: window, status, counts, the deciding
     * statistics of the strongest signals, data-quality counts, escalation, and performance when
     * the report has it, and the segments of a prediction drift when it has them.
     */
    static ObjectNode point(JsonNode r) {
        ObjectNode p = NODES.objectNode();
        copy(r, p, "windowStart");
        copy(r, p, "windowEnd");
        copy(r, p, "status");
        copy(r, p, "events");
        copy(r, p, "revision");
        List<ObjectNode> signals = signals(r);
        signals.sort(BY_STRENGTH);
        ArrayNode drift = p.putArray("drift");
        int features = 0;
        for (ObjectNode s : signals) {
            boolean prediction = "prediction".equals(s.path("signal").asText());
            if (prediction || features < SIGNALS_PER_POINT - 1) {
                drift.add(s);
                features += prediction ? 0 : 1;
            }
        }
        long missing = 0;
        for (JsonNode f : r.path("features")) {
            missing += f.path("missing").asLong(0);
        }
        ObjectNode quality = r.path("quality").isObject() ? ((ObjectNode) r.get("quality")).deepCopy() : NODES.objectNode();
        quality.put("missingValues", missing);
        p.set("quality", quality);
        if (r.path("escalation").isObject()) {
            p.set("escalation", r.get("escalation"));
        }
        if (r.path("performance").isObject()) {
            p.set("performance", r.get("performance"));
        }
        // Only on windows whose prediction drifted: the segments that explain the shift.
        if (r.path("predictionSegments").isObject()) {
            p.set("predictionSegments", r.get("predictionSegments"));
        }
        ObjectNode estimated = estimatedPoint(r);
        if (estimated != null) {
            p.set("estimated", estimated);
        }
        return p;
    }

    /**
     * What the estimated-performance chart draws of a report's {@code estimatedPerformance}: the
     * estimated accuracy with its 95% interval, the reference's, whether it decayed and what the
     * labels later said ({@code realised}). The other estimated metrics stay in the latest
     * report, not in every point: a point stays small. Null when the report has no estimate.
     */
    static ObjectNode estimatedPoint(JsonNode r) {
        JsonNode e = r.path("estimatedPerformance");
        JsonNode accuracy = e.path("accuracy");
        if (!e.isObject() || !accuracy.path("value").isNumber()) {
            return null;
        }
        ObjectNode p = NODES.objectNode();
        p.put("accuracy", accuracy.get("value").asDouble());
        if (accuracy.path("lower").isNumber() && accuracy.path("upper").isNumber()) {
            p.put("lower", accuracy.get("lower").asDouble());
            p.put("upper", accuracy.get("upper").asDouble());
        }
        copy(e, p, "referenceAccuracy");
        copy(e, p, "calibration");
        copy(e, p, "threshold");
        p.put("decayed", e.path("decayed").asBoolean(false));
        copy(e, p, "realised");
        return p;
    }

    /**
     * What decides for each feature and the prediction of the report, one entry per signal:
     * {signal, statistic, value, threshold, ratio, drifted, and where the report has them
     * pValue, alpha and test}. Signal is {@code feature:<name>} or {@code prediction}, as in
     * trigger evidence.
     *
     * <p>{@code ratio} is how far the signal is from flagging, as a multiple of what it must
     * reach: at least 1 exactly when its deciding test flags (given enough values to test). A
     * two-sample test flags when both its effect and its significance pass, so its ratio is the
     * smaller of
     * <ul>
     *   <li>the effect over its threshold: {@code ks} (continuous numeric; its threshold is the
     *       effect floor plus the reference sketch's rank error) or {@code linf} (discrete and
     *       categorical), shown as {@code statistic}, {@code value}, {@code threshold}; and
     *   <li>the significance, {@code log(p) / log(alpha)} for the Benjamini-Hochberg adjusted
     *       p-value against the false discovery rate {@code alpha} ({@code pValue},
     *       {@code alpha}): at least 1 exactly when {@code p <= alpha}. The test's own statistic
     *       is passed on as {@code test}: {@code anderson_darling} against its critical value at
     *       {@code alpha} (continuous), {@code chi_square} (discrete and categorical, Fisher's
     *       exact test when only two values occur; no threshold).
     * </ul>
     * The missing-rate change decides with its {@code missing_p_value} the same way. A
     * sequential detector ({@code cusum}, {@code page_hinkley}) or a statistic a newer job adds
     * with a threshold decides alone: value over threshold. Of a signal's tests the one nearest
     * its flag (largest ratio) is shown. {@code psi} is left out: its threshold only grades
     * severity. So a {@code ks} above its threshold whose test is not significant stays below
     * the chart's line, and every point above it is a flag.
     */
    static List<ObjectNode> signals(JsonNode r) {
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode f : r.path("features")) {
            addSignal(out, "feature:" + f.path("name").asText(), f);
        }
        if (r.path("prediction").isObject()) {
            addSignal(out, "prediction", r.get("prediction"));
        }
        return out;
    }

    /** Effect statistics decided together with a p-value, and the p-value's statistic. */
    private static final Map<String, String> EFFECT_P_VALUE = Map.of(
            DriftEvaluator.KS, DriftEvaluator.P_VALUE,
            DriftEvaluator.LINF, DriftEvaluator.P_VALUE,
            DriftEvaluator.MISSING_RATE_CHANGE, DriftEvaluator.MISSING_P_VALUE);

    private static void addSignal(List<ObjectNode> out, String signal, JsonNode feature) {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        boolean drifted = false;
        for (JsonNode d : feature.path("drift")) {
            byName.putIfAbsent(d.path("statistic").asText(), d);
            drifted |= d.path("drifted").asBoolean(false);
        }
        ObjectNode deciding = null;
        for (Map.Entry<String, JsonNode> e : byName.entrySet()) {
            String statistic = e.getKey();
            JsonNode d = e.getValue();
            if (!hasThreshold(d) || statistic.equals(DriftEvaluator.PSI) || statistic.endsWith(DriftEvaluator.P_VALUE)
                    || statistic.equals(DriftEvaluator.ANDERSON_DARLING)) {
                continue; // informational (no threshold), read-only (PSI), or significance of a test below
            }
            ObjectNode s = NODES.objectNode();
            s.put("signal", signal);
            s.put("statistic", statistic);
            s.put("value", d.get("value").asDouble());
            s.put("threshold", d.get("threshold").asDouble());
            double ratio = strength(d);
            JsonNode p = EFFECT_P_VALUE.containsKey(statistic) ? byName.get(EFFECT_P_VALUE.get(statistic)) : null;
            if (p != null && hasThreshold(p)) {
                s.put("pValue", p.get("value").asDouble());
                s.put("alpha", p.get("threshold").asDouble());
                ratio = Math.min(ratio, significance(p.get("value").asDouble(), p.get("threshold").asDouble()));
                JsonNode test = byName.get(statistic.equals(DriftEvaluator.KS) ? DriftEvaluator.ANDERSON_DARLING
                        : statistic.equals(DriftEvaluator.LINF) ? DriftEvaluator.CHI_SQUARE : "");
                if (test != null && test.path("value").isNumber()) {
                    ObjectNode t = s.putObject("test");
                    t.put("statistic", test.path("statistic").asText());
                    t.put("value", test.get("value").asDouble());
                    if (test.path("threshold").isNumber()) {
                        t.put("threshold", test.get("threshold").asDouble());
                    }
                }
            }
            s.put("ratio", ratio);
            if (deciding == null || ratio > deciding.get("ratio").asDouble()) {
                deciding = s;
            }
        }
        if (deciding == null) {
            return; // no statistics yet (warming up, accumulating)
        }
        deciding.put("drifted", drifted);
        out.add(deciding);
    }

    private static boolean hasThreshold(JsonNode d) {
        return d.path("value").isNumber() && d.path("threshold").isNumber();
    }

    /**
     * A p-value against its level as a multiple of it that reads like an effect's:
     * {@code log(p) / log(alpha)}, 1 at {@code p = alpha}, 2 at {@code alpha^2}; p below 1e-300 is
     * read as 1e-300 (a p-value of 0 would be infinitely far past).
     */
    static double significance(double p, double alpha) {
        if (!(alpha > 0 && alpha < 1)) {
            return p <= alpha ? 1 : 0;
        }
        if (!(p < 1)) {
            return 0;
        }
        return Math.log(Math.max(p, 1e-300)) / Math.log(alpha);
    }

    /** Strongest first: nearest its flag (ratio), as trigger evidence is sorted by value over threshold. */
    static final Comparator<ObjectNode> BY_STRENGTH = Comparator
            .comparingDouble((ObjectNode s) -> strength(s)).reversed()
            .thenComparing(s -> s.path("signal").asText());

    static double strength(JsonNode s) {
        if (s.path("ratio").isNumber()) {
            return s.get("ratio").asDouble();
        }
        double t = s.path("threshold").asDouble(0);
        double v = s.path("value").asDouble(0);
        return t > 0 ? v / t : v;
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        if (from.has(field)) {
            to.set(field, from.get(field));
        }
    }

    /** One model version. */
    private static final class ModelState {
        final String modelId;
        final String modelVersion;
        ObjectNode latest;
        /** Sorted by windowEnd; a later revision of a window replaces the earlier one. */
        final List<ObjectNode> points = new ArrayList<>();
        /** Sorted by detectedAt, at most TRIGGERS_PER_MODEL. */
        final List<ObjectNode> triggers = new ArrayList<>();
        long triggerCount;
        long updatedAtMillis;

        ModelState(String modelId, String modelVersion) {
            this.modelId = modelId;
            this.modelVersion = modelVersion;
        }

        /** Returns true if the point is the model's newest window. */
        boolean addPoint(ObjectNode point, int cap) {
            String end = point.path("windowEnd").asText();
            int i = points.size();
            while (i > 0 && points.get(i - 1).path("windowEnd").asText().compareTo(end) > 0) {
                i--;
            }
            // ISO-8601 UTC instants of one format sort as text.
            if (i > 0 && points.get(i - 1).path("windowEnd").asText().equals(end)) {
                ObjectNode old = points.get(i - 1);
                if (old.path("revision").asInt(0) > point.path("revision").asInt(0)) {
                    return false;
                }
                points.set(i - 1, point);
                return i == points.size();
            }
            points.add(i, point);
            if (points.size() > cap) {
                points.remove(0);
            }
            return points.get(points.size() - 1) == point;
        }

        boolean addTrigger(ObjectNode trigger) {
            String id = trigger.path("triggerId").asText();
            for (ObjectNode t : triggers) {
                if (t.path("triggerId").asText().equals(id)) {
                    return false;
                }
            }
            triggerCount++;
            String at = trigger.path("detectedAt").asText();
            int i = triggers.size();
            while (i > 0 && triggers.get(i - 1).path("detectedAt").asText().compareTo(at) > 0) {
                i--;
            }
            triggers.add(i, trigger);
            if (triggers.size() > TRIGGERS_PER_MODEL) {
                triggers.remove(0);
            }
            return true;
        }

        /** The model version's row in the table. */
        ObjectNode summary() {
            ObjectNode s = NODES.objectNode();
            s.put("modelId", modelId);
            s.put("modelVersion", modelVersion);
            if (latest != null) {
                copy(latest, s, "status");
                copy(latest, s, "windowStart");
                copy(latest, s, "windowEnd");
                copy(latest, s, "events");
                copy(latest, s, "eventsSeen");
                copy(latest, s, "thresholdsVersion");
                if (latest.path("escalation").isObject()) {
                    s.set("escalation", latest.get("escalation"));
                }
                List<ObjectNode> signals = signals(latest);
                signals.sort(BY_STRENGTH);
                ArrayNode top = s.putArray("topSignals");
                for (int i = 0; i < Math.min(TOP_FEATURES, signals.size()); i++) {
                    top.add(signals.get(i));
                }
            }
            s.put("windows", points.size());
            s.put("triggerCount", triggerCount);
            if (!triggers.isEmpty()) {
                ObjectNode last = triggers.get(triggers.size() - 1);
                ObjectNode lt = s.putObject("lastTrigger");
                copy(last, lt, "triggerId");
                copy(last, lt, "reason");
                copy(last, lt, "severity");
                copy(last, lt, "detectedAt");
            }
            s.put("updatedAt", java.time.Instant.ofEpochMilli(updatedAtMillis).toString());
            return s;
        }
    }

    /** For tests: the model versions in update order, oldest first. */
    synchronized List<String> keysInUpdateOrder() {
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, ModelState> e : models.entrySet()) {
            keys.add(e.getValue().modelId + "/" + e.getValue().modelVersion);
        }
        return keys;
    }
}
