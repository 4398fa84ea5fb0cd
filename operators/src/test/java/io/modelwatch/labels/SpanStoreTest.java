package io.modelwatch.labels;

import static io.modelwatch.labels.PerformanceMonitorFunctionTest.MINUTE;
import static io.modelwatch.labels.PerformanceMonitorFunctionTest.harness;
import static io.modelwatch.labels.PerformanceMonitorFunctionTest.outcome;
import static io.modelwatch.labels.PerformanceMonitorFunctionTest.report;
import static io.modelwatch.labels.PerformanceMonitorFunctionTest.reports;
import static io.modelwatch.labels.PerformanceMonitorFunctionTest.watermarkAfter;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelwatch.model.HealthReport;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ModelKey;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The index of the kept window results ("spanIndex") stays what the results' headers say, through
 * revision 0, revisions and expiry, and a state without it and without the index of the
 * performance windows ("performanceIndex"), its dirty windows in the map "dirty" (a savepoint of
 * an earlier build), gets them rebuilt and sends the same reports.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SpanStoreTest {
    private static final MapStateDescriptor<Long, byte[]> SPANS = new MapStateDescriptor<>("spans", Types.LONG,
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    private static final ValueStateDescriptor<byte[]> INDEX = new ValueStateDescriptor<>("spanIndex",
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private static final ValueStateDescriptor<byte[]> WINDOW_INDEX = new ValueStateDescriptor<>("performanceIndex",
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private static KeyedStateBackend<Object> backend(
            KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h) {
        KeyedStateBackend<Object> backend = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        backend.setCurrentKey(ModelKey.of("m", "1"));
        return backend;
    }

    /** The headers of "spans", read the slow way, and those of the index. */
    private static void assertIndexMatchesSpans(
            KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h,
            int expectedSpans) throws Exception {
        KeyedStateBackend<Object> backend = backend(h);
        MapState<Long, byte[]> spans = backend.getPartitionedState(VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE, SPANS);
        ValueState<byte[]> index = backend.getPartitionedState(VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE, INDEX);
        TreeMap<Long, WindowResult.Header> fromSpans = new TreeMap<>();
        for (Map.Entry<Long, byte[]> e : spans.entries()) {
            fromSpans.put(e.getKey(), WindowResult.header(e.getValue()));
        }
        byte[] bytes = index.value();
        TreeMap<Long, WindowResult.Header> fromIndex = bytes == null ? new TreeMap<>()
                : SpanStore.Index.read(bytes).toMap();
        assertThat(fromIndex).isEqualTo(fromSpans);
        assertThat(fromSpans).hasSize(expectedSpans);
    }

    /**
     * What a savepoint of a build without the indexes restores to: no "spanIndex", no
     * "performanceIndex", the dirty windows in the map state "dirty".
     */
    private static void toEarlierBuildsState(
            KeyedTwoInputStreamOperatorTestHarness<String, HealthReport, LabelOutcome, HealthReport> h) throws Exception {
        KeyedStateBackend<Object> backend = backend(h);
        backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, INDEX).clear();
        ValueState<byte[]> windowIndex = backend.getPartitionedState(VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE, WINDOW_INDEX);
        long[] dirty = WindowIndex.Windows.read(windowIndex.value()).takeDirty();
        assertThat(dirty).containsExactly(3 * MINUTE);
        windowIndex.clear();
        MapState<Long, Boolean> legacyDirty = backend.getPartitionedState(VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE, new MapStateDescriptor<>("dirty", Types.LONG, Types.BOOLEAN));
        for (long w : dirty) {
            legacyDirty.put(w, Boolean.TRUE);
        }
    }

    /** Twelve windows with a 10-minute horizon, labels for some of them a window late. */
    private static List<String> run(boolean dropIndexHalfWay) throws Exception {
        try (var h = harness(true)) {
            for (int k = 0; k < 12; k++) {
                h.processElement1(report(k));
                if (k % 3 == 1) {
                    h.processElement2(new StreamRecord<>(outcome((k - 1) * MINUTE + 1_000, k * MINUTE + 5_000, 0.9, 1),
                            k * MINUTE + 5_000));
                }
                if (k == 5) {
                    // A label behind the watermark: window 3 is dirty until the next label-time window end.
                    h.processElement2(new StreamRecord<>(outcome(3 * MINUTE + 2_000, k * MINUTE - 30_000, 0.9, 0),
                            k * MINUTE - 30_000));
                    if (dropIndexHalfWay) {
                        toEarlierBuildsState(h);
                    }
                }
                h.processBothWatermarks(new Watermark(watermarkAfter(k)));
                // Windows 0..k kept, those ended 10 minutes (the horizon) before the watermark dropped.
                if (!dropIndexHalfWay) {
                    assertIndexMatchesSpans(h, Math.min(k + 1, 11));
                }
            }
            h.processBothWatermarks(new Watermark(watermarkAfter(30)));
            assertIndexMatchesSpans(h, 0);
            return reports(h).stream()
                    .map(r -> r.windowStart() + ":" + r.revision() + ":"
                            + (r.performance() == null ? 0 : r.performance().labeled()))
                    .toList();
        }
    }

    @Test
    void theIndexFollowsEveryChangeOfTheKeptResults() throws Exception {
        List<String> reports = run(false);
        // Revision 0 of every window, and a revision of each window a late label reached.
        assertThat(reports).hasSize(12 + 5);
    }

    @Test
    void aStateWithoutTheIndexGetsItRebuiltAndSendsTheSameReports() throws Exception {
        assertThat(run(true)).isEqualTo(run(false));
    }
}
