package io.modelwatch.jobs;

import io.modelwatch.model.IngestRecord;
import org.apache.flink.api.connector.source.Source;

/** The job's inputs; Kafka in production ({@link KafkaEndpoints}), anything bounded in tests. */
public record Sources(Source<IngestRecord, ?, ?> predictions) {}
