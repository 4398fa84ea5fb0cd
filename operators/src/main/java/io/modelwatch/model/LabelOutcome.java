package io.modelwatch.model;

/**
 * What the label join produced for one prediction: labelled ({@code MATCHED}, with both values),
 * or never labelled within the horizon ({@code EXPIRED}). Keyed downstream by model version.
 *
 * @param segments the prediction's segment code ({@link SegmentCodes}), 0 for none
 * @param numericNames the names half of its numeric code ({@link SegmentCodes#numericNames}), 0 for none
 * @param numericValues the values half ({@link SegmentCodes#numericValues})
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
        String categoricalLabel,
        long segments,
        long numericNames,
        long numericValues) {

    public static final String MATCHED = "MATCHED";
    public static final String EXPIRED = "EXPIRED";

    /** An outcome of a prediction with categorical segments only. */
    public LabelOutcome(String kind, String modelId, String modelVersion, long predictionTimestamp,
            long labelTimestamp, byte predictionKind, double numericPrediction, String categoricalPrediction,
            byte labelKind, double numericLabel, String categoricalLabel, long segments) {
        this(kind, modelId, modelVersion, predictionTimestamp, labelTimestamp, predictionKind, numericPrediction,
                categoricalPrediction, labelKind, numericLabel, categoricalLabel, segments, SegmentCodes.NONE,
                SegmentCodes.NONE);
    }

    /** An outcome of a prediction without segments. */
    public LabelOutcome(String kind, String modelId, String modelVersion, long predictionTimestamp,
            long labelTimestamp, byte predictionKind, double numericPrediction, String categoricalPrediction,
            byte labelKind, double numericLabel, String categoricalLabel) {
        this(kind, modelId, modelVersion, predictionTimestamp, labelTimestamp, predictionKind, numericPrediction,
                categoricalPrediction, labelKind, numericLabel, categoricalLabel, SegmentCodes.NONE);
    }

    public String modelKey() {
        return ModelKey.of(modelId, modelVersion);
    }

    /** Whether the prediction carried any segment code, categorical or numeric. */
    public boolean hasSegments() {
        return segments != SegmentCodes.NONE || numericNames != SegmentCodes.NONE;
    }

    public boolean matched() {
        return MATCHED.equals(kind);
    }
}
