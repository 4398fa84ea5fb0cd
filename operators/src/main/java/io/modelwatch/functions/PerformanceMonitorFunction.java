package io.modelwatch.functions;

import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.detect.PerformanceDecay;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.serde.Json;
import io.modelwatch.stats.PerformanceAccumulator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Adds model performance to the health reports, keyed by model version. Labels are counted in
 * the window of their <em>prediction's</em> event time; a report goes out as revision 0 when its
 * window closes (with whatever labels already arrived), and again as revision 1, 2, ... each time
 * labels for its span arrive later, until the label horizon has passed. Revisions are emitted at
 * the end of each label-time window (event time), so replays produce the same revisions.
 *
 * <p>The first {@code performance.referenceLabels} labelled predictions of the version are its
 * performance reference. When a span first has {@code performance.minLabels} labels it is
 * assessed once ({@link PerformanceDecay}); decay becomes a PERFORMANCE_DECAY signal on
 * {@link Descriptors#DRIFT_SIGNALS}, escalated by the same CEP pattern as drift.
 */
public final class PerformanceMonitorFunction
        extends KeyedCoProcessFunction<String, HealthReport, LabelOutcome, HealthReport> {
    private final ThresholdsConfig config;

    /** Reports awaiting labels, by span start: revision, assessed flag, span end, report JSON. */
    private transient MapState<Long, byte[]> spans;
    /** Performance per fixed window of prediction time. */
    private transient MapState<Long, byte[]> windows;
    /** Fixed windows that received labels since the last flush. */
    private transient MapState<Long, Boolean> dirty;
    private transient ValueState<byte[]> reference;

    public PerformanceMonitorFunction(ThresholdsConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        spans = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("spans", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        windows = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("performance", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        dirty = getRuntimeContext().getMapState(new MapStateDescriptor<>("dirty", Types.LONG, Types.BOOLEAN));
        reference = getRuntimeContext().getState(
                new ValueStateDescriptor<>("performanceReference", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    private record Span(int revision, boolean assessed, long end, byte[] report) {
        byte[] toBytes() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(report.length + 32);
            DataOutputStream out = new DataOutputStream(b);
            out.writeByte(1);
            out.writeInt(revision);
            out.writeBoolean(assessed);
            out.writeLong(end);
            out.writeInt(report.length);
            out.write(report);
            return b.toByteArray();
        }

        static Span of(byte[] bytes) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            in.readByte();
            int revision = in.readInt();
            boolean assessed = in.readBoolean();
            long end = in.readLong();
            byte[] report = new byte[in.readInt()];
            in.readFully(report);
            return new Span(revision, assessed, end, report);
        }
    }

    @Override
    public void processElement1(HealthReport r, Context ctx, Collector<HealthReport> out) throws Exception {
        if (!covers(r)) {
            out.collect(r);
            return;
        }
        Thresholds t = config.forModel(r.modelId());
        long start = Instant.parse(r.windowStart()).toEpochMilli();
        long end = Instant.parse(r.windowEnd()).toEpochMilli();
        PerformanceAccumulator acc = performance(start, end, t);
        boolean assessed = false;
        HealthReport emitted = r;
        if (acc.labeled() > 0) {
            assessed = assess(r, start, end, acc, t, ctx);
            emitted = r.withPerformance(acc.summary(referenceOrNull(t), decayed(acc, t), r.events()), 0);
        }
        out.collect(emitted);
        spans.put(start, new Span(0, assessed, end, Json.toBytes(r)).toBytes());
        ctx.timerService().registerEventTimeTimer(end + t.labelHorizon().toMillis());
    }

    /** Reports of spans whose predictions can get labels; silence reports carry none. */
    private static boolean covers(HealthReport r) {
        return !HealthReport.SILENT.equals(r.status()) && r.events() > 0;
    }

    @Override
    public void processElement2(LabelOutcome o, Context ctx, Collector<HealthReport> out) throws Exception {
        Thresholds t = config.forModel(o.modelId());
        long size = t.windowSize().toMillis();
        long w = o.predictionTimestamp() - Math.floorMod(o.predictionTimestamp(), size);
        byte[] bytes = windows.get(w);
        PerformanceAccumulator acc = bytes == null ? new PerformanceAccumulator() : PerformanceAccumulator.fromBytes(bytes);
        acc.add(o);
        windows.put(w, acc.toBytes());
        if (bytes == null) {
            ctx.timerService().registerEventTimeTimer(w + size + t.labelHorizon().toMillis());
        }
        if (o.matched()) {
            byte[] refBytes = reference.value();
            PerformanceAccumulator ref = refBytes == null ? new PerformanceAccumulator()
                    : PerformanceAccumulator.fromBytes(refBytes);
            if (ref.labeled() < t.referenceLabels()) {
                ref.add(o);
                reference.update(ref.toBytes());
            }
        }
        if (!o.matched()) {
            return;
        }
        dirty.put(w, Boolean.TRUE);
        long stamp = Math.max(o.labelTimestamp(), ctx.timerService().currentWatermark() + 1);
        ctx.timerService().registerEventTimeTimer(stamp - Math.floorMod(stamp, size) + size - 1);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<HealthReport> out) throws Exception {
        String modelId = ModelKey.modelId(ctx.getCurrentKey());
        Thresholds t = config.forModel(modelId);
        long size = t.windowSize().toMillis();
        long horizon = t.labelHorizon().toMillis();
        List<Long> touched = new ArrayList<>();
        for (Long w : dirty.keys()) {
            touched.add(w);
        }
        dirty.clear();
        List<Long> expired = new ArrayList<>();
        List<Map.Entry<Long, byte[]>> ordered = new ArrayList<>();
        spans.entries().forEach(ordered::add);
        // Oldest span first whatever the state backend's iteration order: replays emit the same.
        ordered.sort(Map.Entry.comparingByKey());
        for (Map.Entry<Long, byte[]> e : ordered) {
            Span s = Span.of(e.getValue());
            long start = e.getKey();
            if (s.end() + horizon <= timestamp) {
                expired.add(start);
                continue;
            }
            boolean hit = false;
            for (long w : touched) {
                if (w + size > start && w < s.end()) {
                    hit = true;
                    break;
                }
            }
            if (!hit) {
                continue;
            }
            HealthReport r = Json.read(s.report(), HealthReport.class);
            PerformanceAccumulator acc = performance(start, s.end(), t);
            boolean assessed = s.assessed() || assess(r, start, s.end(), acc, t, ctx);
            int revision = s.revision() + 1;
            out.collect(r.withPerformance(acc.summary(referenceOrNull(t), decayed(acc, t), r.events()), revision));
            spans.put(start, new Span(revision, assessed, s.end(), s.report()).toBytes());
        }
        for (Long start : expired) {
            spans.remove(start);
        }
        List<Long> oldWindows = new ArrayList<>();
        for (Long w : windows.keys()) {
            if (w + size + horizon <= timestamp) {
                oldWindows.add(w);
            }
        }
        for (Long w : oldWindows) {
            windows.remove(w);
        }
    }

    private PerformanceAccumulator performance(long start, long end, Thresholds t) throws Exception {
        long size = t.windowSize().toMillis();
        PerformanceAccumulator acc = new PerformanceAccumulator();
        for (long w = start - Math.floorMod(start, size); w < end; w += size) {
            byte[] b = windows.get(w);
            if (b != null) {
                acc.merge(PerformanceAccumulator.fromBytes(b));
            }
        }
        return acc;
    }

    private PerformanceAccumulator referenceOrNull(Thresholds t) throws Exception {
        byte[] b = reference.value();
        if (b == null) {
            return null;
        }
        PerformanceAccumulator ref = PerformanceAccumulator.fromBytes(b);
        return ref.labeled() >= t.referenceLabels() ? ref : null;
    }

    private boolean decayed(PerformanceAccumulator acc, Thresholds t) throws Exception {
        PerformanceAccumulator ref = referenceOrNull(t);
        return ref != null && PerformanceDecay.assess(ref, acc, t) != null;
    }

    /** Assesses a span once it has enough labels; true when it was assessed (decayed or not). */
    private boolean assess(HealthReport r, long start, long end, PerformanceAccumulator acc, Thresholds t, Context ctx)
            throws Exception {
        PerformanceAccumulator ref = referenceOrNull(t);
        if (ref == null || Math.max(acc.classified(), acc.regressed()) < t.minLabels()) {
            return false;
        }
        PerformanceDecay.Finding f = PerformanceDecay.assess(ref, acc, t);
        if (f != null) {
            Evidence e = new Evidence("performance", f.statistic(), f.value(), f.threshold(),
                    Instant.ofEpochMilli(end).toString());
            ctx.output(Descriptors.DRIFT_SIGNALS, new DriftSignal(r.modelId(), r.modelVersion(),
                    RetrainTrigger.PERFORMANCE_DECAY, start, end, r.eventsSeen(), new Evidence[] {e}, f.critical(),
                    r.thresholdsVersion()));
        }
        return true;
    }
}
