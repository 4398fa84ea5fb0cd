package io.modelwatch.model;

/**
 * Events of one model version, gathered before the keyed exchange so that the monitor reads and
 * writes its RocksDB state once per batch instead of once per event (see EventBatcher).
 */
public record PredictionBatch(String modelKey, PredictionEvent[] events) {
    public static PredictionBatch of(PredictionEvent... events) {
        return new PredictionBatch(events[0].modelKey(), events);
    }
}
