package io.modelwatch.jobs;

import io.modelwatch.control.ControlCommand;
import io.modelwatch.control.ControlCommandSplitter;
import io.modelwatch.control.ControlWatermarks;
import io.modelwatch.ingest.CorroboratedWatermarks;
import io.modelwatch.ingest.PredictionSplitter;
import io.modelwatch.batching.EventBatcher;
import io.modelwatch.labels.FirstLabelPerModel;
import io.modelwatch.labels.LabelJoinFunction;
import io.modelwatch.labels.LabelJoinOperator;
import io.modelwatch.ingest.LabelSplitter;
import io.modelwatch.labels.PerformanceMonitorFunction;
import io.modelwatch.batching.WireTypeInfo;
import io.modelwatch.labels.PredictionsOfLabelledModels;
import io.modelwatch.model.SideOutputs;
import io.modelwatch.monitor.ModelMonitorFunction;
import io.modelwatch.monitor.ModelMonitorOperator;
import io.modelwatch.escalation.SignalWatermarkAligner;
import io.modelwatch.escalation.TriggerCooldownFunction;
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
import io.modelwatch.escalation.EscalationDrain;
import io.modelwatch.escalation.EscalationOperator;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import io.modelwatch.serde.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import java.util.List;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
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
 *                 ─► CEP: signalled windows worth each model's k within its T (late signals ─► dead-letters)
 *                 ─► RetrainTriggerBuilder ─► keyBy ─► cooldown ─► retrain-triggers
 * </pre>
 *
 * <p>{@link #build} is the only place the graph is wired; {@code main} (the job jar's entry,
 * what {@code flink run} and the Helm chart start) and the tests both call it.
 */
public final class MonitoringJob {
    private MonitoringJob() {}

    public static void build(StreamExecutionEnvironment env, Sources sources, Sinks sinks, JobConfig config) {
        // Escalation operators of an earlier release in the restore point: claimed, their partial
        // matches handed to the escalation (RetiredEscalations). Needs the graph without them first.
        List<String> retired = RetiredEscalations.find(env.getConfiguration(), () -> {
            StreamExecutionEnvironment probe = new StreamExecutionEnvironment(
                    org.apache.flink.configuration.Configuration.fromMap(env.getConfiguration().toMap()));
            wire(probe, sources, sinks, config, List.of());
            return probe.getStreamGraph().getJobGraph();
        });
        wire(env, sources, sinks, config, retired);
    }

