package io.modelwatch.labels;

import io.modelwatch.model.PredictionRef;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Lets through to the label join only the predictions of models that send labels: a model counts
 * as sending labels from the moment its first label has reached this operator (announced by
 * {@link FirstLabelPerModel} on the broadcast input, kept in broadcast state so it survives
 * restarts).
 *
 * <p>Why: the join keeps every prediction it receives for the label horizon (about 150 bytes
 * each in RocksDB, written once per event and checkpointed); for a model that never sends labels
 * that is pure cost, and it was most of the job's state and a large part of its CPU
 * (docs/benchmarks.md). The trade-off: a model's predictions from before its first label has
 * arrived are not kept, so the labels for them find no prediction and go to dead letters once
 * the horizon passes (docs/quality.md, "Performance with delayed labels"). On a fresh start
 * with labels a day late, that is a whole day of labels. So it is opt-in
 * ({@code run --label-join labelled-models}) for deployments where most models send no labels;
 * by default every prediction with an id goes to the join around this operator, which then
 * receives no prediction (it stays in the graph either way, with its state, so switching by
 * savepoint upgrade keeps the graph; in front of the join it would be a network hop per
 * prediction).
 */
public final class PredictionsOfLabelledModels extends BroadcastProcessFunction<PredictionRef, String, PredictionRef> {
    /** Model ids that have sent a label; the value is unused (broadcast state is a map). */
    public static final MapStateDescriptor<String, Boolean> LABELLED_MODELS =
            new MapStateDescriptor<>("labelled-models", Types.STRING, Types.BOOLEAN);

    private final boolean keepAll;

    /** Only predictions of models that have sent a label. */
    public PredictionsOfLabelledModels() {
        this(false);
    }

    /** @param keepAll every prediction passes (the default of the job) */
    public PredictionsOfLabelledModels(boolean keepAll) {
        this.keepAll = keepAll;
    }

    @Override
    public void processElement(PredictionRef p, ReadOnlyContext ctx, Collector<PredictionRef> out) throws Exception {
        if (keepAll || ctx.getBroadcastState(LABELLED_MODELS).contains(p.modelId())) {
            out.collect(p);
        }
    }

    @Override
    public void processBroadcastElement(String modelId, Context ctx, Collector<PredictionRef> out) throws Exception {
        ctx.getBroadcastState(LABELLED_MODELS).put(modelId, Boolean.TRUE);
    }
}
