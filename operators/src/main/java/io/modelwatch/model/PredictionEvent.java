package io.modelwatch.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One prediction of one model, as parsed from the {@code predictions} topic.
 *
 * <p>Features are held column-wise in parallel arrays (name, kind, numeric value, categorical
 * value) rather than in a map: Flink serialises arrays of primitives and strings natively, so the
 * event crosses the keyed exchange without Kryo, and a feature costs a few bytes.
 *
 * @param timestamp event time, epoch milliseconds
 * @param featureKinds one {@link ValueKind} per feature
 * @param numericValues the value where the kind is NUMERIC, else 0
 * @param categoricalValues the value where the kind is CATEGORICAL, else null
 */
public record PredictionEvent(
        String modelId,
        String modelVersion,
        String predictionId,
        long timestamp,
        String[] featureNames,
        byte[] featureKinds,
        double[] numericValues,
        String[] categoricalValues,
        byte predictionKind,
        double numericPrediction,
        String categoricalPrediction) {

    public static final String DEFAULT_VERSION = "default";

    public int featureCount() {
        return featureNames.length;
    }

    /** The key the job partitions and keeps state by: one model version. */
    public String modelKey() {
        return ModelKey.of(modelId, modelVersion);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof PredictionEvent e)) return false;
        return timestamp == e.timestamp
                && predictionKind == e.predictionKind
                && Double.compare(numericPrediction, e.numericPrediction) == 0
                && modelId.equals(e.modelId)
                && modelVersion.equals(e.modelVersion)
                && Objects.equals(predictionId, e.predictionId)
                && Arrays.equals(featureNames, e.featureNames)
                && Arrays.equals(featureKinds, e.featureKinds)
                && Arrays.equals(numericValues, e.numericValues)
                && Arrays.equals(categoricalValues, e.categoricalValues)
                && Objects.equals(categoricalPrediction, e.categoricalPrediction);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelId, modelVersion, predictionId, timestamp, Arrays.hashCode(featureNames));
    }

    @Override
    public String toString() {
        return "PredictionEvent[" + modelId + "/" + modelVersion + " @" + timestamp + ", "
                + featureNames.length + " features]";
    }
}
