package io.modelwatch.jobs;

import io.modelwatch.monitor.MonitorStateDescriptors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

/**
 * What the two monitors' keyed state holds, by state name: entries and their values' bytes, read
 * out of a savepoint with the State Processor API. For the bench's live state
 * (docs/benchmarks.md): a savepoint's size per operator says how much, this says of what (the
 * reference being learned, the open windows, the reports kept for revisions...).
 *
 * <p>Only the states that hold {@code byte[]} values (the job's own formats) are read: their
 * values' lengths are what the job wrote. Keys, namespaces and the savepoint's framing are not
 * counted, so the sums are below the operator's savepoint size.
 */
public final class StateSizes {
    /** One state of one operator: the model versions holding it, its entries and their value bytes. */
    public record Size(String operator, String state, long versions, long entries, long bytes) {}

    private StateSizes() {}

    /** The byte-valued states of the model and performance monitors, largest first within each. */
    public static List<Size> read(StreamExecutionEnvironment env, String savepointPath) throws Exception {
        SavepointReader savepoint = SavepointReader.read(env, savepointPath, new EmbeddedRocksDBStateBackend());
        List<Size> sizes = new ArrayList<>();
        sizes.addAll(sum(OperatorIds.MODEL_MONITOR, savepoint.readKeyedState(
                OperatorIdentifier.forUid(OperatorIds.MODEL_MONITOR), new ModelMonitorReader(), Types.STRING,
                TypeInformation.of(Size.class)).executeAndCollect("modelwatch state sizes: model monitor")));
        sizes.addAll(sum(OperatorIds.PERFORMANCE_MONITOR, savepoint.readKeyedState(
                OperatorIdentifier.forUid(OperatorIds.PERFORMANCE_MONITOR), new PerformanceMonitorReader(),
                Types.STRING, TypeInformation.of(Size.class)).executeAndCollect(
                        "modelwatch state sizes: performance monitor")));
        return sizes;
    }

    private static List<Size> sum(String operator, CloseableIterator<Size> perKey) throws Exception {
        Map<String, long[]> byState = new TreeMap<>();
        try (perKey) {
            perKey.forEachRemaining(s -> {
                long[] t = byState.computeIfAbsent(s.state(), k -> new long[3]);
                t[0] += s.versions();
                t[1] += s.entries();
                t[2] += s.bytes();
            });
        }
        List<Size> sizes = new ArrayList<>();
        byState.forEach((state, t) -> sizes.add(new Size(operator, state, t[0], t[1], t[2])));
        sizes.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
        return sizes;
    }

    /** One key's entries and bytes of a state; nothing when the key holds none. */
    private static void emit(Collector<Size> out, String state, long entries, long bytes) {
        if (entries > 0) {
            out.collect(new Size(null, state, 1, entries, bytes));
        }
    }

    private static void value(Collector<Size> out, String state, ValueState<byte[]> v) throws Exception {
        byte[] b = v.value();
        emit(out, state, b == null ? 0 : 1, b == null ? 0 : b.length);
    }

    private static void list(Collector<Size> out, String state, ListState<byte[]> l) throws Exception {
        long n = 0;
        long bytes = 0;
        Iterable<byte[]> values = l.get();
        if (values != null) {
            for (byte[] b : values) {
                n++;
                bytes += b.length;
            }
        }
        emit(out, state, n, bytes);
    }

    private static void map(Collector<Size> out, String state, MapState<Long, byte[]> m) throws Exception {
        long n = 0;
        long bytes = 0;
        for (byte[] b : m.values()) {
            n++;
            bytes += b.length;
        }
        emit(out, state, n, bytes);
    }

    private static ValueStateDescriptor<byte[]> bytesValue(String name) {
        return new ValueStateDescriptor<>(name, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    private static MapStateDescriptor<Long, byte[]> bytesByLong(String name) {
        return new MapStateDescriptor<>(name, Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /** The model monitor's states, as {@link MonitorStateDescriptors} names them. */
    static final class ModelMonitorReader extends KeyedStateReaderFunction<String, Size> {
        private transient ValueState<byte[]> reference;
        private transient ValueState<byte[]> learning;
        private transient ListState<byte[]> learningChunks;
        private transient MapState<Long, byte[]> windows;
        private transient ValueState<byte[]> pending;
        private transient ListState<byte[]> pendingChunks;
        private transient ValueState<byte[]> detectors;

        @Override
        public void open(OpenContext openContext) {
            reference = getRuntimeContext().getState(MonitorStateDescriptors.reference());
            learning = getRuntimeContext().getState(MonitorStateDescriptors.learning());
            learningChunks = getRuntimeContext().getListState(MonitorStateDescriptors.learningChunks());
            windows = getRuntimeContext().getMapState(MonitorStateDescriptors.windows());
            pending = getRuntimeContext().getState(MonitorStateDescriptors.pending());
            pendingChunks = getRuntimeContext().getListState(MonitorStateDescriptors.pendingChunks());
            detectors = getRuntimeContext().getState(MonitorStateDescriptors.detectors());
        }

        @Override
        public void readKey(String key, Context ctx, Collector<Size> out) throws Exception {
            value(out, "reference", reference);
            value(out, "learning", learning);
            list(out, "learningChunks", learningChunks);
            map(out, "windows", windows);
            value(out, "pending", pending);
            list(out, "pendingChunks", pendingChunks);
            value(out, "detectors", detectors);
        }
    }

    /** The performance monitor's byte-valued states, under the names it registers them. */
    static final class PerformanceMonitorReader extends KeyedStateReaderFunction<String, Size> {
        private transient MapState<Long, byte[]> spans;
        private transient ValueState<byte[]> spanIndex;
        private transient MapState<Long, byte[]> performance;
        private transient ValueState<byte[]> performanceIndex;
        private transient ValueState<byte[]> performanceReference;
        private transient MapState<Long, byte[]> labelsAhead;
        private transient MapState<Long, byte[]> segmentCounts;
        private transient ValueState<byte[]> segmentReference;
        private transient ValueState<byte[]> segmentNames;

        @Override
        public void open(OpenContext openContext) {
            spans = getRuntimeContext().getMapState(bytesByLong("spans"));
            spanIndex = getRuntimeContext().getState(bytesValue("spanIndex"));
            performance = getRuntimeContext().getMapState(bytesByLong("performance"));
            performanceIndex = getRuntimeContext().getState(bytesValue("performanceIndex"));
            performanceReference = getRuntimeContext().getState(bytesValue("performanceReference"));
            labelsAhead = getRuntimeContext().getMapState(bytesByLong("labelsAhead"));
            segmentCounts = getRuntimeContext().getMapState(bytesByLong("segmentCounts"));
            segmentReference = getRuntimeContext().getState(bytesValue("segmentReference"));
            segmentNames = getRuntimeContext().getState(bytesValue("segmentNames"));
        }

        @Override
        public void readKey(String key, Context ctx, Collector<Size> out) throws Exception {
            map(out, "spans", spans);
            value(out, "spanIndex", spanIndex);
            map(out, "performance", performance);
            value(out, "performanceIndex", performanceIndex);
            value(out, "performanceReference", performanceReference);
            map(out, "labelsAhead", labelsAhead);
            map(out, "segmentCounts", segmentCounts);
            value(out, "segmentReference", segmentReference);
            value(out, "segmentNames", segmentNames);
        }
    }
}
