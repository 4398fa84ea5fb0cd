package io.modelwatch.cluster;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A tiny stateful job for {@link LocalFlinkClusterITCase}: an endless, throttled sequence counted per
 * key in RocksDB keyed state. It needs nothing beyond Flink's lib/, so the test packs just this class
 * into a job jar and proves submit, stop-with-savepoint and restore without waiting for the real job.
 */
public final class CountingJob {

    private CountingJob() {}

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSequence(0, Long.MAX_VALUE).uid("sequence").name("Sequence")
                .map(new Throttle()).uid("throttle").name("Throttle")
                .keyBy(new Modulo())
                .map(new CountPerKey()).uid("count-per-key").name("Count per key")
                .sinkTo(new DiscardingSink<>()).uid("discard").name("Discard");
        env.execute("local-cluster counting job");
    }

    /** About 200 records a second: enough to have state, without taking a core from the machine. */
    static final class Throttle implements MapFunction<Long, Long> {
        @Override
        public Long map(Long value) throws Exception {
            Thread.sleep(5);
            return value;
        }
    }

    static final class Modulo implements KeySelector<Long, Long> {
        @Override
        public Long getKey(Long value) {
            return value % 4;
        }
    }

    static final class CountPerKey extends RichMapFunction<Long, Long> {
        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext openContext) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
        }

        @Override
        public Long map(Long value) throws Exception {
            long next = (count.value() == null ? 0 : count.value()) + 1;
            count.update(next);
            return next;
        }
    }
}
