package io.modelwatch.monitor;

import io.modelwatch.config.Thresholds;
import io.modelwatch.functions.MonitorStatus;
import io.modelwatch.stats.profiles.ReferenceProfile;
import org.apache.flink.streaming.api.TimerService;

/**
 * Puts each event of a batch into its event-time window ({@link WindowGrid}) and counts the late
 * ones: an event behind a window already evaluated (of whichever size), or whose window the
 * watermark has passed, is not added anywhere but counted in {@link MonitorStatus#lateSinceReport}
 * for the next report. A window opened here gets its timer at its end and tells the
 * {@link SilenceDetection}.
 *
 * <p>Used one batch at a time ({@link #begin}); the window of the previous event is remembered,
 * because most events of a batch share one: the maps are looked up (and the start boxed) once per
 * window and batch rather than once per event.
 */
final class WindowAssignment {
    private final OpenProfileStore store;
    private final SilenceDetection silence;

    private MonitorStatus st;
    private WindowGrid grid;
    private long watermark;
    private OpenProfiles.Entry profiles;
    private Thresholds t;
    private TimerService timers;
    private long currentStart;
    private long currentEnd;
    private OpenWindow current;

    WindowAssignment(OpenProfileStore store, SilenceDetection silence) {
        this.store = store;
        this.silence = silence;
    }

    /** Starts a batch of the current key. */
    void begin(MonitorStatus st, WindowGrid grid, long watermark, OpenProfiles.Entry profiles, Thresholds t,
            TimerService timers) {
        this.st = st;
        this.grid = grid;
        this.watermark = watermark;
        this.profiles = profiles;
        this.t = t;
        this.timers = timers;
        currentStart = Long.MIN_VALUE;
        currentEnd = Long.MIN_VALUE;
        current = null;
    }

    /**
     * The open window of an event at {@code ts}, opened (binned when there is a reference {@code ref}
     * yet) when it is new; null when the event is late, which is then counted.
     */
    OpenWindow windowOf(long ts, ReferenceProfile ref) throws Exception {
        long windowStart = grid.start(ts);
        long windowEnd = windowStart == currentStart ? currentEnd : grid.end(windowStart);
        // Behind a window already evaluated (of whichever size), or behind the watermark.
        if (ts < st.lastFiredWindowEnd || windowEnd - 1 <= watermark) {
            st.lateSinceReport++;
            return null;
        }
        OpenWindow window = windowStart == currentStart ? current : profiles.windows.get(windowStart);
        if (window == null) {
            window = store.readWindow(profiles, windowStart);
            if (window == null) {
                window = OpenWindow.open(ref != null);
                timers.registerEventTimeTimer(windowEnd - 1);
                silence.windowOpened(st, windowEnd, t, timers);
            }
            profiles.windows.put(windowStart, window);
        }
        if (windowStart != currentStart) {
            profiles.changedWindows.add(windowStart);
            currentStart = windowStart;
            currentEnd = windowEnd;
            current = window;
        }
        return window;
    }

    /** Ends the batch: nothing of it is held any longer. */
    void end() {
        st = null;
        grid = null;
        profiles = null;
        t = null;
        timers = null;
        current = null;
    }
}
