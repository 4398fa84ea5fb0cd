package io.modelwatch.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
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
                OperatorIdentifier.forUid(OperatorIds.MODEL_MONITOR), new BytesReader(MODEL_MONITOR_STATES), Types.STRING,
                TypeInformation.of(Size.class)).executeAndCollect("modelwatch state sizes: model monitor")));
        sizes.addAll(sum(OperatorIds.PERFORMANCE_MONITOR, savepoint.readKeyedState(
                OperatorIdentifier.forUid(OperatorIds.PERFORMANCE_MONITOR), new BytesReader(PERFORMANCE_MONITOR_STATES),
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

    /** How a state holds its {@code byte[]} values. */
    enum Kind { VALUE, LIST, MAP_BY_LONG }

    /** A state of {@code byte[]} values, by the name its operator registers it under. */
    record Named(String name, Kind kind) implements java.io.Serializable {}

    /** The model monitor's states, as {@code MonitorStateDescriptors} names them. */
    static final List<Named> MODEL_MONITOR_STATES = List.of(new Named("reference", Kind.VALUE),
            new Named("learning", Kind.VALUE), new Named("learningChunks", Kind.LIST),
            new Named("windows", Kind.MAP_BY_LONG), new Named("pending", Kind.VALUE),
            new Named("pendingChunks", Kind.LIST), new Named("detectors", Kind.VALUE));

    /** The performance monitor's byte-valued states, as {@code PerformanceMonitorFunction} registers them. */
    static final List<Named> PERFORMANCE_MONITOR_STATES = List.of(new Named("spans", Kind.MAP_BY_LONG),
            new Named("spanIndex", Kind.VALUE), new Named("performance", Kind.MAP_BY_LONG),
            new Named("performanceIndex", Kind.VALUE), new Named("performanceReference", Kind.VALUE),
            new Named("labelsAhead", Kind.MAP_BY_LONG), new Named("segmentCounts", Kind.MAP_BY_LONG),
            new Named("segmentReference", Kind.VALUE), new Named("segmentNames", Kind.VALUE));

    /** Per key, the entries and value bytes of each of {@code states}. */
    static final class BytesReader extends KeyedStateReaderFunction<String, Size> {
        private final List<Named> states;
        private transient List<Object> handles;

        BytesReader(List<Named> states) {
            this.states = states;
        }

        @Override
        public void open(OpenContext openContext) {
            handles = new ArrayList<>();
            for (Named n : states) {
                handles.add(switch (n.kind()) {
                    case VALUE -> getRuntimeContext().getState(
                            new ValueStateDescriptor<>(n.name(), PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
                    case LIST -> getRuntimeContext().getListState(
                            new ListStateDescriptor<>(n.name(), PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
                    case MAP_BY_LONG -> getRuntimeContext().getMapState(new MapStateDescriptor<>(n.name(), Types.LONG,
                            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
                });
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public void readKey(String key, Context ctx, Collector<Size> out) throws Exception {
            for (int i = 0; i < states.size(); i++) {
                Object h = handles.get(i);
                Iterable<byte[]> values = switch (states.get(i).kind()) {
                    case VALUE -> {
                        byte[] b = ((ValueState<byte[]>) h).value();
                        yield b == null ? List.of() : List.of(b);
                    }
                    case LIST -> ((ListState<byte[]>) h).get();
                    case MAP_BY_LONG -> ((MapState<Long, byte[]>) h).values();
                };
                long n = 0;
                long bytes = 0;
                if (values != null) {
                    for (byte[] b : values) {
                        n++;
                        bytes += b.length;
                    }
                }
                if (n > 0) {
                    out.collect(new Size(null, states.get(i).name(), 1, n, bytes));
                }
            }
        }
    }
}
