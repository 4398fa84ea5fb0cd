package io.modelwatch.jobs;

import io.modelwatch.cli.RunOptions;
import io.modelwatch.functions.DeadLetterSplitter;
import io.modelwatch.functions.Descriptors;
import io.modelwatch.functions.ModelMonitorFunction;
import io.modelwatch.functions.TriggerCooldownFunction;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.patterns.DriftEscalationPattern;
import io.modelwatch.patterns.RetrainTriggerBuilder;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cep.CEP;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The modelwatch job graph, read top to bottom:
 *
 * <pre>
 * predictions (Kafka) ─► parse ─┬─► dead letters ─────────────────────────────► dead-letters
 *                               └─► keyBy(model version) ─► ModelMonitor ─┬─► model-health
 *                                                                          └─► drift signals
 *     drift signals ─► keyBy(model version, reason) ─► CEP: k drifted windows within T
 *                  ─► RetrainTriggerBuilder ─► keyBy ─► cooldown ─► retrain-triggers
 * </pre>
 *
 * <p>{@link #build} is the only place the graph is wired; {@code main} (the job jar's entry,
 * what {@code flink run} and the Helm chart start) and the tests both call it.
 */
public final class MonitoringJob {
    private MonitoringJob() {}

    public static void build(StreamExecutionEnvironment env, Sources sources, Sinks sinks, JobConfig config) {
        WatermarkStrategy<IngestRecord> watermarks = WatermarkStrategy
                .<IngestRecord>forBoundedOutOfOrderness(config.maxOutOfOrderness())
                // Dead letters have no event time; MIN_VALUE never advances the watermark.
                .withTimestampAssigner((r, kafkaTs) -> r.isDead() ? Long.MIN_VALUE : r.prediction().timestamp())
                .withIdleness(config.idleness());

        SingleOutputStreamOperator<PredictionEvent> events = env
                .fromSource(sources.predictions(), watermarks, "predictions")
                .uid(OperatorIds.PREDICTIONS_SOURCE).name("Kafka: predictions")
                .process(new DeadLetterSplitter())
                .uid(OperatorIds.DEAD_LETTER_SPLITTER).name("Parse predictions / route dead letters");

        DataStream<DeadLetter> deadLetters = events.getSideOutput(Descriptors.DEAD_LETTERS);
        deadLetters.sinkTo(sinks.deadLetters()).uid(OperatorIds.DEAD_LETTERS_SINK).name("Kafka: dead-letters");

        SingleOutputStreamOperator<HealthReport> health = events
                .keyBy(PredictionEvent::modelKey)
                .process(new ModelMonitorFunction(config.thresholds(), config.references()))
                .uid(OperatorIds.MODEL_MONITOR).name("Model monitor (reference, windows, drift)");
        health.sinkTo(sinks.health()).uid(OperatorIds.HEALTH_SINK).name("Kafka: model-health");

        DataStream<DriftSignal> signals = health.getSideOutput(Descriptors.DRIFT_SIGNALS);
        SingleOutputStreamOperator<RetrainTrigger> matches = CEP
                .pattern(signals.keyBy(DriftSignal::escalationKey),
                        DriftEscalationPattern.create(config.thresholds().defaults().escalationWindows(),
                                config.thresholds().defaults().escalationWithin()))
                .inEventTime()
                .process(new RetrainTriggerBuilder(), TypeInformation.of(RetrainTrigger.class))
                .uid(OperatorIds.DRIFT_ESCALATION).name("CEP: drifted windows escalate");

        matches.keyBy(MonitoringJob::escalationKey)
                .process(new TriggerCooldownFunction(config.thresholds()))
                .uid(OperatorIds.TRIGGER_COOLDOWN).name("Trigger cooldown")
                .sinkTo(sinks.triggers()).uid(OperatorIds.TRIGGERS_SINK).name("Kafka: retrain-triggers");
    }

    static String escalationKey(RetrainTrigger t) {
        return ModelKey.of(t.modelId(), t.modelVersion()) + ModelKey.SEPARATOR + t.reason();
    }

    /** Builds and runs the job against Kafka. */
    public static JobExecutionResult run(RunOptions options) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(FlinkSettings.of(options));
        build(env, KafkaEndpoints.sources(options), KafkaEndpoints.sinks(options), options.jobConfig());
        return env.execute(options.jobName());
    }

    /** The job jar's entry point: the same flags as {@code bin/modelwatch run}. */
    public static void main(String[] args) throws Exception {
        RunOptions options = RunOptions.parseOrExit(args);
        run(options);
    }
}
