package io.modelwatch.model;

/**
 * The QC stream: one report per model version per evaluation window (docs/topics.md). Flat and
 * small enough to chart directly; arrays, not maps, so it crosses Flink without Kryo.
 *
 * @param status WARMING_UP (reference still being learned), ACCUMULATING (too few events yet;
 *     the window is merged into the next), OK, DRIFTING (at least one feature or the prediction
 *     flagged: a significant test with an effect over its floor, or a sequential detector's
 *     alarm; see docs/detection.md), DEGRADED (no drift, but a data-quality finding), or SILENT
 *     (no events for {@code quality.silenceAfter}: reported when the watermark passes, without an
 *     event)
 * @param events events in the evaluated span
 * @param eventsSeen events of this model version since the job first saw it
 * @param revision 0 for the first report of a window; each later revision replaces the one before
 *     it, with performance updated by labels that arrived since
 * @param performance model performance on the labelled predictions of the span; null until a
 *     label arrived
 * @param upgrade on the first report after a savepoint upgrade changed this model's thresholds:
 *     from which version and which keys; null otherwise
 * @param control what the live control topic changed for this model version, while a control
 *     record for the model or {@code *} is in force; null otherwise (then {@code thresholdsVersion}
 *     is the thresholds file's)
 */
public record HealthReport(
        String modelId,
        String modelVersion,
        String windowStart,
        String windowEnd,
        String status,
        long events,
        long eventsSeen,
        long referenceEvents,
        FeatureHealth[] features,
        FeatureHealth prediction,
        QualityCounts quality,
        EscalationState escalation,
        String thresholdsVersion,
        int revision,
        Performance performance,
        Control control,
        Upgrade upgrade) {

    /** A report without a note of a savepoint upgrade. */
    public HealthReport(String modelId, String modelVersion, String windowStart, String windowEnd, String status,
            long events, long eventsSeen, long referenceEvents, FeatureHealth[] features, FeatureHealth prediction,
            QualityCounts quality, EscalationState escalation, String thresholdsVersion, int revision,
            Performance performance, Control control) {
        this(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen, referenceEvents, features,
                prediction, quality, escalation, thresholdsVersion, revision, performance, control, null);
    }

    /** A report of a version without live control: no control block. */
    public HealthReport(String modelId, String modelVersion, String windowStart, String windowEnd, String status,
            long events, long eventsSeen, long referenceEvents, FeatureHealth[] features, FeatureHealth prediction,
            QualityCounts quality, EscalationState escalation, String thresholdsVersion, int revision,
            Performance performance) {
        this(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen, referenceEvents, features,
                prediction, quality, escalation, thresholdsVersion, revision, performance, null);
    }

    public static final String WARMING_UP = "WARMING_UP";
    public static final String ACCUMULATING = "ACCUMULATING";
    public static final String OK = "OK";
    public static final String DRIFTING = "DRIFTING";
    public static final String DEGRADED = "DEGRADED";
    public static final String SILENT = "SILENT";

    /** This report with other quality counts and status. */
    public HealthReport withQuality(QualityCounts newQuality, String newStatus) {
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, newStatus, events, eventsSeen,
                referenceEvents, features, prediction, newQuality, escalation, thresholdsVersion, revision, performance, control,
                upgrade);
    }

    /** This report as revision {@code newRevision} with {@code newPerformance}. */
    public HealthReport withPerformance(Performance newPerformance, int newRevision) {
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen,
                referenceEvents, features, prediction, quality, escalation, thresholdsVersion, newRevision, newPerformance,
                control, upgrade);
    }

    /** This report under the thresholds of the live control topic: their version and what they changed. */
    public HealthReport withControl(String newThresholdsVersion, Control newControl) {
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen,
                referenceEvents, features, prediction, quality, escalation, newThresholdsVersion, revision, performance,
                newControl, upgrade);
    }

    /** This report with a note of the savepoint upgrade that changed its model's thresholds. */
    public HealthReport withEscalation(EscalationState newEscalation) {
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen,
                referenceEvents, features, prediction, quality, newEscalation, thresholdsVersion, revision, performance,
                control, upgrade);
    }

    public HealthReport withUpgrade(Upgrade newUpgrade) {
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen,
                referenceEvents, features, prediction, quality, escalation, thresholdsVersion, revision, performance,
                control, newUpgrade);
    }

    /**
     * On the first report of a model version after a savepoint upgrade changed its thresholds
     * (docs/topics.md): what changed. Every key keeps the version's learned state across such an
     * upgrade (deploy/runbook-thresholds.md, key by key), so this lists changes, not losses.
     *
     * @param fromThresholdsVersion the thresholds file's version the version was last reported under
     * @param changed the keys whose value for this model changed (e.g. {@code window.size}), sorted
     */
    public record Upgrade(String fromThresholdsVersion, String[] changed) {}

    /**
     * What the {@code monitor-control} topic changed for this model version (docs/topics.md).
     *
     * @param commandId the model's own control record in force, or null
     * @param allModelsCommandId the {@code *} record in force, or null
     * @param overrides the threshold keys set live (e.g. {@code drift.effect.numeric}), sorted
     * @param rejected why the {@code *} and the model's overrides could not be combined (the file's
     *     thresholds apply), or null
     * @param referenceCommandId the command whose reference action this version ran last, or null
     * @param referenceAction what that action did, e.g. {@code relearn from the next 5000 events}
     * @param referenceAppliedAt event time of the first event judged under it
     */
    public record Control(
            String commandId,
            String allModelsCommandId,
            String[] overrides,
            String rejected,
            String referenceCommandId,
            String referenceAction,
            String referenceAppliedAt) {}

    /**
     * Performance of the span's predictions that have labels so far. Classification: accuracy and
     * per-class precision/recall/F1; scores with binary labels also AUC and expected calibration
     * error; regression: MAE, RMSE and bias (mean of prediction - label). The reference values
     * are those of the model version's first labelled predictions, for comparison.
     */
    public record Performance(
            long labeled,
            long unlabeled,
            Double accuracy,
            ClassMetrics[] classes,
            Double auc,
            Double calibrationError,
            Double mae,
            Double rmse,
            Double bias,
            Double labelLagP50Seconds,
            Double labelLagP95Seconds,
            Double referenceAccuracy,
            Double referenceMae,
            boolean decayed,
            SegmentFinding[] segments) {

        /** A summary without segments. */
        public Performance(long labeled, long unlabeled, Double accuracy, ClassMetrics[] classes, Double auc,
                Double calibrationError, Double mae, Double rmse, Double bias, Double labelLagP50Seconds,
                Double labelLagP95Seconds, Double referenceAccuracy, Double referenceMae, boolean decayed) {
            this(labeled, unlabeled, accuracy, classes, auc, calibrationError, mae, rmse, bias, labelLagP50Seconds,
                    labelLagP95Seconds, referenceAccuracy, referenceMae, decayed, null);
        }

        /** This summary naming {@code found} (null or empty: none) as the segments that explain its decay. */
        public Performance withSegments(SegmentFinding[] found) {
            return new Performance(labeled, unlabeled, accuracy, classes, auc, calibrationError, mae, rmse, bias,
                    labelLagP50Seconds, labelLagP95Seconds, referenceAccuracy, referenceMae, decayed,
                    found == null || found.length == 0 ? null : found);
        }
    }

    /**
     * A segment ({@code feature=value}) that explains part of a decayed span's performance, most
     * explaining first (io.modelwatch.detect.SegmentDecay, docs/quality.md).
     *
     * @param metric {@code error_rate} (classifiers) or {@code mae} (regressions)
     * @param before the baseline's metric: the segment in the performance reference, or the rest
     *     of the span ({@code baseline})
     * @param after the segment's metric in the span
     * @param share the segment's share of the span's labelled predictions
     * @param pValue one-sided, Benjamini-Hochberg adjusted across the span's segments
     * @param contribution share x rise of the metric (for {@code mae} relative to the reference MAE)
     */
    public record SegmentFinding(String segment, String feature, String value, String metric, double before,
            double after, String baseline, long labeled, double share, double pValue, double contribution) {}

    public record ClassMetrics(String label, long support, Double precision, Double recall, Double f1) {}

    /** Per-feature (or prediction) summary of the window with its drift statistics. */
    public record FeatureHealth(
            String name,
            String type,
            long count,
            long missing,
            long typeMismatches,
            Double mean,
            Double stddev,
            Double min,
            Double max,
            Quantiles quantiles,
            CategoryCount[] topCategories,
            DriftStatistic[] drift) {}

    public record Quantiles(double p05, double p25, double p50, double p75, double p95) {}

    public record CategoryCount(String value, long count) {}

    /** One statistic against its threshold; {@code threshold} is null for informational ones. */
    public record DriftStatistic(String statistic, double value, Double threshold, boolean drifted) {}

    /**
     * Data quality of the span: counts of what could not be profiled or looks wrong against the
     * reference, the event volume expected from the reference's rate, and the findings (checks
     * that passed both their effect floor and their significance test), strongest first.
     */
    public record QualityCounts(
            long lateEvents,
            long unknownFeatureValues,
            long typeMismatches,
            long featuresOverCap,
            long nonFiniteValues,
            long outOfRangeValues,
            long unseenCategoryValues,
            Double expectedEvents,
            QualityFinding[] findings) {

        public static QualityCounts of(long lateEvents, long unknownFeatureValues, long typeMismatches,
                long featuresOverCap) {
            return new QualityCounts(lateEvents, unknownFeatureValues, typeMismatches, featuresOverCap, 0, 0, 0, null,
                    new QualityFinding[0]);
        }
    }

    /** One data-quality check that failed: {@code signal} is {@code quality:<feature>} or {@code quality:volume}. */
    public record QualityFinding(String signal, String statistic, double value, double threshold, double pValue) {}

    /**
     * Where the model stands on the way to a trigger, as the monitor sees it: drifted windows
     * among the last ones within the escalation span, and how many the pattern needs.
     */
    public record EscalationState(int driftedWindows, int windowsToTrigger, String within) {}
}
