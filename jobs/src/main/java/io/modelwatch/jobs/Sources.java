package io.modelwatch.jobs;

import io.modelwatch.model.ControlRecord;
import io.modelwatch.model.IngestRecord;
import org.apache.flink.api.connector.source.Source;

/**
 * The job's inputs; Kafka in production ({@link KafkaEndpoints}), anything bounded in tests.
 * {@code labels} may be null: the job then runs without performance monitoring. {@code control}
 * (the compacted monitor-control topic) may be null: the job then runs on its thresholds file alone.
 */
public record Sources(Source<IngestRecord, ?, ?> predictions, Source<IngestRecord, ?, ?> labels,
        Source<ControlRecord, ?, ?> control) {
    public Sources(Source<IngestRecord, ?, ?> predictions) {
        this(predictions, null, null);
    }

    public Sources(Source<IngestRecord, ?, ?> predictions, Source<IngestRecord, ?, ?> labels) {
        this(predictions, labels, null);
    }
}
