package io.modelwatch.labels;

import io.modelwatch.config.ThresholdsParser;
import io.modelwatch.model.LabelEvent;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.PredictionRef;
import io.modelwatch.model.ValueKind;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.state.SerializedCompositeKeyBuilder;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.ttl.TtlStateFactory;
import org.apache.flink.runtime.state.ttl.TtlValue;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;

/**
 * The price of a prediction waiting for its label, before ({@code prediction}, Flink's POJO
 * serializer of {@link PredictionRef}, as the build before {@code waitingPrediction} kept it) and
 * now ({@code waitingPrediction}, {@link WaitingPredictionSerializer}), for the bench's prediction
 * ({@code model-00042}, its id {@code model-00042-<epoch ms>}, version 1, a score and, from its
 * categorical and numeric features, every segment code) and for the same without features (no
 * segment code):
 * <ul>
 *   <li>bytes as RocksDB stores them: the key (key-group byte, the key {@code modelId US
 *       predictionId} as Flink's string serializer writes it, the namespace) and the value (the
 *       TTL's 8-byte timestamp, then the prediction);</li>
 *   <li>bytes per waiting prediction in a canonical savepoint of the join on RocksDB: (size with 20,000
 *       waiting - size with none) / 20,000;</li>
 *   <li>CPU per prediction of the join on RocksDB: N predictions of 1,000 models, a tenth of them
 *       labelled ten minutes of stream later, each the bench's prediction; this thread's CPU time and the process's (RocksDB's
 *       flushes and compactions run on threads of their own).</li>
 * </ul>
 * Not a test (a figure for docs/benchmarks.md); arguments: N (200,000), rounds (5), before and now
 * alternating; run from the
 * repository root after {@code mvn -pl operators -am test-compile}, as
 * {@link PerformanceMonitorCpuTime} says.
 */
public final class WaitingPredictionCost {
    private static final long START = 1_764_144_000_120L;

    private WaitingPredictionCost() {}

    /** The label join of the build before {@code waitingPrediction} (commit 290bdc2), its state as it was. */
    static final class EarlierLabelJoin extends KeyedCoProcessFunction<String, PredictionRef, LabelEvent, LabelOutcome> {
        private transient ValueState<PredictionRef> prediction;
        private transient ValueState<LabelEvent> label;

        @Override
        public void open(OpenContext openContext) {
            ValueStateDescriptor<PredictionRef> d =
                    new ValueStateDescriptor<>("prediction", TypeInformation.of(PredictionRef.class));
            d.enableTimeToLive(LabelJoinFunction.ttl(java.time.Duration.ofHours(24)));
            prediction = getRuntimeContext().getState(d);
            label = getRuntimeContext().getState(new ValueStateDescriptor<>("label", TypeInformation.of(LabelEvent.class)));
        }

        @Override
        public void processElement1(PredictionRef p, Context ctx, Collector<LabelOutcome> out) throws Exception {
            if (label.value() != null) {
                label.clear();
                return;
            }
            prediction.update(p);
        }

        @Override
        public void processElement2(LabelEvent l, Context ctx, Collector<LabelOutcome> out) throws Exception {
            PredictionRef p = prediction.value();
            if (p != null) {
                prediction.clear();
                out.collect(new LabelOutcome(LabelOutcome.MATCHED, p.modelId(), p.modelVersion(), p.timestamp(),
                        l.timestamp(), p.predictionKind(), p.numericPrediction(), p.categoricalPrediction(),
                        l.labelKind(), l.numericLabel(), l.categoricalLabel(), p.segments(), p.numericNames(),
                        p.numericValues()));
            }
        }
    }

    static PredictionRef prediction(int i, boolean coded) {
        String model = String.format(Locale.ROOT, "model-%05d", i % 1000);
        long ts = START + i * 60L;
        return coded
                ? new PredictionRef(model, "1", model + "-" + ts, ts, ValueKind.NUMERIC, 0.7311, null,
                        0x1234_5678_9abc_def0L, 0x0001_0002_0003_0004L, 0x3F80_C000_7F80_FF80L)
                : new PredictionRef(model, "1", model + "-" + ts, ts, ValueKind.NUMERIC, 0.7311, null);
    }

    static KeyedTwoInputStreamOperatorTestHarness<String, PredictionRef, LabelEvent, LabelOutcome> harness(
            boolean earlier) throws Exception {
        KeyedCoProcessFunction<String, PredictionRef, LabelEvent, LabelOutcome> f = earlier ? new EarlierLabelJoin()
                : new LabelJoinFunction(ThresholdsParser.parse("defaults:\n  performance: {labelHorizon: 24h}\n"), "labels");
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(f), PredictionRef::joinKey,
                LabelEvent::joinKey, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.open();
        return h;
    }

    static <T> int bytes(TypeSerializer<T> serializer, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(value, out);
        return out.length();
    }

