package io.modelwatch.model;

/** The job's verdict that a model version needs retraining; defined in docs/topics.md. */
public record RetrainTrigger(
        String triggerId,
        String modelId,
        String modelVersion,
        String reason,
        String severity,
        String detectedAt,
        String firstEvidenceAt,
        Evidence[] evidence,
        String thresholdsVersion,
        long eventsSeen) {

    public static final String FEATURE_DRIFT = "FEATURE_DRIFT";
    public static final String PREDICTION_DRIFT = "PREDICTION_DRIFT";
    public static final String PERFORMANCE_DECAY = "PERFORMANCE_DECAY";
    public static final String DATA_QUALITY = "DATA_QUALITY";
    /** A score model's accuracy estimated from its scores alone fell (docs/quality.md). */
    public static final String ESTIMATED_PERFORMANCE_DECAY = "ESTIMATED_PERFORMANCE_DECAY";

    public static final String WARNING = "WARNING";
    public static final String CRITICAL = "CRITICAL";

    /** Deterministic: replaying the same input yields the same id, so consumers can de-duplicate. */
    public static String idOf(String modelId, String modelVersion, String reason, String detectedAt) {
        return modelId + "/" + modelVersion + "/" + reason + "/" + detectedAt;
    }
}
