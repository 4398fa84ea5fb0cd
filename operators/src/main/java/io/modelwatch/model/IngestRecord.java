package io.modelwatch.model;

/**
 * What a Kafka deserialiser hands the job for every record: exactly one of a usable prediction, a
 * usable label, or a dead letter. Parsing in the source (not in a later operator) lets watermarks
 * be generated per Kafka partition from the events' own timestamps.
 */
public record IngestRecord(PredictionEvent prediction, DeadLetter deadLetter, LabelEvent label) {
    public IngestRecord(PredictionEvent prediction, DeadLetter deadLetter) {
        this(prediction, deadLetter, null);
    }

    public static IngestRecord of(PredictionEvent event) {
        return new IngestRecord(event, null, null);
    }

    public static IngestRecord of(LabelEvent label) {
        return new IngestRecord(null, null, label);
    }

    public static IngestRecord dead(DeadLetter deadLetter) {
        return new IngestRecord(null, deadLetter, null);
    }

    public boolean isDead() {
        return deadLetter != null;
    }

    /** Event time for watermarks; dead letters have none (MIN_VALUE never advances a watermark). */
    public long eventTime() {
        return prediction != null ? prediction.timestamp() : label != null ? label.timestamp() : Long.MIN_VALUE;
    }
}
