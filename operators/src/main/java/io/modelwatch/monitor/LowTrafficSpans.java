package io.modelwatch.monitor;

import io.modelwatch.config.Thresholds;
import io.modelwatch.detect.DriftEvaluator;
import io.modelwatch.detect.WindowVerdict;
import io.modelwatch.functions.MonitorStatus;
import io.modelwatch.stats.profiles.ModelProfile;
import io.modelwatch.stats.profiles.ReferenceProfile;

/**
 * Windows with fewer than {@code window.minEvents} events are merged into the next one until the
 * span has enough, so low-traffic models are judged on samples large enough to trust. The span
 * waiting for more is kept in keyed state "pending", its start in {@link MonitorStatus#pendingStart}.
 * A span that already holds decisive evidence is judged at its time boundary anyway
 * ({@link WindowVerdict#decisive}).
 */
final class LowTrafficSpans {
    private final MonitorState state;

    LowTrafficSpans(MonitorState state) {
        this.state = state;
    }

    /** A span of windows to judge: its merged profile and the start of its first window. */
    record Span(ModelProfile profile, long start) {}

    /** The window just ended, with the span pending before it, if any. */
    Span extend(ModelProfile window, long windowStart, MonitorStatus st) throws Exception {
        byte[] pendingBytes = state.pending.value();
        if (pendingBytes == null) {
            return new Span(window, windowStart);
        }
        ModelProfile acc = ModelProfile.fromBytes(pendingBytes);
        acc.merge(window);
        return new Span(acc, st.pendingStart);
    }

    /**
     * Whether the span waits for the next window: it has fewer than {@code window.minEvents}
     * events and no decisive evidence yet (a look free of side effects: no sequential detector
     * is updated; a span that is not decisive accumulates).
     */
    static boolean waits(ReferenceProfile ref, Span span, Thresholds t, DriftEvaluator.Context c) {
        return span.profile().events() < t.minWindowEvents() && !WindowVerdict.decisive(ref, span.profile(), t, c);
    }

    /** Keeps the span for the next window. */
    void holdBack(Span span, MonitorStatus st) throws Exception {
        state.pending.update(span.profile().toBytes());
        st.pendingStart = span.start();
    }

    /** The span is judged: nothing is pending any more. */
    void close(MonitorStatus st) {
        state.pending.clear();
        st.pendingStart = -1;
    }
}
