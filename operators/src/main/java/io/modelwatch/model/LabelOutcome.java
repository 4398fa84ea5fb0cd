package io.modelwatch.model;

/**
 * What the label join produced for one prediction: labelled ({@code MATCHED}, with both values),
 * or never labelled within the horizon ({@code EXPIRED}). Keyed downstream by model version.
 */
public record LabelOutcome(
        String kind,
        String modelId,
        String modelVersion,
        long predictionTimestamp,
        long labelTimestamp,
        byte predictionKind,
        double numericPrediction,
        String categoricalPrediction,
        byte labelKind,
        double numericLabel,
        String categoricalLabel) {

    public static final String MATCHED = "MATCHED";
    public static final String EXPIRED = "EXPIRED";

    public String modelKey() {
        return ModelKey.of(modelId, modelVersion);
    }

    public boolean matched() {
        return MATCHED.equals(kind);
    }
}
