package io.modelwatch.monitor;

import io.modelwatch.config.Thresholds;
import io.modelwatch.functions.MonitorStatus;
import org.apache.flink.streaming.api.TimerService;

/**
 * Notices a version that opened no window for {@code quality.silenceAfter}, without waiting for an
 * event that never comes: the watermark (moved by other models' events) passes the newest window's
 * end + silenceAfter. One timer per version ({@link MonitorStatus#silenceTimerAt}), re-armed when
 * it finds a newer window; the SILENT report says so once.
 */
final class SilenceDetection {
    /** A window ending at {@code windowEnd} was opened: arms the version's silence timer if none is. */
    void windowOpened(MonitorStatus st, long windowEnd, Thresholds t, TimerService timers) {
        st.lastWindowEnd = Math.max(st.lastWindowEnd, windowEnd);
        if (st.silenceTimerAt == Long.MIN_VALUE) {
            st.silenceTimerAt = windowEnd + t.silenceAfter().toMillis();
            timers.registerEventTimeTimer(st.silenceTimerAt);
        }
    }

    /**
     * On a timer at {@code timestamp}: whether it is the version's silence timer and the version is
     * silent, so a SILENT report is due. Re-arms the timer when a newer window has opened since. The
     * caller writes {@code st} back when this is the silence timer ({@link #isSilenceTimer}).
     */
    boolean silentAt(long timestamp, MonitorStatus st, Thresholds t, TimerService timers) {
        long due = st.lastWindowEnd + t.silenceAfter().toMillis();
        if (due > timestamp) {
            st.silenceTimerAt = due;
            timers.registerEventTimeTimer(due);
            return false;
        }
        st.silenceTimerAt = Long.MIN_VALUE;
        // At the end of a bounded input the watermark jumps to the end of time: that is the end of
        // the backtest, not silence of the model.
        return timers.currentWatermark() != Long.MAX_VALUE;
    }

    static boolean isSilenceTimer(long timestamp, MonitorStatus st) {
        return st != null && timestamp == st.silenceTimerAt;
    }
}
