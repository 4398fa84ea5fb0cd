package io.modelwatch.model;

/**
 * The part of a prediction the label join keeps until its label arrives (a few dozen bytes).
 *
 * @param segments the prediction's segment code ({@link SegmentCodes}): 8 bytes per waiting
 *     prediction. A prediction kept in a savepoint from before segments restores with 0, "no
 *     segments" (Flink's POJO serializer gives a field added to a record its default), and is
 *     joined as before; it only counts towards no segment.
 * @param numericNames the names half of the prediction's numeric code ({@link SegmentCodes#numericNames})
 * @param numericValues the values half ({@link SegmentCodes#numericValues}): with the names, 16
 *     bytes more per waiting prediction. A prediction kept in a savepoint from before numeric
 *     codes restores with 0 in both (the POJO serializer's default for an added field): no
 *     numeric segment.
 */
public record PredictionRef(String modelId, String modelVersion, String predictionId, long timestamp,
        byte predictionKind, double numericPrediction, String categoricalPrediction, long segments,
        long numericNames, long numericValues) {

    /** A prediction with categorical segments only. */
    public PredictionRef(String modelId, String modelVersion, String predictionId, long timestamp,
            byte predictionKind, double numericPrediction, String categoricalPrediction, long segments) {
        this(modelId, modelVersion, predictionId, timestamp, predictionKind, numericPrediction, categoricalPrediction,
                segments, SegmentCodes.NONE, SegmentCodes.NONE);
    }

    /** A prediction without segments. */
    public PredictionRef(String modelId, String modelVersion, String predictionId, long timestamp,
            byte predictionKind, double numericPrediction, String categoricalPrediction) {
        this(modelId, modelVersion, predictionId, timestamp, predictionKind, numericPrediction, categoricalPrediction,
                SegmentCodes.NONE);
    }

    public static PredictionRef of(PredictionEvent e) {
        return new PredictionRef(e.modelId(), e.modelVersion(), e.predictionId(), e.timestamp(), e.predictionKind(),
                e.numericPrediction(), e.categoricalPrediction(), SegmentCodes.of(e), SegmentCodes.numericNames(e),
                SegmentCodes.numericValues(e));
    }

    public String joinKey() {
        return modelId + ModelKey.SEPARATOR + predictionId;
    }
}
