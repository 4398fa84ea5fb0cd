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
 * @param estimatedPerformance a score model's performance estimated from its scores alone (CBPE,
 *     docs/quality.md), in every revision of a judged window; null for other models and windows
 * @param joint the pair tests of the window's joint features (docs/detection.md, "Joint structure"):
 *     how many pairs were tested and the flagged and strongest of them; null when no pair was
 *     tested (fewer than two joint features, the reference's joint part still being learned, or a
 *     report without drift statistics)
 * @param predictionSegments on a window whose prediction drifted: the segments that explain the
 *     shift of its mean prediction (docs/detection.md, "Segments of a prediction drift"), an
 *     empty list of them when none stands out; null on other windows and while the version's
 *     reference segments are still being learned
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
        Upgrade upgrade,
        EstimatedPerformance estimatedPerformance,
        Joint joint,
        PredictionShift predictionSegments) {

    /** A report without prediction segments. */
    public HealthReport(String modelId, String modelVersion, String windowStart, String windowEnd, String status,
            long events, long eventsSeen, long referenceEvents, FeatureHealth[] features, FeatureHealth prediction,
            QualityCounts quality, EscalationState escalation, String thresholdsVersion, int revision,
            Performance performance, Control control, Upgrade upgrade, EstimatedPerformance estimatedPerformance,
            Joint joint) {
        this(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen, referenceEvents, features,
                prediction, quality, escalation, thresholdsVersion, revision, performance, control, upgrade,
                estimatedPerformance, joint, null);
    }

    /** A report without pair tests. */
    public HealthReport(String modelId, String modelVersion, String windowStart, String windowEnd, String status,
            long events, long eventsSeen, long referenceEvents, FeatureHealth[] features, FeatureHealth prediction,
            QualityCounts quality, EscalationState escalation, String thresholdsVersion, int revision,
            Performance performance, Control control, Upgrade upgrade, EstimatedPerformance estimatedPerformance) {
        this(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen, referenceEvents, features,
                prediction, quality, escalation, thresholdsVersion, revision, performance, control, upgrade, estimatedPerformance, null);
    }

    /** A report without estimated performance. */
    public HealthReport(String modelId, String modelVersion, String windowStart, String windowEnd, String status,
            long events, long eventsSeen, long referenceEvents, FeatureHealth[] features, FeatureHealth prediction,
            QualityCounts quality, EscalationState escalation, String thresholdsVersion, int revision,
            Performance performance, Control control, Upgrade upgrade, Joint joint) {
        this(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen, referenceEvents, features,
                prediction, quality, escalation, thresholdsVersion, revision, performance, control, upgrade, null, joint);
    }

    /** A report without estimated performance or pair tests. */
    public HealthReport(String modelId, String modelVersion, String windowStart, String windowEnd, String status,
            long events, long eventsSeen, long referenceEvents, FeatureHealth[] features, FeatureHealth prediction,
            QualityCounts quality, EscalationState escalation, String thresholdsVersion, int revision,
            Performance performance, Control control, Upgrade upgrade) {
        this(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen, referenceEvents, features,
                prediction, quality, escalation, thresholdsVersion, revision, performance, control, upgrade, (EstimatedPerformance) null, (Joint) null);
    }

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
                upgrade, estimatedPerformance, joint, predictionSegments);
    }

    /** This report as revision {@code newRevision} with {@code newPerformance}. */
    public HealthReport withPerformance(Performance newPerformance, int newRevision) {
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen,
                referenceEvents, features, prediction, quality, escalation, thresholdsVersion, newRevision, newPerformance,
                control, upgrade, estimatedPerformance, joint, predictionSegments);
    }

    /** This report under the thresholds of the live control topic: their version and what they changed. */
    public HealthReport withControl(String newThresholdsVersion, Control newControl) {
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen,
                referenceEvents, features, prediction, quality, escalation, newThresholdsVersion, revision, performance,
                newControl, upgrade, estimatedPerformance, joint, predictionSegments);
    }

    /** This report with {@code newEscalation} as its escalation state. */
    public HealthReport withEscalation(EscalationState newEscalation) {
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen,
                referenceEvents, features, prediction, quality, newEscalation, thresholdsVersion, revision, performance,
                control, upgrade, estimatedPerformance, joint, predictionSegments);
    }

    /** This report with a note of the savepoint upgrade that changed its model's thresholds. */
    public HealthReport withUpgrade(Upgrade newUpgrade) {
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen,
                referenceEvents, features, prediction, quality, escalation, thresholdsVersion, revision, performance,
                control, newUpgrade, estimatedPerformance, joint, predictionSegments);
    }

    /** This report with {@code newEstimate} as its estimated performance. */
    public HealthReport withEstimatedPerformance(EstimatedPerformance newEstimate) {
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen,
                referenceEvents, features, prediction, quality, escalation, thresholdsVersion, revision, performance,
                control, upgrade, newEstimate, joint, predictionSegments);
    }

    /** This report with {@code newSegments} as the segments of its prediction drift. */
    public HealthReport withPredictionSegments(PredictionShift newSegments) {
        return new HealthReport(modelId, modelVersion, windowStart, windowEnd, status, events, eventsSeen,
                referenceEvents, features, prediction, quality, escalation, thresholdsVersion, revision, performance,
                control, upgrade, estimatedPerformance, joint, newSegments);
    }

    /**
     * Where a window's prediction drift is (io.modelwatch.detect.PredictionShiftSegments,
     * docs/detection.md): the shift of the mean prediction decomposed over segments.
     *
     * @param quantity what the means are of: {@code mean} (the numeric prediction), or for a class
     *     prediction {@code share_other_than:<class>} (the share of predictions other than the
     *     reference's most frequent class)
     * @param referenceMean the reference's mean of it
     * @param windowMean the window's
     * @param segmentsTested segments with enough events on both sides to be tested
     * @param segments the named ones, most explaining first; empty when no segment stands out
     */
    public record PredictionShift(String quantity, double referenceMean, double windowMean, int segmentsTested,
            ShiftSegment[] segments) {}

    /**
     * A segment ({@code feature=value}; a numeric feature's value is its reference decile
     * {@code [lo, hi)}) that explains part of a prediction's shift.
     *
     * @param before the segment's mean in the reference
     * @param after its mean in the window
     * @param referenceShare its share of the reference's events
     * @param share its share of the window's events
     * @param events its events in the window
     * @param pValue one-sided, Benjamini-Hochberg adjusted across the window's segments
     * @param contribution its term of the decomposition of windowMean - referenceMean
     * @param explained contribution / (windowMean - referenceMean)
     */
    public record ShiftSegment(String segment, String feature, String value, double before, double after,
            double referenceShare, double share, long events, double pValue, double contribution, double explained) {}

    /**
     * A score model's performance estimated from the window's scores alone, without labels
     * (confidence-based performance estimation, docs/quality.md): the expectation of each metric
     * if every score (or, calibrated, the probability the version's first labels give its score)
     * is its event's probability of being positive, with a 95% interval for what the labels will
     * show.
     *
     * @param threshold the decision threshold ({@code performance.threshold}): positive when score >= it
     * @param calibration {@code none}: the scores are trusted as they are (the estimate is right
     *     only as far as they are calibrated); {@code histogram-binning}: mapped to the share of
     *     positives of their bin among the version's first labels (its performance reference)
     * @param events the events the estimate is over (the window's scores)
     * @param accuracy expected accuracy; precision, recall, f1 and auc null when undefined (no
     *     predicted or expected positives, or no expected negatives)
     * @param referenceAccuracy the expected accuracy of the version's reference, estimated the same
     *     way (calibrated too when the window's estimate is)
     * @param decayed whether the estimated accuracy fell significantly below the reference's,
     *     judged on the raw scores when the window was judged (an {@code ESTIMATED_PERFORMANCE_DECAY}
     *     signal)
     * @param realised on a decayed estimate, once the window's labels have been assessed:
     *     {@code CONFIRMED} (the realised performance decayed too) or {@code REFUTED}; null before
     * @param calibrationLabels with {@code histogram-binning}: how many labelled predictions the
     *     calibration was fitted on; null with {@code none}
     * @param windowScores the window's scores per calibration bin, for the performance monitor to
     *     calibrate the estimate; not on the topic
     * @param referenceScores the reference's, the same way; not on the topic
     */
    public record EstimatedPerformance(
            double threshold,
            String calibration,
            long events,
            EstimatedMetric accuracy,
            EstimatedMetric precision,
            EstimatedMetric recall,
            EstimatedMetric f1,
            EstimatedMetric auc,
            Double referenceAccuracy,
            boolean decayed,
            String realised,
            Long calibrationLabels,
            @com.fasterxml.jackson.annotation.JsonIgnore ScoreHistogram windowScores,
            @com.fasterxml.jackson.annotation.JsonIgnore ScoreHistogram referenceScores) {

        public static final String UNCALIBRATED = "none";
        public static final String HISTOGRAM_BINNING = "histogram-binning";
        public static final String CONFIRMED = "CONFIRMED";
        public static final String REFUTED = "REFUTED";

        /** An uncalibrated estimate without score histograms. */
        public EstimatedPerformance(double threshold, String calibration, long events, EstimatedMetric accuracy,
                EstimatedMetric precision, EstimatedMetric recall, EstimatedMetric f1, EstimatedMetric auc,
                Double referenceAccuracy, boolean decayed, String realised) {
            this(threshold, calibration, events, accuracy, precision, recall, f1, auc, referenceAccuracy, decayed,
                    realised, null, null, null);
        }

        public EstimatedPerformance withRealised(String newRealised) {
            return new EstimatedPerformance(threshold, calibration, events, accuracy, precision, recall, f1, auc,
                    referenceAccuracy, decayed, newRealised, calibrationLabels, windowScores, referenceScores);
        }

        /** This estimate with the window's and the reference's scores per calibration bin. */
        public EstimatedPerformance withScores(ScoreHistogram window, ScoreHistogram reference) {
            return new EstimatedPerformance(threshold, calibration, events, accuracy, precision, recall, f1, auc,
                    referenceAccuracy, decayed, realised, calibrationLabels, window, reference);
        }
    }

    /** An estimated metric and its 95% interval. */
    public record EstimatedMetric(double value, double lower, double upper) {}

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

    /**
     * The window's pair tests (docs/detection.md, "Joint structure"). Not every pair: a model with
     * 12 joint features has 66, and a report with all of them would be ten times its size, kept
     * for the label horizon in the performance monitor's state. So every flagged pair, and the
     * strongest of the others up to {@link #REPORTED_PAIRS} in all.
     *
     * @param features the joint features, in the order their pairs are named: the reference's
     *     numeric features with at most half of it on one value, the first 12 by name (so a model
     *     with more sees here which ones)
     * @param pairsTested pairs with enough events on both sides to be tested
     * @param pairs flagged pairs first (largest change over its threshold first), then the others
     *     by adjusted p-value, smallest first
     */
    public record Joint(String[] features, int pairsTested, PairHealth[] pairs) {}

    /** At least this many pairs in {@link Joint#pairs} when that many were tested (all flagged ones besides). */
    public static final int REPORTED_PAIRS = 5;

    /**
     * One pair's rank-correlation test: the correlations of the two features' PITs in the reference
     * and the window (null when undefined: too few events or a feature that did not vary), Fisher's
     * z of the change (Spearman variance), its Benjamini-Hochberg adjusted p-value in the pairs'
     * own family, and {@code |change|} against its floor; {@code drifted} when the pair flagged
     * (adjusted p-value at most the false discovery rate and the change at least the threshold).
     */
    public record PairHealth(String first, String second, Double reference, long referenceCount, Double window,
            long windowCount, Double z, double pValue, double change, double threshold, boolean drifted) {}
}
