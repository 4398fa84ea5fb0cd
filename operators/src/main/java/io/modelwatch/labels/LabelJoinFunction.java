package io.modelwatch.labels;

import io.modelwatch.model.MetricNames;
import io.modelwatch.model.SideOutputs;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.model.DeadLetter;
import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.ValueKind;
import io.modelwatch.serde.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.time.Instant;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins a label to its prediction by (modelId, predictionId), whichever arrives first.
 *
 * <p>A prediction waits for its label in state with a time-to-live of the label horizon, removed
 * by RocksDB's compaction filter: no timer per prediction, because a timer (and an "expired"
 * record) for every prediction would cost more than the whole drift monitor. It waits in
 * {@code waitingPrediction} ({@link WaitingPredictionSerializer}: what the key does not hold);
 * savepoints of earlier builds kept it, with both ids again, in {@code prediction}, which a label
 * still reads when the new state has nothing, and which the time-to-live empties within the
 * horizon after the upgrade. The TTL runs on processing time (Flink has no event-time TTL), so
 * in a fast backtest over long history predictions stay until the run ends. Predictions that never get a label are shown as
 * {@code labeled} against {@code events} in the health report.
 *
 * <p>A prediction whose id is already waiting replaces it (the last one is joined).
 *
 * <p>A label that comes first (replays, a producer ahead of the serving log) waits for its
 * prediction with an event-time timer: labels are few, and one whose prediction never came
 * within the horizon goes to dead letters with the reason, never silently.
 */
public final class LabelJoinFunction extends KeyedCoProcessFunction<String, PredictionRef, LabelEvent, LabelOutcome> {
    /** The state of labels that came before their prediction. */
    static final String LABEL_STATE = "label";

    private final ThresholdsConfig config;
    private final String labelsTopic;

    private transient ValueState<WaitingPrediction> waiting;
    /** The state of earlier builds: read, cleared, never written. */
    private transient ValueState<PredictionRef> prediction;
    private transient ValueState<LabelEvent> label;
    private transient Counter matched;
    private transient Counter unknownLabels;
    /**
     * Labels waiting in {@link #label} in this instance, counted by {@link LabelJoinOperator} from
     * state at open and kept exact since; -1 when not counted (the plain operator): then every
     * prediction looks. While it is 0, a prediction does not look for a label that came first:
     * that lookup was a RocksDB read per prediction, and labels seldom come first.
     */
    private transient long labelsWaiting = -1;

    public LabelJoinFunction(ThresholdsConfig config, String labelsTopic) {
        this.config = config;
        this.labelsTopic = labelsTopic;
    }

    /** The TTL is one per state: the longest horizon of any model (per-model horizons still bound labels). */
    static Duration longestHorizon(ThresholdsConfig config) {
        Duration longest = config.defaults().labelHorizon();
        for (var t : config.models().values()) {
            if (t.labelHorizon().compareTo(longest) > 0) {
                longest = t.labelHorizon();
            }
        }
        return longest;
    }

    private long horizon(String modelId) {
        return config.forModel(modelId).labelHorizon().toMillis();
    }

    /**
     * Time-to-live of the waiting predictions, in both states: the settings of the earlier
     * {@code prediction} state, whose savepoints restore only with TTL still enabled.
     */
    static StateTtlConfig ttl(Duration horizon) {
        return StateTtlConfig.newBuilder(horizon)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .cleanupFullSnapshot()
                .cleanupIncrementally(10, false)
                .cleanupInRocksdbCompactFilter(1000)
                .build();
    }

    @Override
    public void open(OpenContext openContext) {
        StateTtlConfig ttl = ttl(longestHorizon(config));
        ValueStateDescriptor<WaitingPrediction> waitingDescriptor =
                new ValueStateDescriptor<>("waitingPrediction", WaitingPredictionSerializer.INSTANCE);
        waitingDescriptor.enableTimeToLive(ttl);
        waiting = getRuntimeContext().getState(waitingDescriptor);
        ValueStateDescriptor<PredictionRef> predictionDescriptor =
                new ValueStateDescriptor<>("prediction", TypeInformation.of(PredictionRef.class));
        predictionDescriptor.enableTimeToLive(ttl);
        prediction = getRuntimeContext().getState(predictionDescriptor);
        label = getRuntimeContext().getState(new ValueStateDescriptor<>(LABEL_STATE, TypeInformation.of(LabelEvent.class)));
        var group = getRuntimeContext().getMetricGroup().addGroup(MetricNames.GROUP);
        matched = group.counter("labelsMatched");
        unknownLabels = group.counter("labelsUnknownPrediction");
    }

