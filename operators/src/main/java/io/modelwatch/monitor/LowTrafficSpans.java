package io.modelwatch.monitor;

import io.modelwatch.config.Thresholds;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.WindowVerdict;
import io.modelwatch.functions.MonitorStatus;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;
import java.util.ArrayList;
import java.util.List;

/**
 * Windows with fewer than {@code window.minEvents} events are merged into the next one until the
 * span has enough, so low-traffic models are judged on samples large enough to trust; warm-up
 * windows (summarised while the reference is learned) accumulate the same way, in spans of their
 * own. The span waiting for more is kept in keyed state "pending" and "pendingChunks", its start in
 * {@link MonitorStatus#pendingStart}. A span that already holds decisive evidence is judged at its
 * time boundary anyway ({@link WindowVerdict#decisive}).
 *
 * <p>At the default {@code window.minEvents} (1,000) a model with 10 events a minute accumulates for
 * 100 windows, and every one of them extends the span. Reading the span back from its bytes and
 * writing it whole again at every window was most of such a model's per-window cost (the span's
 * sketches grow to hundreds of items per feature while a window adds ten; docs/benchmarks.md). So
 * the span stays on the heap with the version's open profiles ({@link OpenProfiles.Entry}), and
 * state gets, with the version's other changes before a checkpoint barrier ({@link #holdBack}),
 * only the windows merged since, as more entries of "pendingChunks" after the span written whole
 * in "pending", while those chunks stay smaller than it (then the span is written whole again,
 * and the chunks go). A window of a few events is kept as its events
 * ({@link OpenWindow}): it extends the span by adding them one by one, and its chunk is its events.
 * Replaying the chunks in their order into the written span makes the same adds and merges on the
 * same profiles (serialising a profile loses nothing, and a merge depends only on the two
 * profiles), so a span read back from state, after a restore or when the version has left the
 * heap cache, is the span the cache held, byte for byte.
 *
 * <p>A span below {@code window.minEvents} reports its progress (an {@code ACCUMULATING} or
 * {@code WARMING_UP} summary of the span so far) at some of its windows, not at every one
 * ({@link #progressReportDue}): at its 1st, 2nd, 4th, 8th, ... window and then at least once per
 * {@code quality.silenceAfter}, so a model with one event a minute does not send one report per
 * event (that summary was most of such a model's cost and most of its reports;
 * docs/benchmarks.md), while a live model still reports within the time after which a quiet one
 * is reported {@code SILENT}. The last report of a span covers all of it: the span is reported
 * when it is judged, when it ends at the first window on a complete reference, and before a
 * {@code SILENT} report ({@link #unreported}).
 */
final class LowTrafficSpans {
    private final MonitorState state;
    private final OpenProfiles cache;

    LowTrafficSpans(MonitorState state, OpenProfiles cache) {
        this.state = state;
        this.cache = cache;
    }

    /**
     * A span of windows to judge: its merged profile, the start of its first window, the window
     * merged last, and whether state holds the span without that window (so that a chunk of it
     * extends what state holds).
     */
    record Span(ModelProfile profile, long start, OpenWindow last, boolean extendsState, Ended ended) {}

    /** A span of the other kind that the window ended (its profile and start), not yet reported whole. */
    record Ended(ModelProfile profile, long start) {}

    /**
     * The window just ended, with the span pending before it, if any; {@code ref} is the
     * version's reference (null while it is learned), which a binned window's events are counted
     * on.
     */
    Span extend(String key, OpenWindow window, long windowStart, MonitorStatus st, ReferenceProfile ref)
            throws Exception {
        OpenProfiles.Entry e = cache.get(key);
        ModelProfile acc = pending(e, ref);
        Ended ended = null;
        if (acc != null && acc.binned() != window.binned()) {
            // A span holds windows of one kind. A warm-up span (windows summarised while the
            // reference was learned) ends at the first window on the reference's bins; it is
            // reported whole then, unless its last window was.
            if (st.pendingReportedEnd < st.lastFiredWindowEnd) {
                ended = new Ended(acc, st.pendingStart);
            }
            close(key, st);
            acc = null;
        }
        if (acc == null) {
            return new Span(window.profile(ref), windowStart, window, false, ended);
        }
        window.addTo(acc, ref);
        if (e != null) {
            // The cached span now holds the window; until holdBack writes it, state holds the span without it.
            e.span = acc;
            e.spanKnown = true;
        }
        // Read from state, the span is known to be what state holds; from the cache, it is whenever
        // the cache keeps it (every write goes through holdBack, which caches what it wrote).
        return new Span(acc, st.pendingStart, window, true, null);
    }

    /**
     * The pending span, when its last windows were not reported yet, else null: before a version
     * is reported {@code SILENT}, its span is reported up to its last window
     * ({@link MonitorStatus#lastFiredWindowEnd}).
     */
    ModelProfile unreported(String key, MonitorStatus st, ReferenceProfile ref) throws Exception {
        if (st.pendingStart < 0 || st.pendingReportedEnd >= st.lastFiredWindowEnd) {
            return null;
        }
        return pending(cache.get(key), ref);
    }

    /** The pending span, or null: the cached one when the entry knows it, else as state holds it. */
    private ModelProfile pending(OpenProfiles.Entry e, ReferenceProfile ref) throws Exception {
        return e != null && e.spanKnown ? e.span : read(e, ref);
    }

