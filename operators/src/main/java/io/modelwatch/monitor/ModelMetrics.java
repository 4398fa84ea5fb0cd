package io.modelwatch.monitor;

import io.modelwatch.model.MetricNames;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.DriftStatistic;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.RetrainTrigger;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * Metrics per model version, with bounded cardinality. Under the operator's
 * {@link MetricNames#GROUP} group, each model version gets the key/value groups
 * {@code model_id} and {@code model_version}, which the Prometheus reporter turns into labels:
 * {@code flink_taskmanager_job_task_operator_modelwatch_model_id_model_version_maxPsi{model_id="churn",
 * model_version="7",...}}. Names and meanings: docs/metrics.md.
 *
 * <p>Flink cannot unregister one metric, and every model version is a new time series in
 * Prometheus, so each subtask tracks at most {@link #MAX_TRACKED_MODEL_VERSIONS}: the first ones it
 * sees, until the task restarts. Beyond that only the job-wide counters count, and
 * {@code untrackedModelUpdates} counts the windows and triggers that went untracked. With the chart's parallelism that is
 * thousands of series, which one Prometheus handles easily; a deployment with more models should
 * rely on the model-health topic (and the dashboard) for the long tail.
 *
 * <p>Gauges are read by the reporter's thread: their values are volatile fields set once per
 * window, never computed on read.
 */
public final class ModelMetrics {
    /** Model versions tracked per subtask (per operator instance); see the class comment. */
    public static final int MAX_TRACKED_MODEL_VERSIONS = 1000;
    public static final String MODEL_ID = "model_id";
    public static final String MODEL_VERSION = "model_version";

    private final MetricGroup group;
    private final int cap;
    private final Map<String, WindowGauges> windows = new HashMap<>();
    private final Map<String, Counter> triggers = new HashMap<>();
    private final Counter untracked;

    public ModelMetrics(MetricGroup operatorGroup) {
        this(operatorGroup, MAX_TRACKED_MODEL_VERSIONS);
    }

    public ModelMetrics(MetricGroup operatorGroup, int cap) {
        this.group = operatorGroup.addGroup(MetricNames.GROUP);
        this.cap = cap;
        this.untracked = group.counter("untrackedModelUpdates");
    }

    /** Updates the model version's gauges from the report of an evaluated window. */
    public void windowEvaluated(String modelKey, HealthReport report) {
        WindowGauges g = windows.get(modelKey);
        if (g == null) {
            if (tracked() >= cap) {
                untracked.inc();
                return;
            }
            g = new WindowGauges(modelGroup(ModelKey.modelId(modelKey), ModelKey.modelVersion(modelKey)));
            windows.put(modelKey, g);
        }
        g.update(report);
    }

    /** Counts a trigger that left the cooldown, per model version. */
    public void triggerEmitted(RetrainTrigger t) {
        String key = ModelKey.of(t.modelId(), t.modelVersion());
        Counter c = triggers.get(key);
        if (c == null) {
            if (tracked() >= cap) {
                untracked.inc();
                return;
            }
            c = modelGroup(t.modelId(), t.modelVersion()).counter("triggers");
            triggers.put(key, c);
        }
        c.inc();
    }

    private int tracked() {
        return windows.size() + triggers.size();
    }

    private MetricGroup modelGroup(String modelId, String modelVersion) {
        return group.addGroup(MODEL_ID, modelId).addGroup(MODEL_VERSION, modelVersion);
    }

    /** The last evaluated window of one model version. */
    private static final class WindowGauges {
        volatile long events;
        volatile double eventsPerSecond;
        volatile double maxPsi = Double.NaN;
        volatile double predictionPsi = Double.NaN;
        volatile int drifting;
        volatile int driftedWindows;
        volatile long missingValues;
        volatile long lateEvents;
        volatile long typeMismatches;
        volatile long unknownFeatureValues;

        WindowGauges(MetricGroup g) {
            g.gauge("events", (Gauge<Long>) () -> events);
            g.gauge("eventsPerSecond", (Gauge<Double>) () -> eventsPerSecond);
            g.gauge("maxPsi", (Gauge<Double>) () -> maxPsi);
            g.gauge("predictionPsi", (Gauge<Double>) () -> predictionPsi);
            g.gauge("drifting", (Gauge<Integer>) () -> drifting);
            g.gauge("driftedWindows", (Gauge<Integer>) () -> driftedWindows);
            g.gauge("missingValues", (Gauge<Long>) () -> missingValues);
            g.gauge("lateEvents", (Gauge<Long>) () -> lateEvents);
            g.gauge("typeMismatches", (Gauge<Long>) () -> typeMismatches);
            g.gauge("unknownFeatureValues", (Gauge<Long>) () -> unknownFeatureValues);
        }

        void update(HealthReport r) {
            events = r.events();
            long millis = Duration.between(Instant.parse(r.windowStart()), Instant.parse(r.windowEnd())).toMillis();
            eventsPerSecond = millis > 0 ? r.events() * 1000.0 / millis : 0;
            double max = Double.NaN;
            long missing = 0;
            for (FeatureHealth f : r.features() == null ? new FeatureHealth[0] : r.features()) {
                double psi = psi(f);
                if (!Double.isNaN(psi) && (Double.isNaN(max) || psi > max)) {
                    max = psi;
                }
                missing += f.missing();
            }
            maxPsi = max;
            predictionPsi = r.prediction() == null ? Double.NaN : psi(r.prediction());
            drifting = HealthReport.DRIFTING.equals(r.status()) ? 1 : 0;
            driftedWindows = r.escalation() == null ? 0 : r.escalation().driftedWindows();
            missingValues = missing;
            if (r.quality() != null) {
                lateEvents = r.quality().lateEvents();
                typeMismatches = r.quality().typeMismatches();
                unknownFeatureValues = r.quality().unknownFeatureValues();
            }
        }

        private static double psi(FeatureHealth f) {
            if (f.drift() != null) {
                for (DriftStatistic d : f.drift()) {
                    if ("psi".equals(d.statistic())) {
                        return d.value();
                    }
                }
            }
            return Double.NaN;
        }
    }
}
