package io.modelwatch.monitor;

import io.modelwatch.functions.MonitorStatus;
import io.modelwatch.functions.ModelMetrics;
import io.modelwatch.functions.LruCache;
import io.modelwatch.functions.EventBatcher;
import io.modelwatch.functions.Descriptors;
import io.modelwatch.functions.ControlStatus;
import io.modelwatch.config.ConfigException;
import io.modelwatch.config.ControlCommand;
import io.modelwatch.config.ControlCommandParser;
import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.QualityEvaluator;
import io.modelwatch.model.Evidence;
import io.modelwatch.model.RetrainTrigger;
import io.modelwatch.detect.SequentialEvidence;
import io.modelwatch.detect.SequentialMonitor;
import io.modelwatch.detect.WindowEvaluation;
import io.modelwatch.model.ControlUpdate;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.patterns.EvidenceWeight;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.ModelProfile;
import io.modelwatch.stats.ReferenceBuilder;
import io.modelwatch.stats.ReferenceProfile;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
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
 * The open windows and the reference being learned of recently active versions are kept as
 * objects between checkpoints ({@link OpenProfiles}); run in a {@link ModelMonitorOperator}, the
 * function writes them to keyed state before every checkpoint barrier, so state is complete at
 * every checkpoint. In a plain keyed-broadcast operator it writes them after every batch.
 *
 * <p>Lifecycle: a model version with no events for {@code lifecycle.expireAfter} of event time
 * loses all its state ({@link #expireIfIdle}), so state does not grow as versions roll over. Event
 * time, not processing time, because (1) a processing-time timer that fell due while the job was
 * stopped fires right after the restore, so an outage or a slow upgrade longer than expireAfter
 * would wipe every reference, exactly what a savepoint upgrade must not do; (2) outputs stay a
 * function of the input (deterministic trigger ids, reproducible {@code --bounded} backtests);
 * (3) a silent version keeps its state only while no other model sends anything either, and
 * then no state grows.
 *
 * <p>Live control (the compacted {@code monitor-control} topic, docs/topics.md): its checked
 * records arrive on the broadcast input ({@link ControlUpdate}) and are kept in broadcast state
 * {@link Descriptors#CONTROL}, so they survive restores; a fresh start re-reads the topic. The
 * thresholds of a model are resolved on use (file defaults, file per-model, live {@code *}, live
 * per-model; {@link ControlCommand#resolve}) and every report says what the control topic changed
 * ({@link HealthReport.Control}, and a thresholdsVersion with a {@code +} suffix). A reference
 * action runs on the version's next batch, once per commandId (keyed state "control"): it
 * discards the version's open windows, pending span and sequential detectors, which were counted
 * on or against the old reference.
 */
public final class ModelMonitorFunction
        extends KeyedBroadcastProcessFunction<String, PredictionBatch, ControlUpdate, HealthReport>
        implements CheckpointedFunction {
    /** Decoded references of recently active keys; a reference never changes once frozen. */
    private static final int REFERENCE_CACHE_SIZE = 4096;
    /**
     * Model versions whose open profiles stay on the heap between checkpoints ({@link OpenProfiles}),
     * per parallel instance, by default ({@code run --open-profiles}). An open window of 25
     * features with its sketches is 30 to 100 KB as objects, so 1,024 versions take some 30 to 130
     * MB of heap (the byte bound below caps it). More active versions than that per instance work
     * as before the cache (a state read and a write-back per batch); the most recent ones stay.
     */
    public static final int OPEN_PROFILES = 1024;
    /**
     * And at most this much serialised profile per cached version on average (objects take about
     * as much again; an open window of 25 features is 30 to 60 KB): what bounds the cache when
     * profiles are large (hundreds of features or categories, docs/operations.md), e.g. 64 such
     * 1 MB versions rather than 1,024.
     */
    static final long OPEN_PROFILE_BYTES_PER_VERSION = 64L << 10;
    static final long OPEN_PROFILE_BYTES = OPEN_PROFILES * OPEN_PROFILE_BYTES_PER_VERSION;

    /** Writes keyed state under a key the operator has made current. */
    @FunctionalInterface
    interface KeyedWrite {
        void run() throws Exception;
    }

    /** Runs a {@link KeyedWrite} with the given key current; {@link ModelMonitorOperator} gives it. */
    @FunctionalInterface
    interface KeyScope {
        void run(String key, KeyedWrite body) throws Exception;
    }

    private final ThresholdsConfig config;
    /** References given up front (run --references), binary, by model key. */
    private final Map<String, byte[]> givenReferences;
    private final int openProfiles;
    private final long openProfileBytes;

    private transient ValueState<byte[]> reference;
    private transient ValueState<byte[]> learning;
    private transient MapState<Long, byte[]> windows;
    private transient ValueState<byte[]> pending;
    private transient ValueState<MonitorStatus> status;
    private transient ValueState<byte[]> detectors;
    private transient ValueState<ControlStatus> control;
    private transient Map<String, ReferenceProfile> referenceCache;
    /** Open profiles kept as objects; with no key scope, written back after every batch. */
    private transient OpenProfiles open;
    private transient KeyScope keyScope;
    /** Thresholds in force by model id; emptied whenever a control command arrives. */
    private transient Map<String, Live> live;
    private transient Counter windowsEvaluated;
    private transient Counter driftedWindows;
    private transient Counter expiredVersions;
    private transient Counter controlUpdates;
    private transient Counter referenceActions;
    private transient ModelMetrics metrics;
    /** The thresholds file in force when the restored savepoint was taken; null on a fresh start. */
    private transient ThresholdsFile restoredFile;
    private transient ListState<String> fileState;

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
        this(config, givenReferences, OPEN_PROFILES);
    }

    /**
     * @param openProfiles model versions whose open profiles stay on the heap between checkpoints,
     *     per parallel instance, with {@link #OPEN_PROFILE_BYTES_PER_VERSION} of serialised profile
     *     each on average
     */
    public ModelMonitorFunction(ThresholdsConfig config, Map<String, byte[]> givenReferences, int openProfiles) {
        this(config, givenReferences, openProfiles, openProfiles * OPEN_PROFILE_BYTES_PER_VERSION);
    }

    /** With another open-profile cache size, in versions and serialised bytes (tests). */
    ModelMonitorFunction(ThresholdsConfig config, Map<String, byte[]> givenReferences, int openProfiles,
            long openProfileBytes) {
        this.config = config;
        this.givenReferences = givenReferences == null ? Map.of() : Map.copyOf(givenReferences);
        this.openProfiles = openProfiles;
        this.openProfileBytes = openProfileBytes;
    }

    @Override
    public void open(OpenContext openContext) {
        reference = getRuntimeContext().getState(MonitorStateDescriptors.reference());
        learning = getRuntimeContext().getState(MonitorStateDescriptors.learning());
        windows = getRuntimeContext().getMapState(MonitorStateDescriptors.windows());
        pending = getRuntimeContext().getState(MonitorStateDescriptors.pending());
        status = getRuntimeContext().getState(MonitorStateDescriptors.status());
        detectors = getRuntimeContext().getState(MonitorStateDescriptors.detectors());
        control = getRuntimeContext().getState(MonitorStateDescriptors.control());
        live = new LruCache<>(REFERENCE_CACHE_SIZE);
        referenceCache = new LruCache<>(REFERENCE_CACHE_SIZE);
        open = new OpenProfiles(openProfiles, openProfileBytes);
        var group = getRuntimeContext().getMetricGroup().addGroup(Descriptors.METRIC_GROUP);
        windowsEvaluated = group.counter("windowsEvaluated");
        driftedWindows = group.counter("driftedWindows");
        expiredVersions = group.counter("modelVersionsExpired");
        controlUpdates = group.counter("controlUpdates");
        referenceActions = group.counter("referenceActions");
        // A steady rate of evictions means more active versions per instance than the cache holds:
        // each of their batches is a state read and a write-back again (docs/benchmarks.md).
        group.gauge("openProfileVersions", () -> open.size());
        group.gauge("openProfileEvictions", () -> open.evictions());
        metrics = new ModelMetrics(getRuntimeContext().getMetricGroup());
    }

    /**
     * A batch of one model version's events ({@link EventBatcher}): state is read once, every
     * event is applied in memory, and what changed is written back once.
     */
    @Override
    public void processElement(PredictionBatch batch, ReadOnlyContext ctx, Collector<HealthReport> out)
            throws Exception {
        String key = ctx.getCurrentKey();
        Live l = live(ModelKey.modelId(key), ctx.getBroadcastState(Descriptors.CONTROL));
        Thresholds t = l.thresholds();
        long size = t.windowSize().toMillis();
        long watermark = ctx.timerService().currentWatermark();
        MonitorStatus st = statusOrNew();
        WindowGrid grid = WindowGrid.adopt(st, size, () -> newestOpenStart(key));
        ControlStatus cs = null;
        ControlCommand.Reference action = l.referenceActionFor(ModelKey.modelVersion(key));
        if (action != null) {
            cs = controlOrNew();
            if (!l.model().commandId().equals(cs.referenceCommandId)) {
                applyReference(key, l.model().commandId(), action, batch.events()[0].timestamp(), cs, st);
            }
        }
        ReferenceProfile ref = reference(key);
        int referenceEvents = t.referenceEvents();
        if (ref == null) {
            cs = cs != null ? cs : control.value();
            if (cs != null && cs.referenceEvents > 0) {
                referenceEvents = cs.referenceEvents;
            }
        }
        ModelProfile learned = null;
        OpenProfiles.Entry profiles = openProfiles(key);
        // The window of the previous event: most events of a batch share one, so the maps are
        // looked up (and the start boxed) once per window and batch rather than once per event.
        long currentStart = Long.MIN_VALUE;
        long currentEnd = Long.MIN_VALUE;
        ModelProfile current = null;
        for (PredictionEvent e : batch.events()) {
            st.eventsSeen++;
            long ts = e.timestamp();
            scheduleExpiry(st, ts, t, ctx.timerService());
            long windowStart = grid.start(ts);
            long windowEnd = windowStart == currentStart ? currentEnd : grid.end(windowStart);
            // Behind a window already evaluated (of whichever size), or behind the watermark.
            if (ts < st.lastFiredWindowEnd || windowEnd - 1 <= watermark) {
                st.lateSinceReport++;
                continue;
            }
            ModelProfile window = windowStart == currentStart ? current : profiles.windows.get(windowStart);
            if (window == null) {
                byte[] windowBytes = windows.get(windowStart);
                if (windowBytes != null) {
                    window = ModelProfile.fromBytes(windowBytes);
                    profiles.windowSized(windowStart, windowBytes.length);
                } else {
                    window = ref != null ? ModelProfile.against(ref) : new ModelProfile();
                    ctx.timerService().registerEventTimeTimer(windowEnd - 1);
                    // Silence is noticed when the watermark (moved by other models' events) passes
                    // the newest window's end + silenceAfter: no event that never comes is waited
                    // for. One timer per version, re-armed when it finds a newer window.
                    st.lastWindowEnd = Math.max(st.lastWindowEnd, windowEnd);
                    if (st.silenceTimerAt == Long.MIN_VALUE) {
                        st.silenceTimerAt = windowEnd + t.silenceAfter().toMillis();
                        ctx.timerService().registerEventTimeTimer(st.silenceTimerAt);
                    }
                }
                profiles.windows.put(windowStart, window);
            }
            if (windowStart != currentStart) {
                profiles.changedWindows.add(windowStart);
                currentStart = windowStart;
                currentEnd = windowEnd;
                current = window;
            }
            if (ref == null) {
                if (learned == null) {
                    learned = learning(profiles);
                    if (learned == null) {
                        learned = new ModelProfile();
                    }
                }
                learned.add(e);
                window.add(e);
                if (learned.events() >= referenceEvents) {
                    ref = ReferenceBuilder.learned(learned, t.numericBins(), t.categoryBins());
                    reference.update(ref.toBytes());
                    referenceCache.put(key, ref);
                    clearLearning(profiles);
                    learned = null;
                }
            } else if (window.binned()) {
                window.add(e, ref);
            } else {
                // The window began while the reference was still being learned; it reports as warm-up.
                window.add(e);
            }
        }
        if (learned != null) {
            profiles.learning = learned;
            profiles.learningChanged = true;
        }
        if (keyScope == null) {
            write(profiles);
            open.remove(key);
        }
        status.update(st);
    }

    /** Given by {@link ModelMonitorOperator} before {@link #open}: profiles then stay cached. */
    void useKeyScope(KeyScope scope) {
        this.keyScope = scope;
    }

    /**
     * The current key's cached profiles; makes room by writing back the least recently used
     * version's changes under its own key.
     */
    private OpenProfiles.Entry openProfiles(String key) throws Exception {
        Map<String, OpenProfiles.Entry> evicted = new HashMap<>(2);
        OpenProfiles.Entry e = open.getOrCreate(key, evicted);
        for (Map.Entry<String, OpenProfiles.Entry> out : evicted.entrySet()) {
            keyScope.run(out.getKey(), () -> write(out.getValue()));
        }
        return e;
    }

    /** Writes every cached change to keyed state: before a checkpoint barrier and at the end. */
    void writeOpenProfiles() throws Exception {
        for (Map.Entry<String, OpenProfiles.Entry> e : open.changed().entrySet()) {
            keyScope.run(e.getKey(), () -> write(e.getValue()));
        }
        open.trim();
    }

    /** Writes an entry's changes under the current key, which must be the entry's. */
    private void write(OpenProfiles.Entry e) throws Exception {
        for (Long start : e.changedWindows) {
            byte[] bytes = e.windows.get(start).toBytes();
            windows.put(start, bytes);
            e.windowSized(start, bytes.length);
        }
        if (e.learningChanged) {
            byte[] bytes = e.learning.toBytes();
            learning.update(bytes);
            e.learningSized(bytes.length);
        }
        e.written();
    }

    /** The reference being learned (cached, else from state), or null. */
    private ModelProfile learning(OpenProfiles.Entry e) throws Exception {
        if (!e.learningKnown) {
            byte[] bytes = learning.value();
            e.learning = bytes == null ? null : ModelProfile.fromBytes(bytes);
            e.learningSized(bytes == null ? 0 : bytes.length);
            e.learningKnown = true;
        }
        return e.learning;
    }

    /** The reference being learned for a key that may not be cached (a timer's), or null. */
    private ModelProfile learningOf(String key) throws Exception {
        OpenProfiles.Entry e = open.get(key);
        if (e != null) {
            return learning(e);
        }
        byte[] bytes = learning.value();
        return bytes == null ? null : ModelProfile.fromBytes(bytes);
    }

    private void clearLearning(OpenProfiles.Entry e) {
        learning.clear();
        e.learningSized(0);
        e.learning = null;
        e.learningKnown = true;
        e.learningChanged = false;
    }

    /** Removes a window from the cache and from state; null when it has none. */
    private ModelProfile takeWindow(String key, long windowStart) throws Exception {
        OpenProfiles.Entry e = open.get(key);
        ModelProfile cached = e == null ? null : e.windows.remove(windowStart);
        if (cached != null) {
            e.changedWindows.remove(windowStart);
            e.windowGone(windowStart);
            windows.remove(windowStart);
            return cached;
        }
        byte[] bytes = windows.get(windowStart);
        if (bytes == null) {
            return null;
        }
        windows.remove(windowStart);
        return ModelProfile.fromBytes(bytes);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<HealthReport> out) throws Exception {
        String key = ctx.getCurrentKey();
        String modelId = ModelKey.modelId(key);
        Live l = live(modelId, ctx.getBroadcastState(Descriptors.CONTROL));
        if (expireIfIdle(timestamp, ctx, l.thresholds())) {
            return;
        }
        Thresholds t = l.thresholds();
        long size = t.windowSize().toMillis();
        long windowEnd = timestamp + 1;
        MonitorStatus silenceStatus = status.value();
        if (silenceStatus != null && timestamp == silenceStatus.silenceTimerAt) {
            long due = silenceStatus.lastWindowEnd + t.silenceAfter().toMillis();
            if (due > timestamp) {
                silenceStatus.silenceTimerAt = due;
                ctx.timerService().registerEventTimeTimer(due);
            } else {
                silenceStatus.silenceTimerAt = Long.MIN_VALUE;
                // At the end of a bounded input the watermark jumps to the end of time: that is
                // the end of the backtest, not silence of the model.
                if (ctx.timerService().currentWatermark() != Long.MAX_VALUE) {
                    reportSilence(key, timestamp, l, silenceStatus, out);
                }
            }
            status.update(silenceStatus);
        }
        MonitorStatus st = statusOrNew();
        WindowGrid grid = WindowGrid.adopt(st, size, () -> newestOpenStart(key));
        ModelProfile window = null;
        long windowStart = Long.MIN_VALUE;
        for (long start : grid.startsEndingAt(windowEnd)) {
            window = takeWindow(key, start);
            if (window != null) {
                windowStart = start;
                break;
            }
        }
        if (window == null) {
            return; // a silence or expiry timer only (or a window a reference action discarded)
        }
        st.lastFiredWindowEnd = Math.max(st.lastFiredWindowEnd, windowEnd);
        long spanMillis = t.escalationWithin().toMillis();
        ReferenceProfile ref = reference(key);

        if (!window.binned() || ref == null) {
            ModelProfile learned = ref != null ? null : learningOf(key);
            long referenceEvents = ref != null ? ref.events() : learned == null ? 0 : learned.events();
            out.collect(noted(withControl(DriftEvaluator.summary(HealthReport.WARMING_UP, window, referenceEvents, t,
                    context(key, windowStart, windowEnd, st, st.driftedWithin(windowEnd, spanMillis), l)), l), st));
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
        if (window.events() < t.minWindowEvents() && !decisiveAlready(key, ref, window, spanStart, windowEnd, st, l)) {
            pending.update(window.toBytes());
            st.pendingStart = spanStart;
            out.collect(noted(withControl(DriftEvaluator.summary(HealthReport.ACCUMULATING, window, ref.events(), t,
                    context(key, spanStart, windowEnd, st, st.driftedWithin(windowEnd, spanMillis), l)), l), st));
            st.lateSinceReport = 0;
            status.update(st);
            return;
        }
        pending.clear();
        st.pendingStart = -1;

        int driftedBefore = st.driftedWithin(windowEnd, spanMillis);
        DriftEvaluator.Context c = context(key, spanStart, windowEnd, st, driftedBefore, l);
        byte[] detectorBytes = detectors.value();
        SequentialMonitor sequential = detectorBytes == null ? new SequentialMonitor()
                : SequentialMonitor.fromBytes(detectorBytes);
        List<SequentialEvidence> sequentialEvidence = sequential.update(ref, window, t);
        detectors.update(sequential.toBytes());
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, window, t, c, sequentialEvidence);
        QualityEvaluator.Result quality =
                QualityEvaluator.evaluate(ref, window, t, windowEnd - spanStart, st.lateSinceReport);
        HealthReport report = noted(withControl(withQuality(eval.report(), quality), l), st);
        st.recordWindow(windowEnd, eval.drifted(), spanMillis);
        st.lateSinceReport = 0;
        status.update(st);

        windowsEvaluated.inc();
        out.collect(report);
        metrics.windowEvaluated(key, report);
        if (eval.drifted()) {
            driftedWindows.inc();
        }
        for (DriftSignal s : weightedSignals(eval, quality, c, t)) {
            ctx.output(Descriptors.DRIFT_SIGNALS, s);
        }
    }

    /**
     * The signals a judged window sends to the escalation: one per drift reason and one for data
     * quality, each weighted by its evidence (EvidenceWeight: overwhelming evidence counts for more
     * than one window). Public so that the false-alarm simulation escalates exactly what the job does.
     */
    public static List<DriftSignal> weightedSignals(WindowEvaluation eval, QualityEvaluator.Result quality,
            DriftEvaluator.Context c, Thresholds t) {
        List<DriftSignal> signals = new java.util.ArrayList<>();
        if (eval.drifted()) {
            for (DriftSignal s : eval.signals()) {
                signals.add(EvidenceWeight.ofDrift(s, eval.report(), t));
            }
        }
        if (!quality.findings().isEmpty()) {
            signals.add(EvidenceWeight.ofQuality(qualitySignal(c, quality), quality.findings(), t));
        }
        return signals;
    }

    /**
     * Whether a span still short of {@code window.minEvents} already holds evidence that alone
     * completes the escalation (a signal of weight {@code escalation.windows}, EvidenceWeight): then
     * it is evaluated at its time boundary instead of accumulating further, so a strong change at
     * low traffic triggers a window sooner. Only with {@code escalation.weighted} and at least
     * {@code window.minEvents / 2} events (what a distribution test needs anyway). The look is
     * free of side effects (no sequential detector is updated); a span that is not decisive
     * accumulates as before. Under no change a span is decisive with probability at most
     * {@code alpha^k} (1e-9 at the defaults), so the extra look leaves the false-trigger rate as it is.
     */
    private boolean decisiveAlready(String key, ReferenceProfile ref, ModelProfile window, long spanStart,
            long windowEnd, MonitorStatus st, Live l) {
        Thresholds t = l.thresholds();
        if (!t.escalationWeighted() || window.events() < t.minWindowEvents() / 2) {
            return false;
        }
        DriftEvaluator.Context c = context(key, spanStart, windowEnd, st,
                st.driftedWithin(windowEnd, t.escalationWithin().toMillis()), l);
        return decisive(ref, window, t, c, st.lateSinceReport);
    }

    /**
     * The early-close rule of {@link #decisiveAlready} on its own (public for the false-alarm
     * simulation): whether a span of at least {@code window.minEvents / 2} events holds a drift or
     * quality signal of weight {@code escalation.windows}. Side-effect free.
     */
    public static boolean decisive(ReferenceProfile ref, ModelProfile span, Thresholds t, DriftEvaluator.Context c,
            long lateEvents) {
        if (!t.escalationWeighted() || span.events() < t.minWindowEvents() / 2) {
            return false;
        }
        WindowEvaluation eval = DriftEvaluator.evaluate(ref, span, t, c, List.of());
        for (DriftSignal s : eval.signals()) {
            if (EvidenceWeight.ofDrift(s, eval.report(), t).weight() >= t.escalationWindows()) {
                return true;
            }
        }
        QualityEvaluator.Result q = QualityEvaluator.evaluate(ref, span, t, c.windowEnd() - c.windowStart(), lateEvents);
        return !q.findings().isEmpty()
                && EvidenceWeight.ofQuality(qualitySignal(c, q), q.findings(), t).weight() >= t.escalationWindows();
    }

    private static HealthReport withQuality(HealthReport r, QualityEvaluator.Result q) {
        HealthReport.QualityCounts old = r.quality();
        HealthReport.QualityCounts counts = new HealthReport.QualityCounts(old.lateEvents(), old.unknownFeatureValues(),
                old.typeMismatches(), old.featuresOverCap(), old.nonFiniteValues(), old.outOfRangeValues(),
                old.unseenCategoryValues(), q.expectedEvents(), q.findings().toArray(HealthReport.QualityFinding[]::new));
        String status = HealthReport.OK.equals(r.status()) && !q.findings().isEmpty() ? HealthReport.DEGRADED : r.status();
        return r.withQuality(counts, status);
    }

    /**
     * DATA_QUALITY escalates like drift, through the same pattern. CRITICAL when the strongest
     * finding is 2.5 times its floor, the same ratio as the PSI bands (0.25 / 0.1).
     */
    private static DriftSignal qualitySignal(DriftEvaluator.Context c, QualityEvaluator.Result q) {
        String windowEnd = java.time.Instant.ofEpochMilli(c.windowEnd()).toString();
        Evidence[] evidence = q.findings().stream()
                .map(f -> new Evidence(f.signal(), f.statistic(), f.value(), f.threshold(), windowEnd))
                .toArray(Evidence[]::new);
        boolean critical = evidence[0].strength() >= 2.5;
        return new DriftSignal(c.modelId(), c.modelVersion(), RetrainTrigger.DATA_QUALITY, c.windowStart(),
                c.windowEnd(), c.eventsSeen(), evidence, critical, c.thresholdsVersion());
    }

    /** No window opened for quality.silenceAfter: say so once, without waiting for an event. */
    private void reportSilence(String key, long timestamp, Live l, MonitorStatus st, Collector<HealthReport> out)
            throws Exception {
        Thresholds t = l.thresholds();
        ReferenceProfile ref = reference(key);
        long referenceEvents = ref != null ? ref.events() : 0;
        long since = st.lastEventTime == Long.MIN_VALUE ? timestamp - t.silenceAfter().toMillis() : st.lastEventTime;
        out.collect(noted(withControl(DriftEvaluator.summary(HealthReport.SILENT, new ModelProfile(), referenceEvents, t,
                new DriftEvaluator.Context(ModelKey.modelId(key), ModelKey.modelVersion(key), since, timestamp,
                        st.eventsSeen, st.lateSinceReport, st.driftedWithin(timestamp, t.escalationWithin().toMillis()),
                        l.resolved().version())), l), st));
    }

    private DriftEvaluator.Context context(String key, long start, long end, MonitorStatus st, int driftedBefore,
            Live l) {
        return new DriftEvaluator.Context(ModelKey.modelId(key), ModelKey.modelVersion(key), start, end,
                st.eventsSeen, st.lateSinceReport, driftedBefore, l.resolved().version());
    }

    /**
     * A control record (checked by {@link io.modelwatch.functions.ControlCommandSplitter}) becomes
     * the key's control state on every parallel instance; a tombstone removes it. Thresholds take
     * effect at the next batch or window of each model; reference actions at the version's next
     * batch.
     */
    @Override
    public void processBroadcastElement(ControlUpdate u, Context ctx, Collector<HealthReport> out) throws Exception {
        BroadcastState<String, String> state = ctx.getBroadcastState(Descriptors.CONTROL);
        if (u.command() == null) {
            state.remove(u.key());
        } else {
            state.put(u.key(), u.command());
        }
        live.clear();
        controlUpdates.inc();
    }

    /**
     * The thresholds in force on a model and the commands behind them.
     *
     * @param model the model's own command, or null
     * @param all the {@code *} command, or null
     * @param error a command in broadcast state that no longer passes against the thresholds file
     *     (changed by a restart since it was checked); it is then not applied
     */
    private record Live(ControlCommand.Resolved resolved, ControlCommand model, ControlCommand all, String error) {
        Thresholds thresholds() {
            return resolved.thresholds();
        }

        ControlCommand.Reference referenceActionFor(String modelVersion) {
            return model != null && model.reference() != null && model.reference().version().equals(modelVersion)
                    ? model.reference() : null;
        }

        boolean inForce() {
            return model != null || all != null || error != null || resolved.error() != null;
        }
    }

    private Live live(String modelId, ReadOnlyBroadcastState<String, String> state) throws Exception {
        Live l = live.get(modelId);
        if (l != null) {
            return l;
        }
        String allJson = state.get(ControlCommand.ALL_MODELS);
        String modelJson = ControlCommand.ALL_MODELS.equals(modelId) ? null : state.get(modelId);
        ControlCommand all = null;
        ControlCommand model = null;
        String error = null;
        try {
            all = allJson == null ? null : ControlCommandParser.parse(ControlCommand.ALL_MODELS, allJson, config);
        } catch (ConfigException e) {
            error = "* command no longer valid against the thresholds file: " + e.getMessage();
        }
        try {
            model = modelJson == null ? null : ControlCommandParser.parse(modelId, modelJson, config);
        } catch (ConfigException e) {
            error = "command no longer valid against the thresholds file: " + e.getMessage();
        }
        l = new Live(ControlCommand.resolve(config, modelId, all, model), model, all, error);
        live.put(modelId, l);
        return l;
    }

    /**
     * The report with what live control changed, while a control record for the model (or
     * {@code *}) is in force; models without one pay no state read for it.
     */
    private HealthReport withControl(HealthReport r, Live l) throws Exception {
        if (!l.inForce()) {
            return r;
        }
        ControlStatus cs = control.value();
        String rejected = l.error() != null ? l.error() : l.resolved().error();
        return r.withControl(l.resolved().version(), new HealthReport.Control(
                l.model() == null ? null : l.model().commandId(),
                l.all() == null ? null : l.all().commandId(),
                l.resolved().overrides().toArray(String[]::new),
                rejected,
                cs == null ? null : cs.referenceCommandId,
                cs == null ? null : cs.referenceAction,
                cs == null || cs.referenceAppliedAt == Long.MIN_VALUE ? null
                        : Instant.ofEpochMilli(cs.referenceAppliedAt).toString()));
    }

    /**
     * Runs a reference action on this version. The open windows, the pending span and the
     * sequential detectors go: their counts were made on the old reference's bins or against it,
     * and judging them against another reference would be wrong. Their timers find nothing.
     */
    private void applyReference(String key, String commandId, ControlCommand.Reference action, long at,
            ControlStatus cs, MonitorStatus st) throws Exception {
        open.remove(key);
        windows.clear();
        pending.clear();
        detectors.clear();
        learning.clear();
        referenceCache.remove(key);
        st.pendingStart = -1;
        st.driftedWindowEnds = new long[0];
        if (ControlCommand.Reference.RELEARN.equals(action.action())) {
            reference.clear();
            cs.referenceEvents = action.events();
            cs.ignoreGivenReference = true;
        } else {
            ReferenceProfile given = ReferenceProfile.fromBytes(action.profile());
            reference.update(ReferenceBuilder.installed(given).toBytes());
            cs.referenceEvents = 0;
        }
        cs.referenceCommandId = commandId;
        cs.referenceAction = action.describe();
        cs.referenceAppliedAt = at;
        control.update(cs);
        status.update(st);
        referenceActions.inc();
    }

    private ControlStatus controlOrNew() throws Exception {
        ControlStatus cs = control.value();
        return cs != null ? cs : new ControlStatus();
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
            ControlStatus cs = control.value();
            if (cs != null && cs.ignoreGivenReference) {
                return null; // a relearn command asked for a reference learned from traffic
            }
            // Adopted into state, so a restart without the file keeps judging against it.
            bytes = ReferenceBuilder.installed(ReferenceProfile.fromBytes(bytes)).toBytes();
            reference.update(bytes);
            OpenProfiles.Entry e = open.get(key);
            if (e != null) {
                clearLearning(e);
            } else {
                learning.clear();
            }
        }
        ReferenceProfile ref = ReferenceProfile.fromBytes(bytes);
        referenceCache.put(key, ref);
        return ref;
    }

    /**
     * Keeps one idle-expiry timer per key, at most {@code expireAfter} after the newest event. The
     * timer is not moved on every event (a RocksDB write each); when it fires early, it re-arms.
     * Timers are never deleted: an expiry time can coincide with a window's timer.
     */
    private static void scheduleExpiry(MonitorStatus st, long ts, Thresholds t, TimerService timers) {
        st.lastEventTime = Math.max(st.lastEventTime, ts);
        long due = st.lastEventTime + t.expireAfter().toMillis();
        // Also when expireAfter was shortened by an upgrade; the later timer then finds nothing to do.
        if (st.expiryTimer == Long.MIN_VALUE || st.expiryTimer > due) {
            timers.registerEventTimeTimer(due);
            st.expiryTimer = due;
        }
    }

    /**
     * On the expiry timer: if the version has been silent for {@code expireAfter}, deletes all of
     * its state and returns true; otherwise re-arms at newest event + expireAfter.
     */
    private boolean expireIfIdle(long timestamp, OnTimerContext ctx, Thresholds t) throws Exception {
        MonitorStatus st = status.value();
        if (st == null || timestamp != st.expiryTimer) {
            return false;
        }
        if (ctx.timerService().currentWatermark() == Long.MAX_VALUE) {
            // The end of a bounded input (or a drained stop) fires every expiry timer at once: that
            // is not idleness. Expiring there would only spend the end of a backtest deleting state
            // (RocksDB iterates each version's windows over their tombstones: a third of the
            // monitor's time in docs/benchmarks.md) and would empty a drained stop's savepoint.
            return false;
        }
        String key = ctx.getCurrentKey();
        long due = st.lastEventTime + t.expireAfter().toMillis();
        if (due > timestamp) {
            ctx.timerService().registerEventTimeTimer(due);
            st.expiryTimer = due;
            status.update(st);
            return false;
        }
        // Windows end long before; only a window size changed by an upgrade could leave one open.
        WindowGrid grid = WindowGrid.adopt(st, t.windowSize().toMillis(), () -> newestOpenStart(key));
        Set<Long> starts = new HashSet<>();
        windows.keys().forEach(starts::add);
        OpenProfiles.Entry cached = open.get(key);
        if (cached != null) {
            starts.addAll(cached.windows.keySet());
            open.remove(key);
        }
        for (Long start : starts) {
            ctx.timerService().deleteEventTimeTimer(grid.end(start) - 1);
        }
        if (st.silenceTimerAt != Long.MIN_VALUE) {
            ctx.timerService().deleteEventTimeTimer(st.silenceTimerAt);
        }
        reference.clear();
        learning.clear();
        windows.clear();
        pending.clear();
        detectors.clear();
        status.clear();
        control.clear();
        referenceCache.remove(key);
        expiredVersions.inc();
        return true;
    }

    /**
     * The start of the current key's open window that starts last (cached or in state), or
     * Long.MIN_VALUE: read once per version whose state predates {@link MonitorStatus#windowGrids}.
     */
    private long newestOpenStart(String key) throws Exception {
        long newest = Long.MIN_VALUE;
        for (Long start : windows.keys()) {
            newest = Math.max(newest, start);
        }
        OpenProfiles.Entry cached = open.get(key);
        if (cached != null) {
            for (Long start : cached.windows.keySet()) {
                newest = Math.max(newest, start);
            }
        }
        return newest;
    }

    /**
     * The thresholds file's settings, by model, as operator state: the state knows which file it
     * was written under, so after a savepoint upgrade the first report of each version can say
     * which of its keys changed ({@link HealthReport.Upgrade}). The same on every subtask (union
     * list state, so any parallelism restores it).
     */
    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        fileState = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>("thresholds-file", Types.STRING));
        restoredFile = null;
        for (String json : fileState.get()) {
            restoredFile = ThresholdsFile.fromJson(json);
            break;
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        fileState.update(List.of(ThresholdsFile.of(config).toJson()));
    }

    /**
     * {@code r} with a note of the savepoint upgrade, on the version's first report after one
     * changed its model's settings; records in {@code st} which file the version was reported under.
     */
    private HealthReport noted(HealthReport r, MonitorStatus st) {
        String file = config.version();
        HealthReport noted = r;
        if (restoredFile != null && restoredFile.version().equals(st.reportedThresholdsVersion)
                && !file.equals(st.reportedThresholdsVersion)) {
            List<String> changed = restoredFile.changedFor(r.modelId(), config);
            if (!changed.isEmpty()) {
                noted = r.withUpgrade(new HealthReport.Upgrade(restoredFile.version(), changed.toArray(String[]::new)));
            }
        }
        st.reportedThresholdsVersion = file;
        return noted;
    }

    private MonitorStatus statusOrNew() throws Exception {
        MonitorStatus st = status.value();
        return st != null ? st : new MonitorStatus();
    }
}