    /**
     * Whether the span held back at the window ending at {@code windowEnd} reports its progress:
     * at its first window, then whenever the windows it has lasted (k, its length over
     * {@code window.size}) reach the next power of two below {@code quality.silenceAfter}, and
     * from there the next multiple of {@code quality.silenceAfter}. A span of 1,000 one-minute
     * windows with the default 30 minutes sends 38 progress reports, not 1,000; one of 17 windows 5.
     */
    static boolean progressReportDue(Span span, long windowEnd, MonitorStatus st, Thresholds t) {
        long size = Math.max(1, t.windowSize().toMillis());
        long every = Math.max(1, t.silenceAfter().toMillis() / size);
        if (st.pendingReportedEnd <= span.start()) {
            return true; // nothing of this span reported yet
        }
        return progressStep(windowsSince(span.start(), windowEnd, size), every)
                > progressStep(windowsSince(span.start(), st.pendingReportedEnd, size), every);
    }

    private static long windowsSince(long start, long end, long size) {
        return Math.max(1, (end - start + size - 1) / size);
    }

    /** The progress step of a span k windows long: log2(k) below {@code every}, then k's multiples of it. */
    static long progressStep(long k, long every) {
        return k < every ? 63 - Long.numberOfLeadingZeros(k) : 64 + k / every;
    }

    /** The span as state holds it ("pending" with its chunks replayed), sized into the entry, or null. */
    private ModelProfile read(OpenProfiles.Entry e, ReferenceProfile ref) throws Exception {
        byte[] bytes = state.pending.value();
        if (bytes == null) {
            if (e != null) {
                e.spanSized(0, 0, null);
                e.spanBaseNames = null;
                e.spanTail = null;
            }
            return null;
        }
        ModelProfile span = ModelProfile.fromBytes(bytes);
        String[] names = OpenWindow.names(span);
        int chunkBytes = 0;
        Iterable<byte[]> chunks = state.pendingChunks.get();
        if (chunks != null) {
            for (byte[] chunk : chunks) {
                OpenWindow.fromBytes(chunk, names).addTo(span, ref);
                chunkBytes += chunk.length;
            }
        }
        if (e != null) {
            e.spanSized(bytes.length, chunkBytes, span);
            e.spanBaseNames = names;
            e.spanTail = new ArrayList<>(); // state holds this span: windows extend it as chunks
        }
        return span;
    }

    /**
     * Whether the span waits for the next window: it has fewer than {@code window.minEvents}
     * events and no decisive evidence yet (a look free of side effects: no sequential detector
     * is updated; a span that is not decisive accumulates). The span is looked at ({@link #looks})
     * each time it passes another eighth of {@code window.minEvents}, not at every window.
     */
    static boolean waits(ReferenceProfile ref, Span span, Thresholds t, DriftEvaluator.Context c) {
        return span.profile().events() < t.minWindowEvents()
                && !(looks(span, t) && WindowVerdict.decisive(ref, span.profile(), t, c));
    }

    /**
     * Whether the window just merged took the span past another eighth of {@code window.minEvents}
     * (125 events at the default 1,000): then {@link WindowVerdict#decisive} looks at it, from
     * half of {@code window.minEvents} on. A look is a full evaluation of the span; at every window
     * a model with 10 events a minute made 50 of them per span, one with 1 event a minute 500.
     * With 4 looks (at 500, 625, 750 and 875 events), a decisive change waits for at most an
     * eighth of {@code window.minEvents} more events, and a span has fewer chances of a false early
     * close, not more (docs/detection.md).
     */
    static boolean looks(Span span, Thresholds t) {
        long step = Math.max(1, t.minWindowEvents() / 8);
        long events = span.profile().events();
        long before = events - span.last().events();
        return events / step > before / step;
    }

    /**
     * Keeps the span for the next window. A cached version keeps it on the heap, and state gets
     * it with the version's other changes, before the next checkpoint barrier or when the version
     * leaves the cache ({@code OpenProfileStore}): the windows added since state last got the span
     * as more chunks after it while those stay smaller than the span written whole, else the
     * span whole. So a span extended by several windows between two checkpoints (a backtest, or
     * a job catching up, replays many windows a second) is written once, not once per window,
     * and a span judged before the checkpoint is never written. The windows are kept for their
     * chunks while they are up to {@link OpenWindow#EVENTS_KEPT} events in all (or a single
     * window of more, whose profile is kept anyway); past that the span is written whole, which
     * those windows' chunks would soon have required. A version not cached is written at once,
     * as one more chunk or whole.
     */
    void holdBack(String key, Span span, MonitorStatus st) throws Exception {
        OpenProfiles.Entry e = cache.get(key);
        if (e == null) {
            state.pending.update(span.profile().toBytes());
            state.pendingChunks.clear();
        } else {
            OpenWindow w = span.last();
            List<OpenWindow> tail = e.spanTail;
            if (span.extendsState() && tail != null && (tail.isEmpty()
                    || w.keepsEvents() && events(tail) + w.events() <= OpenWindow.EVENTS_KEPT)) {
                tail.add(w);
            } else {
                e.spanTail = null;
            }
            e.span = span.profile();
            e.spanKnown = true;
            e.spanChanged = true;
        }
        st.pendingStart = span.start();
    }

    /** The events of {@code windows}: a span's tail, of up to {@link OpenWindow#EVENTS_KEPT}. */
    private static long events(List<OpenWindow> windows) {
        long n = 0;
        for (OpenWindow w : windows) {
            n += w.events();
        }
        return n;
    }

    /** The span is judged: nothing is pending any more. */
    void close(String key, MonitorStatus st) {
        OpenProfiles.Entry e = cache.get(key);
        if (e == null || !e.spanKnown || e.spanBaseBytes > 0) {
            state.clearPending(); // else state holds no span: nothing to delete
        }
        if (e != null) {
            e.span = null;
            e.spanKnown = true;
            e.spanSized(0, 0, null);
            e.spanBaseNames = null;
            e.spanTail = null;
            e.spanChanged = false;
        }
        st.pendingStart = -1;
    }
}
