package io.modelwatch.monitor;

import io.modelwatch.ingest.Timestamps;

import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.SequentialMonitor;
import io.modelwatch.model.MetricNames;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.HealthReport.DriftStatistic;
import io.modelwatch.model.HealthReport.FeatureHealth;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.RetrainTrigger;
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
        volatile double maxDriftRatio = Double.NaN;
        volatile double predictionDriftRatio = Double.NaN;
        volatile double minPValue = Double.NaN;
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
            g.gauge("maxDriftRatio", (Gauge<Double>) () -> maxDriftRatio);
            g.gauge("predictionDriftRatio", (Gauge<Double>) () -> predictionDriftRatio);
            g.gauge("minPValue", (Gauge<Double>) () -> minPValue);
            g.gauge("drifting", (Gauge<Integer>) () -> drifting);
            g.gauge("driftedWindows", (Gauge<Integer>) () -> driftedWindows);
            g.gauge("missingValues", (Gauge<Long>) () -> missingValues);
            g.gauge("lateEvents", (Gauge<Long>) () -> lateEvents);
            g.gauge("typeMismatches", (Gauge<Long>) () -> typeMismatches);
            g.gauge("unknownFeatureValues", (Gauge<Long>) () -> unknownFeatureValues);
        }

        void update(HealthReport r) {
            events = r.events();
            long millis = Timestamps.parse(r.windowEnd()) - Timestamps.parse(r.windowStart());
            eventsPerSecond = millis > 0 ? r.events() * 1000.0 / millis : 0;
            double max = Double.NaN;
            double maxRatio = Double.NaN;
            double minP = r.prediction() == null ? Double.NaN : pValue(r.prediction());
            long missing = 0;
            for (FeatureHealth f : r.features() == null ? new FeatureHealth[0] : r.features()) {
                max = largest(max, psi(f));
                maxRatio = largest(maxRatio, driftRatio(f));
                double p = pValue(f);
                if (!Double.isNaN(p) && (Double.isNaN(minP) || p < minP)) {
                    minP = p;
                }
                missing += f.missing();
            }
            maxPsi = max;
            predictionPsi = r.prediction() == null ? Double.NaN : psi(r.prediction());
            maxDriftRatio = maxRatio;
            predictionDriftRatio = r.prediction() == null ? Double.NaN : driftRatio(r.prediction());
            minPValue = minP;
            drifting = HealthReport.DRIFTING.equals(r.status()) ? 1 : 0;
            driftedWindows = r.escalation() == null ? 0 : r.escalation().driftedWindows();
            missingValues = missing;
            if (r.quality() != null) {
                lateEvents = r.quality().lateEvents();
                typeMismatches = r.quality().typeMismatches();
                unknownFeatureValues = r.quality().unknownFeatureValues();
            }
        }

        private static double largest(double a, double b) {
            return Double.isNaN(b) || (!Double.isNaN(a) && a >= b) ? a : b;
        }

        /** The Benjamini-Hochberg adjusted p-value of the signal's two-sample test, NaN without one. */
        private static double pValue(FeatureHealth f) {
            DriftStatistic p = statistic(f, DriftEvaluator.P_VALUE);
            return p == null ? Double.NaN : p.value();
        }

        /**
         * How near the signal is to flagging, as a multiple of what it must reach (1 = flags), the
         * dashboard's measure: of its two-sample test the smaller of the effect ({@code ks} or
         * {@code linf}) over its threshold and {@code log p / log alpha} for the adjusted p-value
         * against the false discovery rate (both must pass); a sequential detector's value over its
         * threshold; the largest of these. NaN without statistics.
         */
        static double driftRatio(FeatureHealth f) {
            double ratio = Double.NaN;
            DriftStatistic p = statistic(f, DriftEvaluator.P_VALUE);
            for (String effect : new String[] {DriftEvaluator.KS, DriftEvaluator.LINF}) {
                DriftStatistic e = statistic(f, effect);
                if (e != null && e.threshold() != null && e.threshold() > 0) {
                    double r = e.value() / e.threshold();
                    if (p != null && p.threshold() != null) {
                        r = Math.min(r, significance(p.value(), p.threshold()));
                    }
                    ratio = largest(ratio, r);
                }
            }
            for (String sequential : new String[] {SequentialMonitor.CUSUM, SequentialMonitor.PAGE_HINKLEY}) {
                DriftStatistic d = statistic(f, sequential);
                if (d != null && d.threshold() != null && d.threshold() > 0) {
                    ratio = largest(ratio, d.value() / d.threshold());
                }
            }
            return ratio;
        }

        /** {@code log p / log alpha}: 1 at p = alpha, 2 at alpha^2; p below 1e-300 reads as 1e-300. */
        static double significance(double p, double alpha) {
            if (!(alpha > 0 && alpha < 1)) {
                return p <= alpha ? 1 : 0;
            }
            return p < 1 ? Math.log(Math.max(p, 1e-300)) / Math.log(alpha) : 0;
        }

        private static DriftStatistic statistic(FeatureHealth f, String name) {
            if (f.drift() != null) {
                for (DriftStatistic d : f.drift()) {
                    if (name.equals(d.statistic())) {
                        return d;
                    }
                }
            }
            return null;
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
