package io.modelwatch.jobs;

import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.RetrainTrigger;
import org.apache.flink.api.connector.sink2.Sink;

/** The job's outputs; exactly-once Kafka sinks in production ({@link KafkaEndpoints}). */
public record Sinks(Sink<RetrainTrigger> triggers, Sink<HealthReport> health, Sink<DeadLetter> deadLetters) {}
