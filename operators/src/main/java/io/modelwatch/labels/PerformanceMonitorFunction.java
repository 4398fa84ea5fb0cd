package io.modelwatch.labels;

import io.modelwatch.model.MetricNames;
import io.modelwatch.model.SideOutputs;
import io.modelwatch.monitor.LruCache;
import io.modelwatch.monitor.TaskSlots;
import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.detect.PerformanceDecay;
import io.modelwatch.detect.PerformanceEstimate;
import io.modelwatch.detect.SegmentDecay;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.LabelOutcome;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.model.ScoreHistogram;
import io.modelwatch.stats.profiles.PendingOutcomes;
import io.modelwatch.stats.profiles.PerformanceAccumulator;
import io.modelwatch.stats.profiles.SegmentCounts;
import io.modelwatch.stats.tests.HistogramBinningCalibration;
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
 * {@link SideOutputs#SIGNALS}, escalated by the same CEP pattern as drift.
 *
 * <p>Segments: each labelled outcome also counts in the segments its prediction's code names
 * ({@link io.modelwatch.model.SegmentCodes}) that the version's dictionary knows
 * ({@link SegmentDictionary}, learnt from the reports' top categories and numeric quartiles), per window
 * ({@code segmentCounts}) and, with the performance reference, in {@code segmentReference}. A
 * decayed span names the segments that explain its decay ({@link SegmentDecay}) in its signal's
 * evidence and in its reports' {@code performance.segments} (docs/quality.md).
 */
public final class PerformanceMonitorFunction
        extends KeyedCoProcessFunction<String, HealthReport, LabelOutcome, HealthReport> {
    private final ThresholdsConfig config;

    /**
     * What is kept of each report for its revisions, by span start ({@link WindowResult}): with
     * the defaults a day of one-minute windows per model version. State "spans" with the index of
     * their headers, "spanIndex": every change goes through it.
     */
    private transient SpanStore spanStore;
    /** Performance per fixed window of prediction time. */
    private transient MapState<Long, byte[]> windows;
    /**
     * Which of {@link #windows} exist and which received labels since the last flush ("dirty"),
     * in one value (state "performanceIndex"; WindowIndex says why).
     */
    private transient WindowIndex windowIndex;
    private transient ValueState<byte[]> reference;
    /**
     * {@link #reference} as read in the current call (processElement1/2 or onTimer, one key), null
     * for none: a revision consults it up to five times (realised decay, calibration, summary,
     * assessment, segments), and each read decoded its score sketches again. Read at most once per
     * call ({@link #storedReference}), kept in step by {@link #apply}, forgotten at the next call.
     */
    private transient PerformanceAccumulator callReference;
    private transient boolean callReferenceRead;
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
    /** Outcomes per segment per fixed window of prediction time ({@link SegmentCounts}), keyed as {@link #windows}. */
    private transient MapState<Long, byte[]> segmentCounts;
    /** Outcomes per segment of the performance reference ({@link SegmentCounts}). */
    private transient ValueState<byte[]> segmentReference;
    /** The version's segment names ({@link SegmentDictionary}). */
    private transient ValueState<byte[]> segmentNames;
    /**
     * The dictionaries of recently active versions, so that a label does not read and decode its
     * version's dictionary again; the state is the source of truth (updated together), this a cache.
     */
    private transient Map<String, SegmentDictionary> dictionaries;
    /**
     * The reports waiting for revision 0, by model key and window start: the state holds them as
     * {@link WindowResult}s (the source of truth after a restore), and decoding one again when its
     * window's watermark arrives, moments later, would be spent for nothing. Bounded by a part of
     * the heap ({@link #cachedVersions}); more versions than that close windows at once, and the
     * rest read the state.
     */
    private transient Map<String, Awaiting> awaiting;

    /** A report waiting for revision 0, with what state holds of it (its bytes, decoded). */
    private record Awaiting(HealthReport report, WindowResult result, byte[] bytes) {}
    private final boolean labelledModelsOnly;
    /** Set (only with {@link #labelledModelsOnly}) once the version has sent a label. */
    private transient ValueState<Boolean> labelsSeen;
    /**
     * The fewest versions the two heap caches ({@link #awaiting}, {@link #dictionaries}) hold,
     * whatever the heap: 2,048 reports of 25 features take some 16 MB (their objects; measured
     * when the cache was introduced).
     */
    static final int MIN_CACHED_VERSIONS = 2048;
    /**
     * Heap per cached version, an upper bound: a waiting report of 25 features as objects (some
     * 8 KB, above), its state bytes and decoded form beside it (they share the report's arrays),
     * and the version's segment dictionary.
     */
    static final long HEAP_BYTES_PER_CACHED_VERSION = 16L << 10;
    /**
     * The part of a slot's heap the two caches may take. Models' windows end together (one-minute
     * windows of every version at the same watermark), so every version of the instance reports
     * at once and its report waits in {@link #awaiting} for that watermark, moments later: a
     * cache smaller than the versions that report at once sends the rest through state (read back
     * and decoded), which at 10,000 models (5,000 versions an instance) was most reports. A
     * sixteenth of the slot's heap holds some 6,000 versions with {@code bin/modelwatch}'s
     * {@code -Xmx3g} at 2 slots; the open-profile cache takes a quarter (OpenProfileSizing).
     */
    static final double CACHE_HEAP_FRACTION = 1.0 / 16;

    /** Versions the heap caches hold in an instance given the TaskManager's heap and slots. */
    static int cachedVersions(long maxHeap, int slots) {
        double share = maxHeap / (double) Math.max(1, slots) * CACHE_HEAP_FRACTION;
        return (int) Math.max(MIN_CACHED_VERSIONS, Math.min(1 << 20, (long) (share / HEAP_BYTES_PER_CACHED_VERSION)));
    }

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
        int cached = cachedVersions(Runtime.getRuntime().maxMemory(), TaskSlots.of(getRuntimeContext()));
        awaiting = new LruCache<>(cached);
        MapState<Long, byte[]> spans = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("spans", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        spanStore = new SpanStore(spans, getRuntimeContext().getState(
                new ValueStateDescriptor<>("spanIndex", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)));
        windows = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("performance", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        windowIndex = new WindowIndex(windows,
                getRuntimeContext().getMapState(new MapStateDescriptor<>("dirty", Types.LONG, Types.BOOLEAN)),
                getRuntimeContext().getState(new ValueStateDescriptor<>("performanceIndex",
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)));
        reference = getRuntimeContext().getState(
                new ValueStateDescriptor<>("performanceReference", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        labelsAhead = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("labelsAhead", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        labelsAheadCount = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("labelsAheadCount", Types.LONG, Types.INT));
        labelsSeen = getRuntimeContext().getState(new ValueStateDescriptor<>("labelsSeen", Types.BOOLEAN));
        segmentCounts = getRuntimeContext().getMapState(new MapStateDescriptor<>("segmentCounts", Types.LONG,
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        segmentReference = getRuntimeContext().getState(
                new ValueStateDescriptor<>("segmentReference", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        segmentNames = getRuntimeContext().getState(
                new ValueStateDescriptor<>("segmentNames", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        dictionaries = new LruCache<>(cached);
        labelsBeyondHorizon = getRuntimeContext().getMetricGroup().addGroup(MetricNames.GROUP)
                .counter("labelsBeyondHorizon");
    }

    @Override
    public void processElement1(HealthReport r, Context ctx, Collector<HealthReport> out) throws Exception {
        callReferenceRead = false;
        if (!covers(r)) {
            out.collect(r);
            return;
        }
        learnSegments(ctx.getCurrentKey(), r);
        Thresholds t = config.forModel(r.modelId());
        WindowResult result = WindowResult.of(r);
        long start = result.start();
        long end = result.end();
        ctx.timerService().registerEventTimeTimer(end + t.labelHorizon().toMillis());
        if (end - 1 > ctx.timerService().currentWatermark()) {
            // The job's reports come from the window's timer, ahead of the watermark that fired
            // it (and the labels input may lag): revision 0 waits for that watermark here too, so
            // that it counts the labels of label time before the window's end, all of them.
            SpanStore.Spans spans = spanStore.open();
            byte[] bytes = result.toBytes();
            spans.put(start, bytes);
            spans.close();
            awaiting.put(awaitingKey(ctx, start), new Awaiting(r, result, bytes));
            ctx.timerService().registerEventTimeTimer(end - 1);
            return;
        }
        // A report behind the watermark: the labels up to the watermark are all applied already.
        awaiting.remove(awaitingKey(ctx, start));
        WindowIndex.Windows windowStarts = windowIndex.open();
        WindowResult first = firstRevision(r, result, t, ctx, out, windowStarts);
        windowIndex.close(windowStarts);
        SpanStore.Spans spans = spanStore.open();
        spans.put(start, (keepsReports() ? first : first.summary()).toBytes());
        spans.close();
    }

    /** The version's segment dictionary (empty until its first report with categorical features). */
    private SegmentDictionary dictionary(String modelKey) throws IOException {
        SegmentDictionary d = dictionaries.get(modelKey);
        if (d == null) {
            byte[] b = segmentNames.value();
            d = b == null ? new SegmentDictionary() : SegmentDictionary.fromBytes(b);
            dictionaries.put(modelKey, d);
        }
        return d;
    }

    private void learnSegments(String modelKey, HealthReport r) throws IOException {
        SegmentDictionary d = dictionary(modelKey);
        if (d.learn(r)) {
            segmentNames.update(d.toBytes());
        }
    }

    private static String awaitingKey(Context ctx, long windowStart) {
        return ctx.getCurrentKey() + "@" + windowStart;
    }

    /** Whether this version's spans keep their reports after revision 0 (see the constructor). */
    private boolean keepsReports() throws IOException {
        return !labelledModelsOnly || labelsSeen.value() != null;
    }

    /**
     * Emits revision 0 of {@code s}, whose report is {@code r}: the report, with performance if
     * its span has labels. Returns {@code s} after it.
     */
    private WindowResult firstRevision(HealthReport r, WindowResult s, Thresholds t, Context ctx,
            Collector<HealthReport> out, WindowIndex.Windows windowStarts) throws Exception {
        PerformanceAccumulator acc = performance(s.start(), s.end(), windowStarts);
        boolean assessed = false;
        HealthReport emitted = calibrated(r, t);
        if (acc.labeled() > 0) {
            assessed = assess(ctx.getCurrentKey(), s, acc, t, ctx, windowStarts);
            emitted = withRealised(emitted.withPerformance(performanceOf(ctx.getCurrentKey(), s, acc, t, windowStarts,
                    r.events()), 0), acc, t);
        }
        out.collect(emitted);
        return s.revised(0, assessed);
    }

    /** Reports of spans whose predictions can get labels; silence reports carry none. */
    private static boolean covers(HealthReport r) {
        return !HealthReport.SILENT.equals(r.status()) && r.events() > 0;
    }

    @Override
    public void processElement2(LabelOutcome o, Context ctx, Collector<HealthReport> out) throws Exception {
        callReferenceRead = false;
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
        WindowIndex.Windows windowStarts = windowIndex.open();
        boolean applied = apply(o, t, ctx, windowStarts);
        windowIndex.close(windowStarts);
        if (applied) {
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
    private boolean apply(LabelOutcome o, Thresholds t, Context ctx, WindowIndex.Windows windowStarts)
            throws Exception {
        long size = t.windowSize().toMillis();
        long w = o.predictionTimestamp() - Math.floorMod(o.predictionTimestamp(), size);
        byte[] bytes = windows.get(w);
        PerformanceAccumulator acc = bytes == null ? new PerformanceAccumulator() : PerformanceAccumulator.fromBytes(bytes);
        acc.add(o);
        windows.put(w, acc.toBytes());
        if (bytes == null) {
            windowStarts.add(w);
            ctx.timerService().registerEventTimeTimer(w + size + t.labelHorizon().toMillis());
        }
        if (!o.matched()) {
            return false;
        }
        SegmentDictionary names = o.hasSegments() ? dictionary(ctx.getCurrentKey()) : null;
        int[] segmentsOfO = names == null || names.isEmpty() ? null : names.segmentsOf(o, w);
        if (segmentsOfO != null) {
            byte[] segmentBytes = segmentCounts.get(w);
            SegmentCounts counts = segmentBytes == null ? new SegmentCounts() : SegmentCounts.fromBytes(segmentBytes);
            counts.add(o, segmentsOfO);
            if (!counts.isEmpty()) {
                segmentCounts.put(w, counts.toBytes());
            }
        }
        PerformanceAccumulator stored = storedReference();
        PerformanceAccumulator ref = stored == null ? new PerformanceAccumulator() : stored;
        if (ref.labeled() < t.referenceLabels()) {
            ref.add(o);
            reference.update(ref.toBytes());
            callReference = ref;
            if (segmentsOfO != null) {
                byte[] b = segmentReference.value();
                SegmentCounts segmentRef = b == null ? new SegmentCounts() : SegmentCounts.fromBytes(b);
                segmentRef.add(o, segmentsOfO);
                if (!segmentRef.isEmpty()) {
                    segmentReference.update(segmentRef.toBytes());
                }
            }
        }
        windowStarts.markDirty(w);
        return true;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<HealthReport> out) throws Exception {
        callReferenceRead = false;
        String modelId = ModelKey.modelId(ctx.getCurrentKey());
        Thresholds t = config.forModel(modelId);
        long size = t.windowSize().toMillis();
        long horizon = t.labelHorizon().toMillis();
        // First the labels whose label-time window ends here: the watermark has just reached
        // them, so they count in everything this timer emits (revision 0 of a window ending here
        // included), exactly as if they had arrived just in time.
        // Read once per timer: the labels ahead, the spans below and the clean-up at the end use it.
        WindowIndex.Windows windowStarts = windowIndex.open();
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
                    apply(o, t, ctx, windowStarts);
                }
            }
        }
        // Revisions only at the ends of label-time windows (cleanup timers fall anywhere when the
        // horizon is not a whole number of windows), so they do not depend on when those run.
        boolean labelWindowEnd = Math.floorMod(timestamp + 1, size) == 0;
        long[] touched = new long[0];
        if (labelWindowEnd) {
            touched = windowStarts.takeDirty();
        } else if (windowStarts.hasDirty()) {
            long next = timestamp + 1;
            ctx.timerService().registerEventTimeTimer(next - Math.floorMod(next, size) + size - 1);
        }
        List<Long> expired = new ArrayList<>();
        // The headers from the index, oldest span first (replays emit the same); a span's bytes
        // are read only when it is sent or revised (SpanStore says why).
        SpanStore.Spans spans = spanStore.open();
        // By position: a put below rewrites the span at i in place, and the removals wait for the
        // end of the walk, so positions do not move; only what is due is decoded.
        for (int i = 0; i < spans.size(); i++) {
            long start = spans.startAt(i);
            long end = spans.endAt(i);
            if (spans.revisionAt(i) == WindowResult.AWAITING) {
                if (end - 1 <= timestamp) {
                    Awaiting cached = awaiting.remove(awaitingKey(ctx, start));
                    // From state after a restore, or when pushed out of the cache: the model
                    // monitor's reports are revision 0 without performance, as rendered here.
                    byte[] bytes = cached != null ? cached.bytes() : spans.get(start);
                    WindowResult stored = cached != null ? cached.result() : WindowResult.read(start, bytes);
                    HealthReport r = cached != null ? cached.report() : stored.toReport(ctx.getCurrentKey(), 0, null);
                    WindowResult first = firstRevision(r, stored, t, ctx, out, windowStarts);
                    spans.put(start, keepsReports()
                            ? WindowResult.withHeader(start, bytes, first.revision(), first.assessed())
                            : first.summary().toBytes());
                    if (end + horizon <= timestamp) {
                        expired.add(start);
                    }
                }
                // Revision 0 counted every label there is: nothing to revise in this timer.
                continue;
            }
            if (end + horizon <= timestamp) {
                expired.add(start);
                continue;
            }
            boolean hit = false;
            for (long w : touched) {
                if (w + size > start && w < end) {
                    hit = true;
                    break;
                }
            }
            if (!hit) {
                continue;
            }
            WindowResult.Header s = spans.headerAt(i);
            PerformanceAccumulator acc = performance(start, end, windowStarts);
            int revision = s.revision() + 1;
            byte[] bytes = spans.get(start);
            WindowResult kept = WindowResult.read(start, bytes);
            boolean assessed = s.assessed() || assess(ctx.getCurrentKey(), kept, acc, t, ctx, windowStarts);
            if (kept.report() != null) {
                out.collect(withRealised(calibrated(kept.toReport(ctx.getCurrentKey(), revision,
                        performanceOf(ctx.getCurrentKey(), kept, acc, t, windowStarts, kept.report().events())), t),
                        acc, t));
            }
            // Without its report (labelled-models mode, no label then) a window gets no revision,
            // but its performance still counts towards a decay signal.
            spans.put(start, WindowResult.withHeader(start, bytes, revision, assessed));
        }
        for (Long start : expired) {
            spans.remove(start);
        }
        spans.close();
        // The windows past the horizon: w + size + horizon <= timestamp.
        for (long w : windowStarts.expireBefore(timestamp - size - horizon + 1)) {
            windows.remove(w);
            segmentCounts.remove(w);
        }
        windowIndex.close(windowStarts);
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
    private PerformanceAccumulator performance(long start, long end, WindowIndex.Windows windowStarts)
            throws Exception {
        PerformanceAccumulator acc = new PerformanceAccumulator();
        for (long w : windowStarts.between(start, end)) {
            byte[] b = windows.get(w);
            if (b != null) {
                acc.merge(PerformanceAccumulator.fromBytes(b));
            }
        }
        return acc;
    }

    /** The version's performance reference, complete or not, or null; read once per call. */
    private PerformanceAccumulator storedReference() throws Exception {
        if (!callReferenceRead) {
            byte[] b = reference.value();
            callReference = b == null ? null : PerformanceAccumulator.fromBytes(b);
            callReferenceRead = true;
        }
        return callReference;
    }

    private PerformanceAccumulator referenceOrNull(Thresholds t) throws Exception {
        PerformanceAccumulator ref = storedReference();
        return ref != null && ref.labeled() >= t.referenceLabels() ? ref : null;
    }

    /**
     * {@code r} with its estimated performance calibrated by histogram binning on the version's
     * performance reference, once that is complete ({@code performance.referenceLabels} labels: one
     * map for every window of the version, the reference's estimate included); bins with fewer
     * than {@link PerformanceEstimate#MIN_LABELS_PER_BIN} of its labels trust their scores
     * (docs/quality.md, "Calibration"). {@code r} as it is before, or without an estimate.
     */
    private HealthReport calibrated(HealthReport r, Thresholds t) throws Exception {
        HealthReport.EstimatedPerformance e = r.estimatedPerformance();
        if (e == null || e.windowScores() == null) {
            return r;
        }
        PerformanceAccumulator ref = referenceOrNull(t);
        HistogramBinningCalibration c = ref == null ? null
                : ref.calibration(ScoreHistogram.BINS, PerformanceEstimate.MIN_LABELS_PER_BIN);
        return c == null ? r : r.withEstimatedPerformance(PerformanceEstimate.calibrated(e, c, c.labels()));
    }

    /**
     * {@code r} with its estimated decay confirmed or refuted by the realised performance, once the
     * span has the labels to be assessed ({@code performance.minLabels}, against the performance
     * reference); {@code r} itself when its estimate did not decay or the labels are too few.
     */
    private HealthReport withRealised(HealthReport r, PerformanceAccumulator acc, Thresholds t) throws Exception {
        HealthReport.EstimatedPerformance e = r.estimatedPerformance();
        if (e == null || !e.decayed() || referenceOrNull(t) == null || acc.classified() < t.minLabels()) {
            return r;
        }
        return r.withEstimatedPerformance(e.withRealised(decayed(acc, t)
                ? HealthReport.EstimatedPerformance.CONFIRMED : HealthReport.EstimatedPerformance.REFUTED));
    }

    private boolean decayed(PerformanceAccumulator acc, Thresholds t) throws Exception {
        PerformanceAccumulator ref = referenceOrNull(t);
        return ref != null && PerformanceDecay.assess(ref, acc, t) != null;
    }

    /** The span's performance summary; when it decayed, with the segments that explain it. */
    private HealthReport.Performance performanceOf(String modelKey, WindowResult w, PerformanceAccumulator acc,
            Thresholds t, WindowIndex.Windows windowStarts, long events) throws Exception {
        PerformanceAccumulator ref = referenceOrNull(t);
        boolean decayed = ref != null && PerformanceDecay.assess(ref, acc, t) != null;
        HealthReport.Performance p = acc.summary(ref, decayed, events);
        if (!decayed) {
            return p;
        }
        List<SegmentDecay.Finding> found = segmentsExplaining(modelKey, w, acc, ref, windowStarts);
        return p.withSegments(found.stream().map(f -> new HealthReport.SegmentFinding(f.segment().name(),
                f.segment().feature(), f.segment().value(), f.metric(), f.before(), f.after(), f.baseline(),
                f.labeled(), f.share(), f.pValue(), f.contribution())).toArray(HealthReport.SegmentFinding[]::new));
    }

    /** The segments that explain the decay of span {@code w} ({@link SegmentDecay}), most first. */
    private List<SegmentDecay.Finding> segmentsExplaining(String modelKey, WindowResult w, PerformanceAccumulator acc,
            PerformanceAccumulator ref, WindowIndex.Windows windowStarts) throws Exception {
        SegmentDictionary names = dictionary(modelKey);
        if (names.isEmpty()) {
            return List.of();
        }
        SegmentCounts span = new SegmentCounts();
        for (long start : windowStarts.between(w.start(), w.end())) {
            byte[] b = segmentCounts.get(start);
            if (b != null) {
                span.merge(SegmentCounts.fromBytes(b));
            }
        }
        byte[] r = segmentReference.value();
        return SegmentDecay.explain(span, r == null ? null : SegmentCounts.fromBytes(r), acc, ref, names.names());
    }

    /** Assesses a span once it has enough labels; true when it was assessed (decayed or not). */
    private boolean assess(String modelKey, WindowResult w, PerformanceAccumulator acc, Thresholds t, Context ctx,
            WindowIndex.Windows windowStarts) throws Exception {
        PerformanceAccumulator ref = referenceOrNull(t);
        if (ref == null || Math.max(acc.classified(), acc.regressed()) < t.minLabels()) {
            return false;
        }
        PerformanceDecay.Finding f = PerformanceDecay.assess(ref, acc, t);
        if (f != null) {
            String windowEnd = Instant.ofEpochMilli(w.end()).toString();
            List<Evidence> evidence = new ArrayList<>();
            evidence.add(new Evidence("performance", f.statistic(), f.value(), f.threshold(), windowEnd));
            for (SegmentDecay.Finding s : segmentsExplaining(modelKey, w, acc, ref, windowStarts)) {
                // The segment's effect (its contribution, against the decay floor of its metric),
                // then what it is made of: the metric after against before, its share, its p-value.
                String signal = "segment:" + s.segment().name();
                evidence.add(new Evidence(signal, "segment_contribution", s.contribution(),
                        SegmentDecay.contributionFloor(s.metric(), t), windowEnd));
                evidence.add(new Evidence(signal, "segment_" + s.metric(), s.after(), s.before(), windowEnd));
                evidence.add(new Evidence(signal, "segment_share", s.share(), 0, windowEnd));
                evidence.add(new Evidence(signal, "segment_p_value", s.pValue(), SegmentDecay.FDR, windowEnd));
            }
            ctx.output(SideOutputs.SIGNALS, new DriftSignal(ModelKey.modelId(modelKey),
                    ModelKey.modelVersion(modelKey), RetrainTrigger.PERFORMANCE_DECAY, w.start(), w.end(),
                    w.eventsSeen(), Evidence.strongestFirst(evidence).toArray(Evidence[]::new), f.critical(),
                    w.thresholdsVersion()));
        }
        return true;
    }
}
