package io.modelwatch.monitor;

import io.modelwatch.config.Thresholds;
import io.modelwatch.functions.MonitorStatus;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;

/**
 * A model version with no events for {@code lifecycle.expireAfter} of event time loses all its
 * state, so state does not grow as versions roll over. Event time, not processing time, because
 * (1) a processing-time timer that fell due while the job was stopped fires right after the
 * restore, so an outage or a slow upgrade longer than expireAfter would wipe every reference,
 * exactly what a savepoint upgrade must not do; (2) outputs stay a function of the input
 * (deterministic trigger ids, reproducible {@code --bounded} backtests); (3) a silent version keeps
 * its state only while no other model sends anything either, and then no state grows.
 */
final class IdleExpiry {
    private final MonitorState state;
    private final OpenProfileStore store;
    private final ReferenceLifecycle references;
    private final Counter expiredVersions;

    IdleExpiry(MonitorState state, OpenProfileStore store, ReferenceLifecycle references, Counter expiredVersions) {
        this.state = state;
        this.store = store;
        this.references = references;
        this.expiredVersions = expiredVersions;
    }

    /**
     * Keeps one idle-expiry timer per key, at most {@code expireAfter} after the newest event. The
     * timer is not moved on every event (a RocksDB write each); when it fires early, it re-arms.
     * Timers are never deleted: an expiry time can coincide with a window's timer.
     */
    static void eventAt(MonitorStatus st, long ts, Thresholds t, TimerService timers) {
        st.lastEventTime = Math.max(st.lastEventTime, ts);
        long due = st.lastEventTime + t.expireAfter().toMillis();
        // Also when expireAfter was shortened by an upgrade; the later timer then finds nothing to do.
        if (st.expiryTimer == Long.MIN_VALUE || st.expiryTimer > due) {
            timers.registerEventTimeTimer(due);
            st.expiryTimer = due;
        }
    }

    /**
     * On a timer of the current key: if it is the expiry timer and the version has been silent for
     * {@code expireAfter}, deletes all of its state and returns true; otherwise re-arms at newest
     * event + expireAfter.
     */
    boolean expireIfIdle(String key, long timestamp, Thresholds t, TimerService timers) throws Exception {
        MonitorStatus st = state.status.value();
        if (st == null || timestamp != st.expiryTimer) {
            return false;
        }
        if (timers.currentWatermark() == Long.MAX_VALUE) {
            // The end of a bounded input (or a drained stop) fires every expiry timer at once: that
            // is not idleness. Expiring there would only spend the end of a backtest deleting state
            // (RocksDB iterates each version's windows over their tombstones: a third of the
            // monitor's time in docs/benchmarks.md) and would empty a drained stop's savepoint.
            return false;
        }
        long due = st.lastEventTime + t.expireAfter().toMillis();
        if (due > timestamp) {
            timers.registerEventTimeTimer(due);
            st.expiryTimer = due;
            state.status.update(st);
            return false;
        }
        // Windows end long before; only a window size changed by an upgrade could leave one open.
        WindowGrid grid = WindowGrid.adopt(st, t.windowSize().toMillis(), () -> store.newestOpenStart(key));
        Set<Long> starts = new HashSet<>();
        store.openStarts(key, starts);
        store.forget(key);
        for (Long start : starts) {
            timers.deleteEventTimeTimer(grid.end(start) - 1);
        }
        if (st.silenceTimerAt != Long.MIN_VALUE) {
            timers.deleteEventTimeTimer(st.silenceTimerAt);
        }
        state.clearAll();
        references.forget(key);
        expiredVersions.inc();
        return true;
    }
}
