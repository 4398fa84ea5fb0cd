package io.modelwatch.functions;

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
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins a label to its prediction by (modelId, predictionId), whichever arrives first, within the
 * label horizon (event time). A prediction still unlabelled when the watermark passes its time +
 * horizon is emitted as EXPIRED (counted per window in the health report) and its state cleared;
 * a label whose prediction never came within the horizon goes to dead letters with the reason.
 * Nothing waits in state longer than the horizon, so unlabelled traffic cannot grow state forever.
 */
public final class LabelJoinFunction extends KeyedCoProcessFunction<String, PredictionRef, LabelEvent, LabelOutcome> {
    private final ThresholdsConfig config;
    private final String labelsTopic;

    private transient ValueState<PredictionRef> prediction;
    private transient ValueState<LabelEvent> label;
    private transient Counter matched;
    private transient Counter expired;
    private transient Counter unknownLabels;

    public LabelJoinFunction(ThresholdsConfig config, String labelsTopic) {
        this.config = config;
        this.labelsTopic = labelsTopic;
    }

    private long horizon(String modelId) {
        return config.forModel(modelId).labelHorizon().toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        prediction = getRuntimeContext().getState(
                new ValueStateDescriptor<>("prediction", TypeInformation.of(PredictionRef.class)));
        label = getRuntimeContext().getState(new ValueStateDescriptor<>("label", TypeInformation.of(LabelEvent.class)));
        var group = getRuntimeContext().getMetricGroup().addGroup(Descriptors.METRIC_GROUP);
        matched = group.counter("labelsMatched");
        expired = group.counter("predictionsUnlabelled");
        unknownLabels = group.counter("labelsUnknownPrediction");
    }

    @Override
    public void processElement1(PredictionRef p, Context ctx, Collector<LabelOutcome> out) throws Exception {
        LabelEvent waiting = label.value();
        if (waiting != null) {
            label.clear();
            emit(p, waiting, out);
            return;
        }
        if (prediction.value() == null) {
            prediction.update(p);
            ctx.timerService().registerEventTimeTimer(p.timestamp() + horizon(p.modelId()));
        }
    }

    @Override
    public void processElement2(LabelEvent l, Context ctx, Collector<LabelOutcome> out) throws Exception {
        PredictionRef p = prediction.value();
        if (p != null) {
            prediction.clear();
            emit(p, l, out);
            return;
        }
        if (label.value() == null) {
            // The label came first (replays, or a producer ahead of the serving log): wait for it.
            label.update(l);
            ctx.timerService().registerEventTimeTimer(l.timestamp() + horizon(l.modelId()));
        } else {
            unknown(l, ctx, "labels: a second label for prediction " + l.predictionId() + " of model " + l.modelId());
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<LabelOutcome> out) throws Exception {
        PredictionRef p = prediction.value();
        if (p != null && p.timestamp() + horizon(p.modelId()) <= timestamp) {
            prediction.clear();
            expired.inc();
            out.collect(new LabelOutcome(LabelOutcome.EXPIRED, p.modelId(), p.modelVersion(), p.timestamp(), timestamp,
                    p.predictionKind(), p.numericPrediction(), p.categoricalPrediction(), ValueKind.MISSING, 0, null));
        }
        LabelEvent l = label.value();
        if (l != null && l.timestamp() + horizon(l.modelId()) <= timestamp) {
            label.clear();
            unknown(l, ctx, "labels: no prediction " + l.predictionId() + " of model " + l.modelId()
                    + " within the label horizon of " + Duration.ofMillis(horizon(l.modelId())));
        }
    }

    private void emit(PredictionRef p, LabelEvent l, Collector<LabelOutcome> out) {
        matched.inc();
        out.collect(new LabelOutcome(LabelOutcome.MATCHED, p.modelId(), p.modelVersion(), p.timestamp(), l.timestamp(),
                p.predictionKind(), p.numericPrediction(), p.categoricalPrediction(), l.labelKind(), l.numericLabel(),
                l.categoricalLabel()));
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
        ctx.output(Descriptors.DEAD_LETTERS, new DeadLetter(labelsTopic, -1, -1, null, reason, payload, null));
    }
}
