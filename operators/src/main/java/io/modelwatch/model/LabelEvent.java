package io.modelwatch.model;

/**
 * Ground truth for one prediction, from the {@code labels} topic; may arrive hours after it.
 *
 * @param timestamp when the label became known (event time, epoch ms): its lag is
 *     {@code timestamp - prediction timestamp}
 */
public record LabelEvent(String modelId, String predictionId, long timestamp, byte labelKind, double numericLabel,
        String categoricalLabel) {

    /** Join key: labels carry no model version, the prediction they answer does. */
    public String joinKey() {
        return modelId + ModelKey.SEPARATOR + predictionId;
    }
}
