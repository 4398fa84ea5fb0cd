package io.modelwatch.model;

/** The part of a prediction the label join keeps until its label arrives (a few dozen bytes). */
public record PredictionRef(String modelId, String modelVersion, String predictionId, long timestamp,
        byte predictionKind, double numericPrediction, String categoricalPrediction) {

    public static PredictionRef of(PredictionEvent e) {
        return new PredictionRef(e.modelId(), e.modelVersion(), e.predictionId(), e.timestamp(), e.predictionKind(),
                e.numericPrediction(), e.categoricalPrediction());
    }

    public String joinKey() {
        return modelId + ModelKey.SEPARATOR + predictionId;
    }
}
