package io.modelwatch.model;

/**
 * What the Kafka deserialiser hands the job for every record: exactly one of a usable event or a
 * dead letter. Parsing in the source (not in a later operator) lets watermarks be generated per
 * Kafka partition from the events' own timestamps.
 */
public record IngestRecord(PredictionEvent prediction, DeadLetter deadLetter) {
    public static IngestRecord of(PredictionEvent event) {
        return new IngestRecord(event, null);
    }

    public static IngestRecord dead(DeadLetter deadLetter) {
        return new IngestRecord(null, deadLetter);
    }

    public boolean isDead() {
        return deadLetter != null;
    }
}
