package io.modelwatch.monitor;

import io.modelwatch.model.MetricNames;
import io.modelwatch.control.ControlBroadcast;
import io.modelwatch.control.ControlCommand;
import io.modelwatch.config.Thresholds;
import io.modelwatch.config.ThresholdsConfig;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.SequentialEvidence;
import io.modelwatch.detect.SequentialMonitor;
import io.modelwatch.detect.WindowVerdict;
import io.modelwatch.functions.ControlStatus;
import io.modelwatch.model.SideOutputs;
import io.modelwatch.batching.EventBatcher;
import io.modelwatch.functions.MonitorStatus;
import io.modelwatch.model.ControlUpdate;
import io.modelwatch.model.DriftSignal;
import io.modelwatch.model.HealthReport;
import io.modelwatch.model.ModelKey;
import io.modelwatch.model.PredictionBatch;
import io.modelwatch.model.PredictionEvent;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heart of the job, keyed by model version ({@link ModelKey}). For each event it either
 * learns the reference (the first {@code reference.events} events of the version, unless a
 * reference was given for the version with {@code run --references}) or adds the event to its
 * event-time window's profile. When the watermark passes a window's end, the window is judged
 * against the reference ({@link WindowVerdict}): a {@link HealthReport} goes out on the main
 * output and its signals on {@link SideOutputs#SIGNALS}.
 *
 * <p>This class only dispatches, batch by batch and timer by timer, to the parts that each do one
 * job:
 * <ul>
 *   <li>{@link WindowAssignment}: which window an event belongs to, and which events are late;
 *   <li>{@link ReferenceLifecycle}: learn, adopt a given reference, relearn or replace it on a
 *       control command;
 *   <li>{@link LiveThresholds}: the thresholds file with the control topic's overrides;
 *   <li>{@link IdleExpiry}: a version silent for {@code lifecycle.expireAfter} loses its state;
 *   <li>{@link SilenceDetection}: a version that opened no window for {@code quality.silenceAfter}
 *       is reported SILENT once;
 *   <li>{@link LowTrafficSpans}: windows with fewer than {@code window.minEvents} events are
 *       merged into the next one;
 *   <li>{@link ReportAssembly}: the verdict and its report, with the note of a savepoint upgrade;
 *   <li>{@link OpenProfileStore}: open windows and the reference being learned, kept as objects
 *       between checkpoints ({@link OpenProfiles}) in front of keyed state.
 * </ul>
 * Each evaluated window also feeds the model's sequential detectors ({@link SequentialMonitor}:
 * CUSUM and Page-Hinkley per numeric signal, a few dozen bytes each in keyed state "detectors"),
 * whose alarms count as evidence of that window.
 *
 * <p>State (RocksDB in production) is kept as explicit, versioned binary profiles, not Kryo, so it
 * can evolve; its descriptors are {@link MonitorStateDescriptors}. Run in a
 * {@link ModelMonitorOperator}, the function writes its cached open profiles to keyed state
 * before every checkpoint barrier, so state is complete at every checkpoint. In a plain
 * keyed-broadcast operator it writes them after every batch.
 *
 * <p>Live control (the compacted {@code monitor-control} topic, docs/topics.md): its checked
 * records arrive on the broadcast input ({@link ControlUpdate}) and are kept in broadcast state
 * {@link SideOutputs#CONTROL}, so they survive restores; a fresh start re-reads the topic. Every
 * report says what the control topic changed ({@link HealthReport.Control}, and a
 * thresholdsVersion with a {@code +} suffix). A reference action runs on the version's next batch,
 * once per commandId (keyed state "control").
 */
public final class ModelMonitorFunction
        extends KeyedBroadcastProcessFunction<String, PredictionBatch, ControlUpdate, HealthReport>
        implements CheckpointedFunction {
    private static final Logger LOG = LoggerFactory.getLogger(ModelMonitorFunction.class);
    /**
     * {@code openProfiles} that sizes the cache of open profiles ({@link OpenProfiles}) from the
     * heap the instance has ({@link OpenProfileSizing}): the default. {@code run --open-profiles N}
     * gives N versions per parallel instance instead.
     */
    public static final int OPEN_PROFILES_FROM_HEAP = OpenProfileSizing.FROM_HEAP;

    private final ThresholdsConfig config;
    /** References given up front (run --references), binary, by model key. */
    private final Map<String, byte[]> givenReferences;
    private final int openProfiles;
    private final long openProfileBytes;

    private transient OpenProfileStore.KeyScope keyScope;
    private transient MonitorState state;
    private transient OpenProfileStore store;
    private transient LiveThresholds thresholds;
    private transient ReferenceLifecycle references;
    private transient SilenceDetection silence;
    private transient WindowAssignment assignment;
    private transient IdleExpiry expiry;
    private transient LowTrafficSpans spans;
    private transient ReportAssembly reports;
    private transient Counter windowsEvaluated;
    private transient Counter driftedWindows;
    private transient Counter controlUpdates;
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
        this(config, givenReferences, OPEN_PROFILES_FROM_HEAP);
    }

    /**
     * @param openProfiles model versions whose open profiles stay on the heap between checkpoints,
     *     per parallel instance, with {@link OpenProfileSizing#BYTES_PER_EXPLICIT_VERSION} of heap
     *     each on average as the cache weighs it; or {@link #OPEN_PROFILES_FROM_HEAP}
     */
    public ModelMonitorFunction(ThresholdsConfig config, Map<String, byte[]> givenReferences, int openProfiles) {
        this(config, givenReferences, openProfiles, -1);
        if (openProfiles < 0) {
            throw new IllegalArgumentException("openProfiles must be >= 1 (or " + OPEN_PROFILES_FROM_HEAP
                    + ": sized from the heap), was " + openProfiles);
        }
    }

    /**
     * With another open-profile cache size, in versions and weight ({@link OpenProfiles#heapWeight};
     * tests); weight -1: as {@code openProfiles} gives it.
     */
    ModelMonitorFunction(ThresholdsConfig config, Map<String, byte[]> givenReferences, int openProfiles,
            long openProfileBytes) {
        this.config = config;
        this.givenReferences = givenReferences == null ? Map.of() : Map.copyOf(givenReferences);
        this.openProfiles = openProfiles;
        this.openProfileBytes = openProfileBytes;
    }

    /** The cache's bounds in this instance: as given, else from the heap shared by the TaskManager's slots. */
    private OpenProfileSizing openProfileSizing() {
        if (openProfileBytes > 0) {
            return new OpenProfileSizing(openProfiles, openProfileBytes);
        }
        return OpenProfileSizing.of(openProfiles, Runtime.getRuntime().maxMemory(), TaskSlots.of(getRuntimeContext()));
    }

    @Override
    public void open(OpenContext openContext) {
        var group = getRuntimeContext().getMetricGroup().addGroup(MetricNames.GROUP);
        windowsEvaluated = group.counter("windowsEvaluated");
        driftedWindows = group.counter("driftedWindows");
        Counter expiredVersions = group.counter("modelVersionsExpired");
        controlUpdates = group.counter("controlUpdates");
        Counter referenceActions = group.counter("referenceActions");
        state = new MonitorState(getRuntimeContext());
        OpenProfileSizing sizing = openProfileSizing();
        LOG.info("Open profiles kept on the heap between checkpoints: at most {}", sizing);
        OpenProfiles open = new OpenProfiles(sizing.versions(), sizing.bytes());
        store = new OpenProfileStore(state, open, keyScope);
        thresholds = new LiveThresholds(config);
        references = new ReferenceLifecycle(state, store, givenReferences, referenceActions);
        silence = new SilenceDetection();
        assignment = new WindowAssignment(store, silence);
        expiry = new IdleExpiry(state, store, references, expiredVersions);
        spans = new LowTrafficSpans(state, open);
        reports = new ReportAssembly(config, state, restoredFile);
        // A steady rate of evictions, or of batches not admitted, means more active versions per
        // instance than the cache holds: each of their batches is a state read and a write-back
        // again (docs/benchmarks.md).
        group.gauge("openProfileVersions", () -> open.size());
        group.gauge("openProfileEvictions", () -> open.evictions());
        group.gauge("openProfileNotAdmitted", () -> open.notAdmitted());
        group.gauge("openProfileHeapBytes", () -> open.bytes());
        metrics = new ModelMetrics(getRuntimeContext().getMetricGroup());
    }

    /** Given by {@link ModelMonitorOperator} before {@link #open}: profiles then stay cached. */
    void useKeyScope(OpenProfileStore.KeyScope scope) {
        this.keyScope = scope;
    }

    /** The cache of open profiles, once open (tests). */
    OpenProfiles openProfileCache() {
        return store.cache();
    }

    /** Writes every cached change to keyed state: before a checkpoint barrier and at the end. */
    void writeOpenProfiles() throws Exception {
        store.writeChanged();
    }

    /**
     * A batch of one model version's events ({@link EventBatcher}): state is read once, every
     * event is applied in memory, and what changed is written back once.
     */
    @Override
    public void processElement(PredictionBatch batch, ReadOnlyContext ctx, Collector<HealthReport> out)
            throws Exception {
        String key = ctx.getCurrentKey();
        LiveThresholds.Live l = thresholds.forModel(ModelKey.modelId(key), ctx.getBroadcastState(ControlBroadcast.COMMANDS));
        Thresholds t = l.thresholds();
        TimerService timers = ctx.timerService();
        MonitorStatus st = state.statusOrNew();
        WindowGrid grid = WindowGrid.adopt(st, t.windowSize().toMillis(), () -> store.newestOpenStart(key));
        ControlStatus cs = references.applyCommand(key, l, ModelKey.modelVersion(key), batch.events()[0].timestamp(), st);
        ReferenceProfile ref = references.reference(key);
        OpenProfiles.Entry profiles = store.entry(key);
        if (ref == null) {
            references.beginLearning(profiles, t, cs);
        }
        assignment.begin(st, grid, timers.currentWatermark(), profiles, t, timers);
        for (PredictionEvent e : batch.events()) {
            st.eventsSeen++;
            IdleExpiry.eventAt(st, e.timestamp(), t, timers);
            OpenWindow window = assignment.windowOf(e.timestamp(), ref);
            if (window == null) {
                continue; // late, and counted
            }
            if (ref == null) {
                ref = references.learn(key, e, window);
            } else if (window.binned()) {
                window.add(e, ref);
            } else {
                // The window began while the reference was still being learned; it reports as warm-up.
                window.add(e);
            }
        }
        assignment.end();
        references.endLearning();
        store.batchDone(key, profiles);
        state.status.update(st);
    }

    /**
     * A control record (checked by {@link io.modelwatch.control.ControlCommandSplitter}) becomes
     * the key's control state on every parallel instance; a tombstone removes it. Thresholds take
     * effect at the next batch or window of each model; reference actions at the version's next
     * batch.
     */
    @Override
    public void processBroadcastElement(ControlUpdate u, Context ctx, Collector<HealthReport> out) throws Exception {
        BroadcastState<String, String> broadcast = ctx.getBroadcastState(ControlBroadcast.COMMANDS);
        if (u.command() == null) {
            broadcast.remove(u.key());
        } else {
            broadcast.put(u.key(), u.command());
        }
        thresholds.changed();
        controlUpdates.inc();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<HealthReport> out) throws Exception {
        String key = ctx.getCurrentKey();
        LiveThresholds.Live l = thresholds.forModel(ModelKey.modelId(key), ctx.getBroadcastState(ControlBroadcast.COMMANDS));
        Thresholds t = l.thresholds();
        TimerService timers = ctx.timerService();
        if (expiry.expireIfIdle(key, timestamp, t, timers)) {
            return;
        }
        MonitorStatus silenceStatus = state.status.value();
        if (SilenceDetection.isSilenceTimer(timestamp, silenceStatus)) {
            if (silence.silentAt(timestamp, silenceStatus, t, timers)) {
                reportSilence(key, timestamp, l, silenceStatus, out);
            }
            state.status.update(silenceStatus);
        }
        long windowEnd = timestamp + 1;
        MonitorStatus st = state.statusOrNew();
        WindowGrid grid = WindowGrid.adopt(st, t.windowSize().toMillis(), () -> store.newestOpenStart(key));
        OpenWindow window = null;
        long windowStart = Long.MIN_VALUE;
        for (long start : grid.startsEndingAt(windowEnd)) {
            window = store.takeWindow(key, start);
            if (window != null) {
                windowStart = start;
                break;
            }
        }
        if (window == null) {
            return; // a silence or expiry timer only (or a window a reference action discarded)
        }
        long spanMillis = t.escalationWithin().toMillis();
        ReferenceProfile ref = references.reference(key);

        LowTrafficSpans.Span span = spans.extend(key, window, windowStart, st, ref);
        if (span.ended() != null) {
            reportSpan(key, span.ended().profile(), span.ended().start(), st.lastFiredWindowEnd, ref, l, st, out);
        }
        st.lastFiredWindowEnd = Math.max(st.lastFiredWindowEnd, windowEnd);
        if (!window.binned() || ref == null) {
            // A window that began while the reference was learned is summarised only; below
            // window.minEvents it accumulates into a span as judged windows do, so that a
            // low-traffic version sends the summary of a sample worth reading, and the performance
            // monitor keeps one report per span for revisions, not one per window for the label
            // horizon (docs/topics.md, status).
            boolean report = true;
            if (span.profile().events() < t.minWindowEvents()) {
                report = LowTrafficSpans.progressReportDue(span, windowEnd, st, t);
                spans.holdBack(key, span, st);
            } else {
                spans.close(key, st);
            }
            if (report) {
                reportSpan(key, span.profile(), span.start(), windowEnd, ref, l, st, out);
            }
            state.status.update(st);
            return;
        }

        DriftEvaluator.Context c = ReportAssembly.context(key, span.start(), windowEnd, st,
                st.driftedWithin(windowEnd, spanMillis), l);
        if (LowTrafficSpans.waits(ref, span, t, c)) {
            boolean report = LowTrafficSpans.progressReportDue(span, windowEnd, st, t);
            spans.holdBack(key, span, st);
            if (report) {
                reportSpan(key, span.profile(), span.start(), windowEnd, ref, l, st, out);
            }
            state.status.update(st);
            return;
        }
        spans.close(key, st);

        byte[] detectorBytes = state.detectors.value();
        SequentialMonitor sequential = detectorBytes == null ? new SequentialMonitor()
                : SequentialMonitor.fromBytes(detectorBytes);
        List<SequentialEvidence> sequentialEvidence = sequential.update(ref, span.profile(), t);
        state.detectors.update(sequential.toBytes());
        WindowVerdict verdict = reports.judge(ref, span.profile(), t, c, sequentialEvidence, l, st);
        // Judged against the reference as it was: a window that completes the joint summary is not
        // also compared with it.
        ReferenceProfile kept = references.learnJoint(key, ref, span.profile(), t.referenceEvents());
        references.learnSegments(key, kept, span.profile(), t.referenceEvents(),
                WindowVerdict.hasPredictionDrift(verdict.signals()));
        st.recordWindow(windowEnd, verdict.weight(), spanMillis);
        reported(windowEnd, st);
        state.status.update(st);

        windowsEvaluated.inc();
        out.collect(verdict.report());
        metrics.windowEvaluated(key, verdict.report());
        if (verdict.drifted()) {
            driftedWindows.inc();
        }
        for (DriftSignal s : verdict.signals()) {
            ctx.output(SideOutputs.SIGNALS, s);
        }
    }

    /** A report went out for the windows up to {@code windowEnd}. */
    private static void reported(long windowEnd, MonitorStatus st) {
        st.lateSinceReport = 0;
        st.pendingReportedEnd = windowEnd;
    }

    /**
     * The summary of a span that is not judged, up to {@code end}: WARMING_UP while its windows
     * began before the reference was complete, else ACCUMULATING. At its progress windows
     * ({@link LowTrafficSpans#progressReportDue}), when a warm-up span reaches window.minEvents,
     * and for the windows not yet reported when it ends at the first window on the complete
     * reference or before a SILENT report.
     */
    private void reportSpan(String key, ModelProfile span, long start, long end, ReferenceProfile ref,
            LiveThresholds.Live l, MonitorStatus st, Collector<HealthReport> out) throws Exception {
        Thresholds t = l.thresholds();
        DriftEvaluator.Context c = ReportAssembly.context(key, start, end, st,
                st.driftedWithin(end, t.escalationWithin().toMillis()), l);
        if (span.binned() && ref != null) {
            out.collect(reports.summary(HealthReport.ACCUMULATING, span, ref.events(), t, c, l, st));
        } else {
            out.collect(reports.summary(HealthReport.WARMING_UP, span, references.referenceEvents(key, ref), t, c, l, st));
        }
        reported(end, st);
    }

    /** No window opened for quality.silenceAfter: say so once, without waiting for an event. */
    private void reportSilence(String key, long timestamp, LiveThresholds.Live l, MonitorStatus st,
            Collector<HealthReport> out) throws Exception {
        Thresholds t = l.thresholds();
        ReferenceProfile ref = references.reference(key);
        ModelProfile unreported = spans.unreported(key, st, ref);
        if (unreported != null) {
            reportSpan(key, unreported, st.pendingStart, st.lastFiredWindowEnd, ref, l, st, out);
        }
        long referenceEvents = ref != null ? ref.events() : 0;
        long since = st.lastEventTime == Long.MIN_VALUE ? timestamp - t.silenceAfter().toMillis() : st.lastEventTime;
        DriftEvaluator.Context c = ReportAssembly.context(key, since, timestamp, st,
                st.driftedWithin(timestamp, t.escalationWithin().toMillis()), l);
        out.collect(reports.summary(HealthReport.SILENT, new ModelProfile(), referenceEvents, t, c, l, st));
    }

    /**
     * The thresholds file's settings, by model, as operator state ({@link ReportAssembly}): the
     * state knows which file it was written under, so after a savepoint upgrade the first report
     * of each version can say which of its keys changed ({@link HealthReport.Upgrade}).
     */
    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        fileState = ReportAssembly.fileState(context.getOperatorStateStore());
        restoredFile = ReportAssembly.restoredFile(fileState);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        ReportAssembly.snapshotFile(fileState, config);
    }
}
