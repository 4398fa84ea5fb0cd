package io.modelwatch.labels;

import io.modelwatch.model.PredictionRef;

/**
 * A prediction waiting in the label join for its label: what {@link PredictionRef} holds beyond
 * the join's key (modelId and predictionId), which the label brings back. Kept in state by
 * {@link WaitingPredictionSerializer}.
 */
public record WaitingPrediction(String modelVersion, long timestamp, byte predictionKind, double numericPrediction,
        String categoricalPrediction, long segments, long numericNames, long numericValues) {

    public static WaitingPrediction of(PredictionRef p) {
        return new WaitingPrediction(p.modelVersion(), p.timestamp(), p.predictionKind(), p.numericPrediction(),
                p.categoricalPrediction(), p.segments(), p.numericNames(), p.numericValues());
    }
}
