package io.modelwatch.jobs;

import io.modelwatch.cli.RunOptions;
import io.modelwatch.config.ControlCommand;
import io.modelwatch.functions.ControlCommandSplitter;
import io.modelwatch.functions.ControlWatermarks;
import io.modelwatch.functions.DeadLetterSplitter;
import io.modelwatch.functions.PredictionBatchTypeInfo;
import io.modelwatch.functions.EventBatcher;
import io.modelwatch.functions.FirstLabelPerModel;
import io.modelwatch.functions.LabelJoinFunction;
import io.modelwatch.functions.LabelSplitter;
import io.modelwatch.functions.PerformanceMonitorFunction;
import io.modelwatch.functions.PredictionRefTypeInfo;
import io.modelwatch.functions.PredictionsOfLabelledModels;
import io.modelwatch.functions.Descriptors;
import io.modelwatch.functions.ModelMonitorFunction;
import io.modelwatch.functions.ModelMonitorOperator;
import io.modelwatch.functions.SignalWatermarkAligner;
import io.modelwatch.functions.TriggerCooldownFunction;
import io.modelwatch.model.ControlUpdate;
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
import io.modelwatch.serde.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cep.CEP;
import java.util.List;
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
 * monitor-control (Kafka) ─► check ─► broadcast ─┐  (bad commands ─► dead-letters)
 *                               ├─► keyBy(model version) ─► ModelMonitor ─► reports ─────┐
 *                               │                               └─► drift + quality signals
 *                               └─► with an id, of models that send labels ─┐            │
 *                                          ▲ (broadcast: first label per model)          │
 * labels (Kafka) ─► parse ─┬─► keyBy(model) ┘                            │            │
 *                          └───► keyBy(model, predictionId) ◄────────────┘            │
 *                                     └─► LabelJoin ─┐                                   ▼
 *                                  keyBy(model version) ─► PerformanceMonitor ─► model-health
 *                                                                 └─► decay signals
 *     all signals (each producer never idle for CEP) ─► keyBy(model version, reason)
 *                 ─► CEP: k signalled windows within T (late signals ─► dead-letters)
 *                    (one CEP operator per distinct k and T of the thresholds file)
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

        SingleOutputStreamOperator<ControlUpdate> control = controlUpdates(env, sources, config);

        SingleOutputStreamOperator<HealthReport> windowReports = events
                .transform("Batch events per model version", PredictionBatchTypeInfo.INSTANCE, new EventBatcher())
                .uid(OperatorIds.EVENT_BATCHER)
                .keyBy(PredictionBatch::modelKey)
                // The keyed-broadcast operator of .process(), with the open-profile cache's hooks
                // (ModelMonitorOperator); the control records reach every instance as before.
                .connect(control.broadcast())
                .transform("Model monitor (reference, windows, drift, quality)",
                        TypeInformation.of(HealthReport.class),
                        new ModelMonitorOperator(new ModelMonitorFunction(config.thresholds(), config.references(), config.openProfiles())))
                .uid(OperatorIds.MODEL_MONITOR).name("Model monitor (reference, windows, drift, quality)");

        DataStream<DeadLetter> deadLetters = events.getSideOutput(Descriptors.DEAD_LETTERS)
                .union(control.getSideOutput(Descriptors.DEAD_LETTERS));
        DataStream<HealthReport> health = windowReports;
        // Every signal producer's watermark counts for the escalation, idle or not
        // (SignalWatermarkAligner, chained to the producer): otherwise a signal can reach CEP behind
        // its watermark after a quiet spell and be lost to it.
        DataStream<DriftSignal> signals = aligned(windowReports.getSideOutput(Descriptors.DRIFT_SIGNALS),
                OperatorIds.SIGNAL_ALIGNER);
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
            // With --label-join labelled-models only predictions of models that have sent a label
            // are kept for the join (PredictionsOfLabelledModels): the labels stream announces each
            // such model once. By default every prediction with an id is kept.
            BroadcastStream<String> labelledModels = labels
                    .keyBy(LabelEvent::modelId)
                    .process(new FirstLabelPerModel())
                    .uid(OperatorIds.LABELLED_MODELS).name("Models that send labels")
                    .broadcast(PredictionsOfLabelledModels.LABELLED_MODELS);
            SingleOutputStreamOperator<PredictionRef> refs = events
                    .flatMap((PredictionEvent e, Collector<PredictionRef> out) -> {
                        if (e.predictionId() != null) {
                            out.collect(PredictionRef.of(e));
                        }
                    })
                    // A serializer of its own on the wire (the join's state keeps the POJO one).
                    .returns(PredictionRefTypeInfo.INSTANCE)
                    .uid(OperatorIds.PREDICTION_REFS).name("Predictions with an id");
            DataStream<PredictionRef> toJoin;
            if (config.labelledModelsOnly()) {
                toJoin = refs.connect(labelledModels)
                        .process(new PredictionsOfLabelledModels(), PredictionRefTypeInfo.INSTANCE)
                        .uid(OperatorIds.LABELLED_PREDICTIONS).name("Predictions of models that send labels");
            } else {
                // Every prediction is kept: they go to the join directly. The filter operator
                // stays in the graph, with its state (the models that send labels), fed nothing,
                // so that a savepoint moves between the modes; in front of the join it was a
                // network hop per prediction, a serialisation and a deserialisation, for nothing.
                DataStream<PredictionRef> none = refs.filter(p -> false)
                        .uid(OperatorIds.LABELLED_PREDICTIONS_BYPASS).name("No prediction (every one is kept)")
                        .connect(labelledModels)
                        .process(new PredictionsOfLabelledModels(), PredictionRefTypeInfo.INSTANCE)
                        .uid(OperatorIds.LABELLED_PREDICTIONS).name("Predictions of models that send labels");
                toJoin = refs.union(none);
            }
            SingleOutputStreamOperator<LabelOutcome> outcomes = toJoin
                    .keyBy(PredictionRef::joinKey)
                    .connect(labels.keyBy(LabelEvent::joinKey))
                    .process(new LabelJoinFunction(config.thresholds(), config.labelsTopic()))
                    .uid(OperatorIds.LABEL_JOIN).name("Join labels to predictions");
            SingleOutputStreamOperator<HealthReport> revised = windowReports
                    .keyBy(MonitoringJob::modelKey)
                    .connect(outcomes.keyBy(LabelOutcome::modelKey))
                    .process(new PerformanceMonitorFunction(config.thresholds(), config.labelledModelsOnly()))
                    .uid(OperatorIds.PERFORMANCE_MONITOR).name("Performance monitor (labels, revisions)");
            health = revised;
            signals = signals.union(aligned(revised.getSideOutput(Descriptors.DRIFT_SIGNALS),
                    OperatorIds.PERFORMANCE_SIGNAL_ALIGNER));
            deadLetters = deadLetters.union(labels.getSideOutput(Descriptors.DEAD_LETTERS),
                    outcomes.getSideOutput(Descriptors.DEAD_LETTERS));
        }
        health.sinkTo(sinks.health()).uid(OperatorIds.HEALTH_SINK).name("Kafka: model-health");

        // One CEP operator per distinct (escalation.windows, escalation.within) of the thresholds
        // file: a pattern's length and time bound are fixed at build (EscalationGroups).
        DataStream<RetrainTrigger> matches = null;
        for (EscalationGroups.Group group : EscalationGroups.of(config.thresholds()).groups()) {
            DataStream<DriftSignal> routed = signals;
            if (!group.routesEverything()) {
                routed = signals.filter(s -> group.accepts(s.modelId()))
                        .uid(group.uid() + "-route").name("Signals of models escalating on " + group.describe());
            }
            SingleOutputStreamOperator<RetrainTrigger> groupMatches = CEP
                    .pattern(routed.keyBy(DriftSignal::escalationKey),
                            DriftEscalationPattern.create(group.windows(), group.within()))
                    .inEventTime()
                    .sideOutputLateData(Descriptors.LATE_SIGNALS)
                    .process(new RetrainTriggerBuilder(), TypeInformation.of(RetrainTrigger.class))
                    .uid(group.uid()).name("CEP: " + group.describe() + " escalate");
            matches = matches == null ? groupMatches : matches.union(groupMatches);
            // Never silently: a signal the escalation could not use is a dead letter.
            deadLetters = deadLetters.union(groupMatches.getSideOutput(Descriptors.LATE_SIGNALS)
                    .map(MonitoringJob::lateSignal).returns(DeadLetter.class)
                    .uid(group.uid().equals(OperatorIds.DRIFT_ESCALATION) ? OperatorIds.LATE_SIGNALS
                            : group.uid() + "-" + OperatorIds.LATE_SIGNALS)
                    .name("Late signals to dead letters"));
        }
        deadLetters.sinkTo(sinks.deadLetters()).uid(OperatorIds.DEAD_LETTERS_SINK).name("Kafka: dead-letters");

        matches.keyBy(MonitoringJob::escalationKey)
                .process(new TriggerCooldownFunction(config.thresholds()))
                .uid(OperatorIds.TRIGGER_COOLDOWN).name("Trigger cooldown")
                .sinkTo(sinks.triggers()).uid(OperatorIds.TRIGGERS_SINK).name("Kafka: retrain-triggers");
    }

    /**
     * The checked control commands: from {@code monitor-control} (always idle for watermarks,
     * {@link ControlWatermarks}), or none for a job without a control topic (tests, the
     * evaluation); then one placeholder element, filtered out, because Flink has no empty
     * source and the monitor's broadcast input needs one.
     */
    private static SingleOutputStreamOperator<ControlUpdate> controlUpdates(StreamExecutionEnvironment env,
            Sources sources, JobConfig config) {
        if (sources.control() != null) {
            return env.fromSource(sources.control(), ControlWatermarks.alwaysIdle(), "monitor-control")
                    .uid(OperatorIds.CONTROL_SOURCE).name("Kafka: monitor-control")
                    .process(new ControlCommandSplitter(config.thresholds()))
                    .uid(OperatorIds.CONTROL_SPLITTER).name("Check control commands / route dead letters");
        }
        return env.fromData(List.of(new ControlUpdate(ControlCommand.ALL_MODELS, null)),
                        TypeInformation.of(ControlUpdate.class))
                .uid(OperatorIds.CONTROL_SOURCE).name("No control topic")
                .filter(u -> false)
                .uid(OperatorIds.CONTROL_SPLITTER).name("No control commands");
    }

    static String modelKey(HealthReport r) {
        return ModelKey.of(r.modelId(), r.modelVersion());
    }

    private static DataStream<DriftSignal> aligned(DataStream<DriftSignal> producerSignals, String uid) {
        return producerSignals.transform("Signals: never idle for the escalation", TypeInformation.of(DriftSignal.class),
                new SignalWatermarkAligner<>()).uid(uid);
    }

    static DeadLetter lateSignal(DriftSignal s) {
        // An internal stream: no topic position; the window names it.
        return new DeadLetter("drift-signals", -1, -1, null, "drift signal of the window ending "
                + Instant.ofEpochMilli(s.windowEnd()) + " reached the escalation behind its watermark: not escalated",
                new String(Json.toBytes(s), StandardCharsets.UTF_8), null);
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
