package io.modelwatch.jobs;

import io.modelwatch.model.IngestRecord;
import org.apache.flink.api.connector.source.Source;

/**
 * The job's inputs; Kafka in production ({@link KafkaEndpoints}), anything bounded in tests.
 * {@code labels} may be null: the job then runs without performance monitoring.
 */
public record Sources(Source<IngestRecord, ?, ?> predictions, Source<IngestRecord, ?, ?> labels) {
    public Sources(Source<IngestRecord, ?, ?> predictions) {
        this(predictions, null);
    }
}