    private static void wire(StreamExecutionEnvironment env, Sources sources, Sinks sinks, JobConfig config,
            List<String> retiredEscalations) {
        // Per partition: the watermark follows the newest event time 3 events have reached, not
        // a lone event ahead of its neighbours (CorroboratedWatermarks). Dead letters have no event
        // time; MIN_VALUE never advances the watermark.
        WatermarkStrategy<IngestRecord> watermarks = CorroboratedWatermarks.strategy(config.maxOutOfOrderness(),
                config.idleness(), CorroboratedWatermarks.CORROBORATING_EVENTS, (r, kafkaTs) -> r.eventTime());

        SingleOutputStreamOperator<PredictionEvent> events = env
                .fromSource(sources.predictions(), watermarks, "predictions")
                .uid(OperatorIds.PREDICTIONS_SOURCE).name("Kafka: predictions")
                .process(new PredictionSplitter())
                .uid(OperatorIds.DEAD_LETTER_SPLITTER).name("Parse predictions / route dead letters");

        SingleOutputStreamOperator<ControlUpdate> control = controlUpdates(env, sources, config);

        SingleOutputStreamOperator<HealthReport> windowReports = events
                .transform("Batch events per model version", WireTypeInfo.PREDICTION_BATCH, new EventBatcher())
                .uid(OperatorIds.EVENT_BATCHER)
                .keyBy(PredictionBatch::modelKey)
                // The keyed-broadcast operator of .process(), with the open-profile cache's hooks
                // (ModelMonitorOperator); the control records reach every instance.
                .connect(control.broadcast())
                // Reports cross the network to the performance monitor by their own serializer
                // (HealthReportSerializer), not Flink's reflective POJO one; they are never kept
                // in Flink state in that form.
                .transform("Model monitor (reference, windows, drift, quality)", WireTypeInfo.HEALTH_REPORT,
                        new ModelMonitorOperator(new ModelMonitorFunction(config.thresholds(), config.references(), config.openProfiles())))
                .uid(OperatorIds.MODEL_MONITOR).name("Model monitor (reference, windows, drift, quality)");

        DataStream<DeadLetter> deadLetters = events.getSideOutput(SideOutputs.DEAD_LETTERS)
                .union(control.getSideOutput(SideOutputs.DEAD_LETTERS));
        DataStream<HealthReport> health = windowReports;
        // Every signal producer's watermark counts for the escalation, idle or not
        // (SignalWatermarkAligner, chained to the producer): otherwise a signal can reach CEP behind
        // its watermark after a quiet spell and be lost to it.
        DataStream<DriftSignal> signals = aligned(windowReports.getSideOutput(SideOutputs.SIGNALS),
                OperatorIds.SIGNAL_ALIGNER);
        if (sources.labels() != null) {
            // Delayed labels: joined to their predictions, then performance per window of the
            // predictions, added to the reports as revisions (without labels the reports go on as
            // they are).
            // Labels' watermarks follow the newest label (1 corroborating event, Flink's bounded
            // out-of-orderness): everything downstream of the labels also reads the predictions,
            // so it runs on the smaller of both watermarks, and a label from a fast clock cannot
            // raise it; corroboration would only delay every report by two labels' arrival.
            WatermarkStrategy<IngestRecord> labelWatermarks = CorroboratedWatermarks.strategy(
                    config.maxOutOfOrderness(), config.idleness(), 1, (r, kafkaTs) -> r.eventTime());
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
                    .returns(WireTypeInfo.PREDICTION_REF)
                    .uid(OperatorIds.PREDICTION_REFS).name("Predictions with an id");
            DataStream<PredictionRef> toJoin;
            if (config.labelledModelsOnly()) {
                toJoin = refs.connect(labelledModels)
                        .process(new PredictionsOfLabelledModels(), WireTypeInfo.PREDICTION_REF)
                        .uid(OperatorIds.LABELLED_PREDICTIONS).name("Predictions of models that send labels");
            } else {
                // Every prediction is kept: they go to the join directly. The filter operator
                // stays in the graph, with its state (the models that send labels), fed nothing,
                // so that a savepoint moves between the modes; in front of the join it was a
                // network hop per prediction, a serialisation and a deserialisation, for nothing.
                DataStream<PredictionRef> none = refs.filter(p -> false)
                        .uid(OperatorIds.LABELLED_PREDICTIONS_BYPASS).name("No prediction (every one is kept)")
                        .connect(labelledModels)
                        .process(new PredictionsOfLabelledModels(), WireTypeInfo.PREDICTION_REF)
                        .uid(OperatorIds.LABELLED_PREDICTIONS).name("Predictions of models that send labels");
                toJoin = refs.union(none);
            }
            SingleOutputStreamOperator<LabelOutcome> outcomes = toJoin
                    .keyBy(PredictionRef::joinKey)
                    .connect(labels.keyBy(LabelEvent::joinKey))
                    // The keyed co-process operator of .process(), which also counts the labels
                    // waiting in state at open (LabelJoinOperator).
                    .transform("Join labels to predictions", TypeInformation.of(LabelOutcome.class),
                            new LabelJoinOperator(new LabelJoinFunction(config.thresholds(), config.labelsTopic())))
                    .uid(OperatorIds.LABEL_JOIN).name("Join labels to predictions");
            SingleOutputStreamOperator<HealthReport> revised = windowReports
                    .keyBy(MonitoringJob::modelKey)
                    .connect(outcomes.keyBy(LabelOutcome::modelKey))
                    .process(new PerformanceMonitorFunction(config.thresholds(), config.labelledModelsOnly()),
                            WireTypeInfo.HEALTH_REPORT)
                    .uid(OperatorIds.PERFORMANCE_MONITOR).name("Performance monitor (labels, revisions)");
            health = revised;
            signals = signals.union(aligned(revised.getSideOutput(SideOutputs.SIGNALS),
                    OperatorIds.PERFORMANCE_SIGNAL_ALIGNER));
            deadLetters = deadLetters.union(labels.getSideOutput(SideOutputs.DEAD_LETTERS),
                    outcomes.getSideOutput(SideOutputs.DEAD_LETTERS));
        }
        health.sinkTo(sinks.health()).uid(OperatorIds.HEALTH_SINK).name("Kafka: model-health");

        // One CEP operator for every model: each model's escalation.windows and escalation.within
        // are read by the pattern's condition, so its NFA (and the state names a savepoint keeps)
        // do not depend on them (EscalationPattern, EscalationOperator).
        TypeSerializer<DriftSignal> signalSerializer = TypeInformation.of(DriftSignal.class)
                .createSerializer(env.getConfig().getSerializerConfig());
        for (String operatorId : retiredEscalations) {
            signals = signals.union(signals
                    .filter(s -> false).uid("retired-escalation-input-" + operatorId).name("No input")
                    .keyBy(DriftSignal::escalationKey)
                    .transform("Retired escalation operator: hand its partial matches over",
                            TypeInformation.of(DriftSignal.class), new EscalationDrain(signalSerializer))
                    .uid("retired-escalation-" + operatorId).setUidHash(operatorId));
        }
        KeyedStream<DriftSignal, String> keyedSignals = signals.keyBy(DriftSignal::escalationKey);
        SingleOutputStreamOperator<RetrainTrigger> matches = keyedSignals
                .transform("CEP: escalate signalled windows", TypeInformation.of(RetrainTrigger.class),
                        new EscalationOperator(signalSerializer, config.thresholds()))
                .uid(OperatorIds.DRIFT_ESCALATION).name("CEP: signalled windows worth k within T escalate");
        // Never silently: a signal the escalation could not use is a dead letter.
        deadLetters = deadLetters.union(matches.getSideOutput(SideOutputs.LATE_SIGNALS)
                .map(MonitoringJob::lateSignal).returns(DeadLetter.class)
                .uid(OperatorIds.LATE_SIGNALS).name("Late signals to dead letters"));
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
