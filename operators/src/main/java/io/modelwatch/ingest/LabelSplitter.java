package io.modelwatch.ingest;

import io.modelwatch.model.MetricNames;
import io.modelwatch.model.SideOutputs;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.model.LabelEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Labels go on; dead letters of the labels topic go to {@link SideOutputs#DEAD_LETTERS}, counted. */
public final class LabelSplitter extends ProcessFunction<IngestRecord, LabelEvent> {
    private transient Counter labelsIn;
    private transient Counter deadLetters;

    @Override
    public void open(OpenContext openContext) {
        var group = getRuntimeContext().getMetricGroup().addGroup(MetricNames.GROUP);
        labelsIn = group.counter("labelsIn");
        deadLetters = group.counter("deadLetters");
    }

    @Override
    public void processElement(IngestRecord value, Context ctx, Collector<LabelEvent> out) {
        if (value.isDead()) {
            deadLetters.inc();
            ctx.output(SideOutputs.DEAD_LETTERS, value.deadLetter());
        } else {
            labelsIn.inc();
            out.collect(value.label());
        }
    }
}