    /** The labels waiting in this instance's state, as counted at open ({@link LabelJoinOperator}). */
    void labelsWaiting(long n) {
        labelsWaiting = n;
    }

    private void labelGone() {
        if (labelsWaiting > 0) {
            labelsWaiting--;
        }
    }

    @Override
    public void processElement1(PredictionRef p, Context ctx, Collector<LabelOutcome> out) throws Exception {
        LabelEvent l = labelsWaiting == 0 ? null : label.value();
        if (l != null) {
            label.clear();
            labelGone();
            emit(p.modelId(), WaitingPrediction.of(p), l, out);
            return;
        }
        // Written without reading it first: a read that finds nothing (every prediction but a
        // repeated one) is a RocksDB lookup through every file of this, the job's largest state,
        // and was three quarters of this operator's RocksDB time (docs/benchmarks.md). A repeated
        // id (a producer's retry: the same prediction) replaces the waiting one and its TTL
        // starts again. The label state stays small (labels rarely come first), so its read is cheap.
        // The key holds modelId and predictionId: the state keeps the rest.
        waiting.update(WaitingPrediction.of(p));
    }

    @Override
    public void processElement2(LabelEvent l, Context ctx, Collector<LabelOutcome> out) throws Exception {
        WaitingPrediction w = waiting.value();
        if (w != null) {
            waiting.clear();
            emit(l.modelId(), w, l, out);
            return;
        }
        // A prediction that was waiting when a savepoint of an earlier build was taken. Once the
        // horizon has passed since the upgrade this state is empty: a lookup in an empty column
        // family, and only for labels that find no prediction in the new state.
        PredictionRef p = prediction.value();
        if (p != null) {
            prediction.clear();
            emit(l.modelId(), WaitingPrediction.of(p), l, out);
            return;
        }
        if (label.value() == null) {
            // The label came first (replays, or a producer ahead of the serving log): wait for it.
            label.update(l);
            if (labelsWaiting >= 0) {
                labelsWaiting++;
            }
            ctx.timerService().registerEventTimeTimer(l.timestamp() + horizon(l.modelId()));
        } else {
            unknown(l, ctx, "labels: a second label for prediction " + l.predictionId() + " of model " + l.modelId());
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<LabelOutcome> out) throws Exception {
        LabelEvent l = label.value();
        if (l != null && l.timestamp() + horizon(l.modelId()) <= timestamp) {
            label.clear();
            labelGone();
            unknown(l, ctx, "labels: no prediction " + l.predictionId() + " of model " + l.modelId()
                    + " within the label horizon of " + Duration.ofMillis(horizon(l.modelId())));
        }
    }

    private void emit(String modelId, WaitingPrediction p, LabelEvent l, Collector<LabelOutcome> out) {
        matched.inc();
        out.collect(new LabelOutcome(LabelOutcome.MATCHED, modelId, p.modelVersion(), p.timestamp(), l.timestamp(),
                p.predictionKind(), p.numericPrediction(), p.categoricalPrediction(), l.labelKind(), l.numericLabel(),
                l.categoricalLabel(), p.segments(), p.numericNames(), p.numericValues()));
    }

    private void unknown(LabelEvent l, Context ctx, String reason) {
        unknownLabels.inc();
        // The label as the job understood it (its original bytes are not kept in state).
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("modelId", l.modelId());
        json.put("predictionId", l.predictionId());
        json.put("timestamp", Instant.ofEpochMilli(l.timestamp()).toString());
        json.put("label", l.labelKind() == ValueKind.NUMERIC ? (Object) l.numericLabel() : l.categoricalLabel());
        String payload = new String(Json.toBytes(json), StandardCharsets.UTF_8);
        ctx.output(SideOutputs.DEAD_LETTERS, new DeadLetter(labelsTopic, -1, -1, null, reason, payload, null));
    }
}
