package io.modelwatch.functions;

import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.SequentialEvidence;
import io.modelwatch.detect.SequentialMonitor;
import io.modelwatch.detect.WindowEvaluation;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.ModelProfile;
import io.modelwatch.stats.ReferenceProfile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The heart of the job, keyed by model version ({@link ModelKey}). For each event it either
 * learns the reference (the first {@code reference.events} events of the version, unless a
 * reference was given for the version with {@code run --references}) or adds the event to its
 * event-time window's profile. When the watermark passes a window's end, the window
 * is compared with the reference ({@link DriftEvaluator}): a {@link HealthReport} goes out on the
 * main output and, if it drifted, {@link DriftSignal}s on {@link Descriptors#DRIFT_SIGNALS}.
 *
 * <p>Each evaluated window also feeds the model's sequential detectors ({@link SequentialMonitor}:
 * CUSUM and Page-Hinkley per numeric signal, a few dozen bytes each in state), whose alarms count
 * as evidence of that window.
 *
 * <p>Windows with fewer than {@code window.minEvents} events are merged into the next one until
 * the span has enough, so low-traffic models are judged on samples large enough to trust.
 * Events behind an already evaluated window are counted as late in the next report.
 *
 * <p>State (RocksDB in production) is kept as explicit, versioned binary profiles
 * ({@link ModelProfile#writeTo}, {@link ReferenceProfile#writeTo}), not Kryo, so it can evolve.
 */
public final class ModelMonitorFunction extends KeyedProcessFunction<String, PredictionEvent, HealthReport> {
    /** Decoded references of recently active keys; a reference never changes once frozen. */
    private static final int REFERENCE_CACHE_SIZE = 4096;

    private final ThresholdsConfig config;
    /** References given up front (run --references), binary, by model key. */
    private final Map<String, byte[]> givenReferences;

    private transient ValueState<byte[]> reference;
    private transient ValueState<byte[]> learning;
    private transient MapState<Long, byte[]> windows;
    private transient ValueState<byte[]> pending;
    private transient ValueState<MonitorStatus> status;
    private transient ValueState<byte[]> detectors;
    private transient Map<String, ReferenceProfile> referenceCache;
    private transient Counter windowsEvaluated;
    private transient Counter driftedWindows;

    public ModelMonitorFunction(ThresholdsConfig config) {
        this(config, Map.of());
    }

    /**
     * @param givenReferences reference profiles by {@link ModelKey} (binary form): such a model
     *     version is judged against its given reference from its first event, with no warm-up. A
     *     version that already has a reference in state keeps it (windows in flight were counted
     *     on its bins); replacing a running version's reference is a control-topic command.
     */
    public ModelMonitorFunction(ThresholdsConfig config, Map<String, byte[]> givenReferences) {
        this.config = config;
        this.givenReferences = givenReferences == null ? Map.of() : Map.copyOf(givenReferences);
    }

    @Override
    public void open(OpenContext openContext) {
        reference = getRuntimeContext().getState(
                new ValueStateDescriptor<>("reference", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        learning = getRuntimeContext().getState(
                new ValueStateDescriptor<>("learning", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        windows = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("windows", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        pending = getRuntimeContext().getState(
                new ValueStateDescriptor<>("pending", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        status = getRuntimeContext().getState(
                new ValueStateDescriptor<>("status", TypeInformation.of(MonitorStatus.class)));
        detectors = getRuntimeContext().getState(
                new ValueStateDescriptor<>("detectors", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        referenceCache = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ReferenceProfile> eldest) {
                return size() > REFERENCE_CACHE_SIZE;
            }
        };
        var group = getRuntimeContext().getMetricGroup().addGroup(Descriptors.METRIC_GROUP);
        windowsEvaluated = group.counter("windowsEvaluated");
        driftedWindows = group.counter("driftedWindows");
    }

    @Override
    public void processElement(PredictionEvent e, Context ctx, Collector<HealthReport> out) throws Exception {
        Thresholds t = config.forModel(e.modelId());
        MonitorStatus st = statusOrNew();
        st.eventsSeen++;
        long size = t.windowSize().toMillis();
        long ts = ctx.timestamp();
        long windowStart = ts - Math.floorMod(ts, size);
        long windowEnd = windowStart + size;
        if (windowEnd <= st.lastFiredWindowEnd || windowEnd - 1 <= ctx.timerService().currentWatermark()) {
            st.lateSinceReport++;
            status.update(st);
            return;
        }

        String key = ctx.getCurrentKey();
        ReferenceProfile ref = reference(key);
        byte[] windowBytes = windows.get(windowStart);
        ModelProfile window;
        if (windowBytes != null) {
            window = ModelProfile.fromBytes(windowBytes);
        } else {
            window = ref != null ? ModelProfile.against(ref) : new ModelProfile();
            ctx.timerService().registerEventTimeTimer(windowEnd - 1);
        }
        if (ref == null) {
            learn(e, t, key);
            window.add(e);
        } else if (window.binned()) {
            window.add(e, ref);
        } else {
            // The window began while the reference was still being learned; it reports as warm-up.
            window.add(e);
        }
        windows.put(windowStart, window.toBytes());
        status.update(st);
    }

    private void learn(PredictionEvent e, Thresholds t, String key) throws Exception {
        byte[] bytes = learning.value();
        ModelProfile learned = bytes == null ? new ModelProfile() : ModelProfile.fromBytes(bytes);
        learned.add(e);
        if (learned.events() >= t.referenceEvents()) {
            ReferenceProfile frozen = ReferenceProfile.freeze(learned, t.numericBins(), t.categoryBins());
            reference.update(frozen.toBytes());
            referenceCache.put(key, frozen);
            learning.clear();
        } else {
            learning.update(learned.toBytes());
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<HealthReport> out) throws Exception {
        String key = ctx.getCurrentKey();
        String modelId = ModelKey.modelId(key);
        Thresholds t = config.forModel(modelId);
        long size = t.windowSize().toMillis();
        long windowEnd = timestamp + 1;
        long windowStart = windowEnd - size;
        byte[] bytes = windows.get(windowStart);
        if (bytes == null) {
            return;
        }
        windows.remove(windowStart);
        ModelProfile window = ModelProfile.fromBytes(bytes);
        MonitorStatus st = statusOrNew();
        st.lastFiredWindowEnd = Math.max(st.lastFiredWindowEnd, windowEnd);
        long spanMillis = t.escalationWithin().toMillis();
        ReferenceProfile ref = reference(key);

        if (!window.binned() || ref == null) {
            byte[] learnedBytes = learning.value();
            long referenceEvents = ref != null ? ref.events() : learnedBytes == null ? 0 : ModelProfile.fromBytes(learnedBytes).events();
            out.collect(DriftEvaluator.summary(HealthReport.WARMING_UP, window, referenceEvents, t,
                    context(key, windowStart, windowEnd, st, st.driftedWithin(windowEnd, spanMillis))));
            st.lateSinceReport = 0;
            status.update(st);
            return;
        }

        byte[] pendingBytes = pending.value();
        long spanStart = windowStart;
        if (pendingBytes != null) {
            ModelProfile acc = ModelProfile.fromBytes(pendingBytes);
            acc.merge(window);
            window = acc;
            spanStart = st.pendingStart;
        }
        if (window.events() < t.minWindowEvents()) {
            pending.update(window.toBytes());
            st.pendingStart = spanStart;
            out.collect(DriftEvaluator.summary(HealthReport.ACCUMULATING, window, ref.events(), t,
                    context(key, spanStart, windowEnd, st, st.driftedWithin(windowEnd, spanMillis))));
            st.lateSinceReport = 0;
            status.update(st);
            return;
        }
        pending.clear();
        st.pendingStart = -1;

        int driftedBefore = st.driftedWithin(windowEnd, spanMillis);
        byte[] detectorBytes = detectors.value();
        SequentialMonitor sequential = detectorBytes == null ? new SequentialMonitor()
                : SequentialMonitor.fromBytes(detectorBytes);
        List<SequentialEvidence> sequentialEvidence = sequential.update(ref, window, t);
        detectors.update(sequential.toBytes());
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window, t,
                context(key, spanStart, windowEnd, st, driftedBefore), sequentialEvidence);
        st.recordWindow(windowEnd, eval.drifted(), spanMillis);
        st.lateSinceReport = 0;
        status.update(st);

        windowsEvaluated.inc();
        out.collect(eval.report());
        if (eval.drifted()) {
            driftedWindows.inc();
            for (DriftSignal s : eval.signals()) {
                ctx.output(Descriptors.DRIFT_SIGNALS, s);
            }
        }
    }

    private DriftEvaluator.Context context(String key, long start, long end, MonitorStatus st, int driftedBefore) {
        return new DriftEvaluator.Context(ModelKey.modelId(key), ModelKey.modelVersion(key), start, end,
                st.eventsSeen, st.lateSinceReport, driftedBefore, config.version());
    }

    private ReferenceProfile reference(String key) throws Exception {
        ReferenceProfile cached = referenceCache.get(key);
        if (cached != null) {
            return cached;
        }
        byte[] bytes = reference.value();
        if (bytes == null) {
            bytes = givenReferences.get(key);
            if (bytes == null) {
                return null;
            }
            // Adopted into state, so a restart without the file keeps judging against it.
            reference.update(bytes);
            learning.clear();
        }
        ReferenceProfile ref = ReferenceProfile.fromBytes(bytes);
        referenceCache.put(key, ref);
        return ref;
    }

    private MonitorStatus statusOrNew() throws Exception {
        MonitorStatus st = status.value();
        return st != null ? st : new MonitorStatus();
    }
}
