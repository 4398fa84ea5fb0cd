package io.modelwatch.jobs;

import io.modelwatch.cli.RunOptions;
import io.modelwatch.functions.DeadLetterSplitter;
import io.modelwatch.functions.EventBatcher;
import io.modelwatch.functions.FirstLabelPerModel;
import io.modelwatch.functions.LabelJoinFunction;
import io.modelwatch.functions.LabelSplitter;
import io.modelwatch.functions.PerformanceMonitorFunction;
import io.modelwatch.functions.PredictionsOfLabelledModels;
import io.modelwatch.functions.Descriptors;
import io.modelwatch.functions.ModelMonitorFunction;
import io.modelwatch.functions.TriggerCooldownFunction;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.patterns.DriftEscalationPattern;
import io.modelwatch.patterns.RetrainTriggerBuilder;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cep.CEP;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * The modelwatch job graph, read top to bottom:
 *
 * <pre>
 * predictions (Kafka) ─► parse ─┬─► dead letters ──────────────────────────────────────► dead-letters
 *                               ├─► keyBy(model version) ─► ModelMonitor ─► reports ─────┐
 *                               │                               └─► drift + quality signals
 *                               └─► with an id, of models that send labels ─┐            │
 *                                          ▲ (broadcast: first label per model)          │
 * labels (Kafka) ─► parse ─┬─► keyBy(model) ┘                            │            │
 *                          └───► keyBy(model, predictionId) ◄────────────┘            │
 *                                     └─► LabelJoin ─┐                                   ▼
 *                                  keyBy(model version) ─► PerformanceMonitor ─► model-health
 *                                                                 └─► decay signals
 *     all signals ─► keyBy(model version, reason) ─► CEP: k signalled windows within T
 *                 ─► RetrainTriggerBuilder ─► keyBy ─► cooldown ─► retrain-triggers
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
                .withTimestampAssigner((r, kafkaTs) -> r.eventTime())
                .withIdleness(config.idleness());

        SingleOutputStreamOperator<PredictionEvent> events = env
                .fromSource(sources.predictions(), watermarks, "predictions")
                .uid(OperatorIds.PREDICTIONS_SOURCE).name("Kafka: predictions")
                .process(new DeadLetterSplitter())
                .uid(OperatorIds.DEAD_LETTER_SPLITTER).name("Parse predictions / route dead letters");

        SingleOutputStreamOperator<HealthReport> windowReports = events
                .transform("Batch events per model version", TypeInformation.of(PredictionBatch.class), new EventBatcher())
                .uid(OperatorIds.EVENT_BATCHER)
                .keyBy(PredictionBatch::modelKey)
                .process(new ModelMonitorFunction(config.thresholds(), config.references()))
                .uid(OperatorIds.MODEL_MONITOR).name("Model monitor (reference, windows, drift, quality)");

        DataStream<DeadLetter> deadLetters = events.getSideOutput(Descriptors.DEAD_LETTERS);
        DataStream<HealthReport> health = windowReports;
        DataStream<DriftSignal> signals = windowReports.getSideOutput(Descriptors.DRIFT_SIGNALS);
        if (sources.labels() != null) {
            // Delayed labels: joined to their predictions, then performance per window of the
            // predictions, added to the reports as revisions (without labels the reports go on as
            // they are).
            WatermarkStrategy<IngestRecord> labelWatermarks = WatermarkStrategy
                    .<IngestRecord>forBoundedOutOfOrderness(config.maxOutOfOrderness())
                    .withTimestampAssigner((r, kafkaTs) -> r.eventTime())
                    .withIdleness(config.idleness());
            SingleOutputStreamOperator<LabelEvent> labels = env
                    .fromSource(sources.labels(), labelWatermarks, "labels")
                    .uid(OperatorIds.LABELS_SOURCE).name("Kafka: labels")
                    .process(new LabelSplitter())
                    .uid(OperatorIds.LABEL_SPLITTER).name("Parse labels / route dead letters");
            // Only predictions of models that have sent a label are kept for the join (see
            // PredictionsOfLabelledModels): the labels stream announces each such model once.
            BroadcastStream<String> labelledModels = labels
                    .keyBy(LabelEvent::modelId)
                    .process(new FirstLabelPerModel())
                    .uid(OperatorIds.LABELLED_MODELS).name("Models that send labels")
                    .broadcast(PredictionsOfLabelledModels.LABELLED_MODELS);
            SingleOutputStreamOperator<LabelOutcome> outcomes = events
                    .flatMap((PredictionEvent e, Collector<PredictionRef> out) -> {
                        if (e.predictionId() != null) {
                            out.collect(PredictionRef.of(e));
                        }
                    })
                    .returns(PredictionRef.class)
                    .uid(OperatorIds.PREDICTION_REFS).name("Predictions with an id")
                    .connect(labelledModels)
                    .process(new PredictionsOfLabelledModels())
                    .uid(OperatorIds.LABELLED_PREDICTIONS).name("Predictions of models that send labels")
                    .keyBy(PredictionRef::joinKey)
                    .connect(labels.keyBy(LabelEvent::joinKey))
                    .process(new LabelJoinFunction(config.thresholds(), config.labelsTopic()))
                    .uid(OperatorIds.LABEL_JOIN).name("Join labels to predictions");
            SingleOutputStreamOperator<HealthReport> revised = windowReports
                    .keyBy(MonitoringJob::modelKey)
                    .connect(outcomes.keyBy(LabelOutcome::modelKey))
                    .process(new PerformanceMonitorFunction(config.thresholds()))
                    .uid(OperatorIds.PERFORMANCE_MONITOR).name("Performance monitor (labels, revisions)");
            health = revised;
            signals = signals.union(revised.getSideOutput(Descriptors.DRIFT_SIGNALS));
            deadLetters = deadLetters.union(labels.getSideOutput(Descriptors.DEAD_LETTERS),
                    outcomes.getSideOutput(Descriptors.DEAD_LETTERS));
        }
        health.sinkTo(sinks.health()).uid(OperatorIds.HEALTH_SINK).name("Kafka: model-health");
        deadLetters.sinkTo(sinks.deadLetters()).uid(OperatorIds.DEAD_LETTERS_SINK).name("Kafka: dead-letters");

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

    static String modelKey(HealthReport r) {
        return ModelKey.of(r.modelId(), r.modelVersion());
    }

    static String escalationKey(RetrainTrigger t) {
        return ModelKey.of(t.modelId(), t.modelVersion()) + ModelKey.SEPARATOR + t.reason();
    }

    /** Builds and runs the job against Kafka. */
    public static JobExecutionResult run(RunOptions options) throws Exception {
        StreamExecutionEnvironment env = FlinkSettings.environment(options);
        build(env, KafkaEndpoints.sources(options), KafkaEndpoints.sinks(options), options.jobConfig());
        return env.execute(options.jobName());
    }

    /**
     * The job jar's entry point: the same flags as {@code bin/modelwatch run}. A bad flag or thresholds
     * file throws a {@link io.modelwatch.config.ConfigException} naming it, which {@code flink run} prints
     * and the REST API returns. Never {@code System.exit}: submitted through the REST API (web UI,
     * Kubernetes operator) this runs inside the JobManager, and exiting would stop the JobManager.
     */
    public static void main(String[] args) throws Exception {
        RunOptions options = RunOptions.parse(args);
        KafkaPreflight.check(options);
        run(options);
    }
}
