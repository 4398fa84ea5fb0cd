package io.modelwatch.ingest;

import io.modelwatch.model.MetricNames;
import io.modelwatch.model.SideOutputs;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.model.PredictionEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Events go on; dead letters go to the {@link SideOutputs#DEAD_LETTERS} side output, counted. */
public final class PredictionSplitter extends ProcessFunction<IngestRecord, PredictionEvent> {
    private transient Counter eventsIn;
    private transient Counter deadLetters;

    @Override
    public void open(OpenContext openContext) {
        var group = getRuntimeContext().getMetricGroup().addGroup(MetricNames.GROUP);
        eventsIn = group.counter("eventsIn");
        deadLetters = group.counter("deadLetters");
    }

    @Override
    public void processElement(IngestRecord value, Context ctx, Collector<PredictionEvent> out) {
        if (value.isDead()) {
            deadLetters.inc();
            ctx.output(SideOutputs.DEAD_LETTERS, value.deadLetter());
        } else {
            eventsIn.inc();
            out.collect(value.prediction());
        }
    }
}
