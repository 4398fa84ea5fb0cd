package io.modelwatch.labels;

import io.modelwatch.model.LabelEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by model id: emits a model's id the first time one of its labels arrives, and never again.
 * The deduplication happens here, upstream of the broadcast, so the broadcast to
 * {@link PredictionsOfLabelledModels} carries one record per model that sends labels, not one
 * per label.
 */
public final class FirstLabelPerModel extends KeyedProcessFunction<String, LabelEvent, String> {
    private transient ValueState<Boolean> announced;

    @Override
    public void open(OpenContext openContext) {
        announced = getRuntimeContext().getState(new ValueStateDescriptor<>("announced", Types.BOOLEAN));
    }

    @Override
    public void processElement(LabelEvent l, Context ctx, Collector<String> out) throws Exception {
        if (announced.value() == null) {
            announced.update(true);
            out.collect(l.modelId());
        }
    }
}
