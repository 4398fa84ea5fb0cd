package io.modelwatch.bench;

import io.modelwatch.ingest.PredictionSplitter;
import io.modelwatch.jobs.JsonRecordSerializer;
import io.modelwatch.model.IngestRecord;
import io.modelwatch.model.PredictionEvent;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The benchmark's baseline: what no monitor can avoid. Parse the JSON, key by model version,
 * count events in RocksDB state (a read and a write per event), write the counts exactly once.
 * modelwatch's throughput is reported as a ratio to this, on the same data in the same run.
 */
public final class PassThroughJob {
    private PassThroughJob() {}

    /** Per model version: its running count, emitted every 1,000 events and at the end. */
    public record ModelCount(String modelKey, long count) {}

    public static void build(StreamExecutionEnvironment env, Source<IngestRecord, ?, ?> source, Sink<ModelCount> sink) {
        env.fromSource(source, WatermarkStrategy.<IngestRecord>forMonotonousTimestamps()
                        .withTimestampAssigner((r, ts) -> r.eventTime()), "predictions")
                .uid("baseline-source")
                .process(new PredictionSplitter()).uid("baseline-parse")
                .keyBy(PredictionEvent::modelKey)
                .process(new CountFunction()).uid("baseline-count")
                .sinkTo(sink).uid("baseline-sink");
    }

    public static JsonRecordSerializer<ModelCount> serializer(String topic) {
        return new JsonRecordSerializer<>(topic, ModelCount::modelKey);
    }

    static final class CountFunction extends KeyedProcessFunction<String, PredictionEvent, ModelCount> {
        private transient ValueState<Long> count;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        public void processElement(PredictionEvent e, Context ctx, Collector<ModelCount> out) throws Exception {
            Long c = count.value();
            long n = c == null ? 1 : c + 1;
            count.update(n);
            if (n % 1000 == 0) {
                out.collect(new ModelCount(ctx.getCurrentKey(), n));
            }
        }
    }
}