    static int keyBytes(PredictionRef p) {
        // One key-group byte: the job's maximum parallelism is at most 128 below parallelism 86.
        var key = new SerializedCompositeKeyBuilder<>(StringSerializer.INSTANCE, 1, 64);
        key.setKeyAndKeyGroup(p.joinKey(), 0);
        return key.buildCompositeKeyNamespace(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE).length;
    }

    static long savepointBytes(boolean earlier, boolean coded, int n) throws Exception {
        try (var h = harness(earlier)) {
            for (int i = 0; i < n; i++) {
                PredictionRef p = prediction(i, coded);
                h.processElement1(new StreamRecord<>(p, p.timestamp()));
            }
            return h.snapshotWithLocalState(1, 1, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                    .getJobManagerOwnedState().getStateSize();
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        TypeSerializer<PredictionRef> pojo = TypeInformation.of(PredictionRef.class)
                .createSerializer(new SerializerConfigImpl());
        var ttlPojo = new TtlStateFactory.TtlSerializer<>(LongSerializer.INSTANCE, pojo);
        var ttlWaiting = new TtlStateFactory.TtlSerializer<>(LongSerializer.INSTANCE, WaitingPredictionSerializer.INSTANCE);
        for (boolean coded : new boolean[] {false, true}) {
            PredictionRef p = prediction(42, coded);
            int key = keyBytes(p);
            int before = bytes(ttlPojo, new TtlValue<>(p, START));
            int now = bytes(ttlWaiting, new TtlValue<>(WaitingPrediction.of(p), START));
            long emptyBefore = savepointBytes(true, coded, 0);
            long emptyNow = savepointBytes(false, coded, 0);
            int m = 20_000; // within the test harness's 5 MB in-memory snapshot
            System.out.printf(Locale.ROOT, "%s: RocksDB key %d bytes; value before %d, now %d (key + value %d -> %d); "
                    + "canonical savepoint per waiting prediction before %.1f, now %.1f%n",
                    coded ? "the bench's prediction (every segment code)" : "without features (no segment code)", key, before, now, key + before, key + now,
                    (savepointBytes(true, coded, m) - emptyBefore) / (double) m,
                    (savepointBytes(false, coded, m) - emptyNow) / (double) m);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        PredictionRef[] predictions = new PredictionRef[n];
        for (int i = 0; i < n; i++) {
            predictions[i] = prediction(i, true);
        }
        double[][] threadUs = new double[2][rounds];
        double[][] processUs = new double[2][rounds];
        for (int round = 1; round <= rounds; round++) {
            for (boolean earlier : new boolean[] {true, false}) {
                try (var h = harness(earlier)) {
                    long thread0 = threads.getCurrentThreadCpuTime();
                    long process0 = os.getProcessCpuTime();
                    for (int i = 0; i < n; i++) {
                        PredictionRef p = predictions[i];
                        h.processElement1(new StreamRecord<>(p, p.timestamp()));
                        // Every tenth prediction's label, 10,000 predictions (ten minutes at the bench's rate) later.
                        int labelled = i - 10_000;
                        if (labelled >= 0 && labelled % 10 == 0) {
                            PredictionRef q = predictions[labelled];
                            h.processElement2(new StreamRecord<>(new LabelEvent(q.modelId(), q.predictionId(),
                                    p.timestamp(), ValueKind.NUMERIC, 1, null), p.timestamp()));
                        }
                        if (i % 10_000 == 0) {
                            h.getOutput().clear();
                        }
                    }
                    long thread = threads.getCurrentThreadCpuTime() - thread0;
                    long process = os.getProcessCpuTime() - process0;
                    threadUs[earlier ? 0 : 1][round - 1] = thread / 1e3 / n;
                    processUs[earlier ? 0 : 1][round - 1] = process / 1e3 / n;
                    System.out.printf(Locale.ROOT, "round %d, %s: %,d predictions, %,d labels: %.2f us CPU per "
                            + "prediction on this thread, %.2f in the process%n", round,
                            earlier ? "before (prediction, POJO)" : "now (waitingPrediction)", n, (n - 10_000) / 10,
                            thread / 1e3 / n, process / 1e3 / n);
                }
            }
        }
        // On a shared machine a round is slowed by whatever else runs: the least is the figure.
        for (int v = 0; v < 2; v++) {
            java.util.Arrays.sort(threadUs[v]);
            java.util.Arrays.sort(processUs[v]);
            System.out.printf(Locale.ROOT, "%s: least %.2f, median %.2f us CPU per prediction on this thread; "
                    + "least %.2f, median %.2f in the process%n", v == 0 ? "before" : "now", threadUs[v][0],
                    threadUs[v][rounds / 2], processUs[v][0], processUs[v][rounds / 2]);
        }
    }
}
