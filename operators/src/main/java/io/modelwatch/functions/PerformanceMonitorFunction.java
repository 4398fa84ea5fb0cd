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
import io.modelwatch.stats.PendingOutcomes;
import io.modelwatch.stats.PerformanceAccumulator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Adds model performance to the health reports, keyed by model version. Labels are counted in
 * the window of their <em>prediction's</em> event time; a report goes out as revision 0 when the
 * watermark reaches its window's end, and again as revision 1, 2, ... at the end of each window
 * of <em>label</em> time in which labels for its span became known, until the label horizon has
 * passed.
 *
 * <p>Outputs depend on event time only, not on how fast either input is read: a label counts
 * from the end of the label-time window it falls in. One that arrives before the watermark has
 * reached its label time (a replay reading labels ahead, or simply labels less late than the
 * watermark's out-of-orderness) waits in {@code labelsAhead} until that window's end; so revision
 * 0 of a window counts exactly the labels whose label time is before the window's end, whenever
 * they were read. A label that arrives behind the watermark (late) counts at once and is
 * reported at the next label-time window end. Labels waiting for their window are applied in a
 * fixed order (label time, prediction time, content), so the performance reference (the first
 * labels) is the same in every replay too.
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
    /**
     * Outcomes whose label time the watermark has not reached, by the end of their label-time
     * window ({@link PendingOutcomes}); applied by the timer at that end. In chunks of
     * {@link #OUTCOMES_PER_CHUNK} ({@link #chunkKey}), so an append rewrites at most one small
     * chunk: one value per window would be copied whole at every label, quadratic in a busy
     * model's labels per minute.
     */
    private transient MapState<Long, byte[]> labelsAhead;
    /** How many outcomes wait in {@link #labelsAhead}, by label-time window end. */
    private transient MapState<Long, Integer> labelsAheadCount;
    private transient Counter labelsBeyondHorizon;
    /**
     * The reports waiting for revision 0, as objects, by model key and window start: the state
     * holds them as JSON (the source of truth after a restore), but reading a report back from
     * JSON when its window's watermark arrives, moments later, was most of this operator's time.
     * Bounded (a report with 25 features is some KB on the heap: 2,048 of them about 16 MB per
     * subtask; more models than that close windows at once in a busy minute, and the rest read
     * the state as before).
     */
    private transient Map<String, Awaiting> awaiting;
    private final boolean labelledModelsOnly;
    /** Set (only with {@link #labelledModelsOnly}) once the version has sent a label. */
    private transient ValueState<Boolean> labelsSeen;
    private static final int AWAITING_CACHE_SIZE = 2048;

    /**
     * A report waiting for revision 0 and its JSON, written once for the span's state: when the
     * report goes out unchanged (no labels yet, the usual case), the chained health sink takes the
     * same bytes ({@link Json#rememberBytes}) instead of writing the JSON again, which was a
     * quarter of this operator's time in a JFR profile of the default mode (docs/benchmarks.md).
     */
    private record Awaiting(HealthReport report, byte[] json) {}

    /** 64 outcomes (about 2.5 KB) per chunk of {@link #labelsAhead}. */
    static final int OUTCOMES_PER_CHUNK = 64;
    /**
     * Chunk slots per label-time window: 262,144 outcomes a window before the last chunk takes
     * the rest; window ends (epoch ms, below 2^42 until the year 2109) times this stay far inside a long.
     */
    static final long CHUNKS_PER_WINDOW = 4096;

    static long chunkKey(long labelWindowEnd, long chunk) {
        return labelWindowEnd * CHUNKS_PER_WINDOW + Math.min(chunk, CHUNKS_PER_WINDOW - 1);
    }

    public PerformanceMonitorFunction(ThresholdsConfig config) {
        this(config, false);
    }

    /**
     * @param labelledModelsOnly {@code run --label-join labelled-models}: a model version that has
     *     not sent a label keeps, after revision 0, only a summary of each window's report instead
     *     of the report (docs/quality.md). Revisions need the whole report, so such windows get no
     *     revision if labels for them come after all; their performance still counts and can still
     *     signal a decay. Without it, the label horizon's worth of reports is kept for every model
     *     version, labelled or not (at the defaults a day of one-minute windows: docs/benchmarks.md).
     */
    public PerformanceMonitorFunction(ThresholdsConfig config, boolean labelledModelsOnly) {
        this.config = config;
        this.labelledModelsOnly = labelledModelsOnly;
    }

    @Override
    public void open(OpenContext openContext) {
        awaiting = new LruCache<>(AWAITING_CACHE_SIZE);
        spans = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("spans", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        windows = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("performance", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        dirty = getRuntimeContext().getMapState(new MapStateDescriptor<>("dirty", Types.LONG, Types.BOOLEAN));
        reference = getRuntimeContext().getState(
                new ValueStateDescriptor<>("performanceReference", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        labelsAhead = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("labelsAhead", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        labelsAheadCount = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("labelsAheadCount", Types.LONG, Types.INT));
        labelsSeen = getRuntimeContext().getState(new ValueStateDescriptor<>("labelsSeen", Types.BOOLEAN));
        labelsBeyondHorizon = getRuntimeContext().getMetricGroup().addGroup(Descriptors.METRIC_GROUP)
                .counter("labelsBeyondHorizon");
    }

    /**
     * A report's span; revision {@link #AWAITING} until revision 0 went out. The report is kept
     * (as JSON) for the label horizon, to be re-emitted with performance when late labels come:
     * with the defaults, a day of one-minute windows per model version. It is stored deflated
     * (JSON of feature statistics shrinks several times), and only the small header is read when
     * a timer walks the spans ({@link #header}).
     */
    private record Span(int revision, boolean assessed, long end, byte[] report) {
        static final int AWAITING = -1;
        /** Format 1: report as JSON. Format 2: report as deflated JSON. Both are read. */
        private static final int FORMAT = 2;
        /** Format 3: no report, only a {@link Summary} (labelled-models mode). */
        private static final int SUMMARY_ONLY = 3;

        byte[] toBytes() throws IOException {
            return encode(FORMAT, deflate(report));
        }

        /** The header (format, revision, assessed, end: 14 bytes), the body's length, the body. */
        private byte[] encode(int format, byte[] body) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(body.length + 18);
            DataOutputStream out = new DataOutputStream(b);
            out.writeByte(format);
            out.writeInt(revision);
            out.writeBoolean(assessed);
            out.writeLong(end);
            out.writeInt(body.length);
            out.write(body);
            return b.toByteArray();
        }

        /** Revision, assessed and end, without the report (which stays null). */
        static Span header(byte[] bytes) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, 14));
            in.readByte();
            return new Span(in.readInt(), in.readBoolean(), in.readLong(), null);
        }

        /** What a window's decay signal needs from its report, kept instead of the report. */
        record Summary(long eventsSeen, String thresholdsVersion) {}

        /** Format 3: the header and the {@link Summary} of {@code r}, without the report. */
        static byte[] summaryOf(Span s, HealthReport r) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream(32);
            DataOutputStream out = new DataOutputStream(body);
            out.writeLong(r.eventsSeen());
            out.writeUTF(r.thresholdsVersion() == null ? "" : r.thresholdsVersion());
            return s.encode(SUMMARY_ONLY, body.toByteArray());
        }

        /** The summary of a format-3 span, or null for a span that keeps its report. */
        static Summary summary(byte[] bytes) throws IOException {
            if (bytes[0] != SUMMARY_ONLY) {
                return null;
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 18, bytes.length - 18));
            long eventsSeen = in.readLong();
            String version = in.readUTF();
            return new Summary(eventsSeen, version.isEmpty() ? null : version);
        }

        /** The stored span {@code bytes} with a new revision and assessed flag, report untouched. */
        static byte[] withHeader(byte[] bytes, int revision, boolean assessed) {
            byte[] b = bytes.clone();
            ByteBuffer.wrap(b, 1, 5).putInt(revision).put((byte) (assessed ? 1 : 0));
            return b;
        }

        static Span of(byte[] bytes) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            int format = in.readByte();
            int revision = in.readInt();
            boolean assessed = in.readBoolean();
            long end = in.readLong();
            byte[] report = new byte[in.readInt()];
            in.readFully(report);
            return new Span(revision, assessed, end, format >= 2 ? inflate(report) : report);
        }

        private static byte[] deflate(byte[] raw) {
            Deflater d = new Deflater(Deflater.BEST_SPEED);
            try {
                d.setInput(raw);
                d.finish();
                ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 3 + 16);
                byte[] buf = new byte[4096];
                while (!d.finished()) {
                    out.write(buf, 0, d.deflate(buf));
                }
                return out.toByteArray();
            } finally {
                d.end();
            }
        }

        private static byte[] inflate(byte[] packed) throws IOException {
            Inflater i = new Inflater();
            try {
                i.setInput(packed);
                ByteArrayOutputStream out = new ByteArrayOutputStream(packed.length * 4);
                byte[] buf = new byte[8192];
                while (!i.finished()) {
                    int n = i.inflate(buf);
                    if (n == 0 && (i.needsInput() || i.needsDictionary())) {
                        throw new IOException("truncated performance span");
                    }
                    out.write(buf, 0, n);
                }
                return out.toByteArray();
            } catch (DataFormatException e) {
                throw new IOException(e);
            } finally {
                i.end();
            }
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
        byte[] report = Json.toBytes(r);
        ctx.timerService().registerEventTimeTimer(end + t.labelHorizon().toMillis());
        if (end - 1 > ctx.timerService().currentWatermark()) {
            // The job's reports come from the window's timer, ahead of the watermark that fired
            // it (and the labels input may lag): revision 0 waits for that watermark here too, so
            // that it counts the labels of label time before the window's end, all of them.
            spans.put(start, new Span(Span.AWAITING, false, end, report).toBytes());
            awaiting.put(awaitingKey(ctx, start), new Awaiting(r, report));
            ctx.timerService().registerEventTimeTimer(end - 1);
            return;
        }
        // A report behind the watermark: the labels up to the watermark are all applied already.
        awaiting.remove(awaitingKey(ctx, start));
        Span first = firstRevision(r, report, start, new Span(Span.AWAITING, false, end, report), t, ctx, out,
                windowStarts());
        spans.put(start, keepsReports() ? first.toBytes() : Span.summaryOf(first, r));
    }

    private static String awaitingKey(Context ctx, long windowStart) {
        return ctx.getCurrentKey() + "@" + windowStart;
    }

    /** Whether this version's spans keep their reports after revision 0 (see the constructor). */
    private boolean keepsReports() throws IOException {
        return !labelledModelsOnly || labelsSeen.value() != null;
    }

    /**
     * Emits revision 0 of {@code s}: the report, with performance if its span has labels.
     * {@code json} is {@code Json.toBytes(r)} when at hand (null otherwise).
     */
    private Span firstRevision(HealthReport r, byte[] json, long start, Span s, Thresholds t, Context ctx,
            Collector<HealthReport> out, NavigableSet<Long> windowStarts) throws Exception {
        PerformanceAccumulator acc = performance(start, s.end(), windowStarts);
        boolean assessed = false;
        HealthReport emitted = r;
        if (acc.labeled() > 0) {
            assessed = assess(r, start, s.end(), acc, t, ctx);
            emitted = r.withPerformance(acc.summary(referenceOrNull(t), decayed(acc, t), r.events()), 0);
        } else if (json != null) {
            Json.rememberBytes(r, json);
        }
        out.collect(emitted);
        return new Span(0, assessed, s.end(), s.report());
    }

    /** Reports of spans whose predictions can get labels; silence reports carry none. */
    private static boolean covers(HealthReport r) {
        return !HealthReport.SILENT.equals(r.status()) && r.events() > 0;
    }

    @Override
    public void processElement2(LabelOutcome o, Context ctx, Collector<HealthReport> out) throws Exception {
        if (labelledModelsOnly && labelsSeen.value() == null) {
            labelsSeen.update(true);
        }
        Thresholds t = config.forModel(o.modelId());
        long size = t.windowSize().toMillis();
        long watermark = ctx.timerService().currentWatermark();
        if (o.labelTimestamp() > watermark) {
            // Ahead of the watermark: it waits for the end of its label-time window, unless the
            // horizon of its prediction's window will have passed by then (then it never counts,
            // and keeping it would hold state for nothing).
            long labelWindowEnd = o.labelTimestamp() - Math.floorMod(o.labelTimestamp(), size) + size;
            if (beyondHorizon(o, labelWindowEnd - 1, t)) {
                labelsBeyondHorizon.inc();
                return;
            }
            Integer waiting = labelsAheadCount.get(labelWindowEnd);
            int count = waiting == null ? 0 : waiting;
            long chunk = chunkKey(labelWindowEnd, count / OUTCOMES_PER_CHUNK);
            labelsAhead.put(chunk, PendingOutcomes.append(labelsAhead.get(chunk), o));
            labelsAheadCount.put(labelWindowEnd, count + 1);
            ctx.timerService().registerEventTimeTimer(labelWindowEnd - 1);
            return;
        }
        if (beyondHorizon(o, watermark, t)) {
            labelsBeyondHorizon.inc();
            return;
        }
        // Late (behind the watermark): counts at once, reported at the next label-time window end.
        if (apply(o, t, ctx)) {
            long next = watermark + 1;
            ctx.timerService().registerEventTimeTimer(next - Math.floorMod(next, size) + size - 1);
        }
    }

    /** True when {@code o}'s prediction window leaves the horizon at or before {@code time}. */
    private static boolean beyondHorizon(LabelOutcome o, long time, Thresholds t) {
        long size = t.windowSize().toMillis();
        long w = o.predictionTimestamp() - Math.floorMod(o.predictionTimestamp(), size);
        return w + size + t.labelHorizon().toMillis() <= time;
    }

    /**
     * Adds {@code o} to its prediction window and, while it is being learned, to the reference;
     * true when that window has a new label to report (it is then marked dirty).
     */
    private boolean apply(LabelOutcome o, Thresholds t, Context ctx) throws Exception {
        long size = t.windowSize().toMillis();
        long w = o.predictionTimestamp() - Math.floorMod(o.predictionTimestamp(), size);
        byte[] bytes = windows.get(w);
        PerformanceAccumulator acc = bytes == null ? new PerformanceAccumulator() : PerformanceAccumulator.fromBytes(bytes);
        acc.add(o);
        windows.put(w, acc.toBytes());
        if (bytes == null) {
            ctx.timerService().registerEventTimeTimer(w + size + t.labelHorizon().toMillis());
        }
        if (!o.matched()) {
            return false;
        }
        byte[] refBytes = reference.value();
        PerformanceAccumulator ref = refBytes == null ? new PerformanceAccumulator()
                : PerformanceAccumulator.fromBytes(refBytes);
        if (ref.labeled() < t.referenceLabels()) {
            ref.add(o);
            reference.update(ref.toBytes());
        }
        dirty.put(w, Boolean.TRUE);
        return true;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<HealthReport> out) throws Exception {
        String modelId = ModelKey.modelId(ctx.getCurrentKey());
        Thresholds t = config.forModel(modelId);
        long size = t.windowSize().toMillis();
        long horizon = t.labelHorizon().toMillis();
        // First the labels whose label-time window ends here: the watermark has just reached
        // them, so they count in everything this timer emits (revision 0 of a window ending here
        // included), exactly as if they had arrived just in time.
        Integer waiting = labelsAheadCount.get(timestamp + 1);
        if (waiting != null) {
            labelsAheadCount.remove(timestamp + 1);
            List<byte[]> chunks = new ArrayList<>();
            for (int c = 0; c <= (waiting - 1) / OUTCOMES_PER_CHUNK && c < CHUNKS_PER_WINDOW; c++) {
                long key = chunkKey(timestamp + 1, c);
                chunks.add(labelsAhead.get(key));
                labelsAhead.remove(key);
            }
            byte[] ahead = PendingOutcomes.concat(chunks);
            for (LabelOutcome o : PendingOutcomes.read(ahead, modelId, ModelKey.modelVersion(ctx.getCurrentKey()))) {
                if (beyondHorizon(o, timestamp, t)) {
                    labelsBeyondHorizon.inc();
                } else {
                    apply(o, t, ctx);
                }
            }
        }
        // Revisions only at the ends of label-time windows (cleanup timers fall anywhere when the
        // horizon is not a whole number of windows), so they do not depend on when those run.
        boolean labelWindowEnd = Math.floorMod(timestamp + 1, size) == 0;
        List<Long> touched = new ArrayList<>();
        if (labelWindowEnd) {
            for (Long w : dirty.keys()) {
                touched.add(w);
            }
            dirty.clear();
        } else if (!dirty.isEmpty()) {
            long next = timestamp + 1;
            ctx.timerService().registerEventTimeTimer(next - Math.floorMod(next, size) + size - 1);
        }
        // Read once per timer: the spans below and the clean-up at the end use them.
        NavigableSet<Long> windowStarts = windowStarts();
        List<Long> expired = new ArrayList<>();
        List<Map.Entry<Long, byte[]>> ordered = new ArrayList<>();
        spans.entries().forEach(ordered::add);
        // Oldest span first whatever the state backend's iteration order: replays emit the same.
        ordered.sort(Map.Entry.comparingByKey());
        for (Map.Entry<Long, byte[]> e : ordered) {
            Span s = Span.header(e.getValue());
            long start = e.getKey();
            if (s.revision() == Span.AWAITING) {
                if (s.end() - 1 <= timestamp) {
                    Awaiting cached = awaiting.remove(awaitingKey(ctx, start));
                    // From state (after a restore, or pushed out of the cache) the JSON may be
                    // another build's: the sink writes the report afresh then.
                    HealthReport r = cached != null ? cached.report()
                            : Json.read(Span.of(e.getValue()).report(), HealthReport.class);
                    s = firstRevision(r, cached == null ? null : cached.json(), start, s, t, ctx, out, windowStarts);
                    spans.put(start, keepsReports() ? Span.withHeader(e.getValue(), s.revision(), s.assessed())
                            : Span.summaryOf(s, r));
                    if (s.end() + horizon <= timestamp) {
                        expired.add(start);
                    }
                }
                // Revision 0 counted every label there is: nothing to revise in this timer.
                continue;
            }
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
            PerformanceAccumulator acc = performance(start, s.end(), windowStarts);
            int revision = s.revision() + 1;
            Span.Summary summary = Span.summary(e.getValue());
            if (summary != null) {
                // The report was not kept (labelled-models mode, no label then): no revision to
                // send, but the window's performance still counts towards a decay signal.
                boolean assessed = s.assessed() || assess(ctx.getCurrentKey(), summary.eventsSeen(),
                        summary.thresholdsVersion(), start, s.end(), acc, t, ctx);
                spans.put(start, Span.withHeader(e.getValue(), revision, assessed));
                continue;
            }
            HealthReport r = Json.read(Span.of(e.getValue()).report(), HealthReport.class);
            boolean assessed = s.assessed() || assess(r, start, s.end(), acc, t, ctx);
            out.collect(r.withPerformance(acc.summary(referenceOrNull(t), decayed(acc, t), r.events()), revision));
            spans.put(start, Span.withHeader(e.getValue(), revision, assessed));
        }
        for (Long start : expired) {
            spans.remove(start);
        }
        List<Long> oldWindows = new ArrayList<>();
        for (Long w : windowStarts) {
            if (w + size + horizon <= timestamp) {
                oldWindows.add(w);
            }
        }
        for (Long w : oldWindows) {
            windows.remove(w);
        }
    }

    /** The starts of the version's performance windows, sorted. */
    private NavigableSet<Long> windowStarts() throws Exception {
        NavigableSet<Long> starts = new TreeSet<>();
        windows.keys().forEach(starts::add);
        return starts;
    }

    /**
     * The labels of the predictions of the span {@code [start, end)}: the performance windows that
     * start in it. A span is a run of whole windows of the monitor's grid and the performance
     * windows lie on the same grid, so this is exactly the span's windows, and stays so across a
     * change of {@code window.size} (the window open at the savepoint keeps its old size, and the
     * windows before it are keyed on the old grid), which stepping through the span on the new
     * size would not. Labels of predictions before a change that arrive after it are keyed on
     * the new grid, so for one label horizon a label near the change can count in the span next
     * to its prediction's (docs/thresholds.md).
     */
    private PerformanceAccumulator performance(long start, long end, NavigableSet<Long> windowStarts)
            throws Exception {
        PerformanceAccumulator acc = new PerformanceAccumulator();
        for (long w : windowStarts.subSet(start, true, end, false)) {
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
        return assess(ModelKey.of(r.modelId(), r.modelVersion()), r.eventsSeen(), r.thresholdsVersion(), start, end,
                acc, t, ctx);
    }

    private boolean assess(String modelKey, long eventsSeen, String thresholdsVersion, long start, long end,
            PerformanceAccumulator acc, Thresholds t, Context ctx) throws Exception {
        PerformanceAccumulator ref = referenceOrNull(t);
        if (ref == null || Math.max(acc.classified(), acc.regressed()) < t.minLabels()) {
            return false;
        }
        PerformanceDecay.Finding f = PerformanceDecay.assess(ref, acc, t);
        if (f != null) {
            Evidence e = new Evidence("performance", f.statistic(), f.value(), f.threshold(),
                    Instant.ofEpochMilli(end).toString());
            ctx.output(Descriptors.DRIFT_SIGNALS, new DriftSignal(ModelKey.modelId(modelKey),
                    ModelKey.modelVersion(modelKey), RetrainTrigger.PERFORMANCE_DECAY, start, end, eventsSeen,
                    new Evidence[] {e}, f.critical(), thresholdsVersion));
        }
        return true;
    }
}
